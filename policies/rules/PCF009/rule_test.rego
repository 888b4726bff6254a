package portcullis.rules.PCF009_test

import data.portcullis.rules.PCF009

flux_object(api_version, kind, metadata, spec) := {"document": {
	"apiVersion": api_version,
	"kind": kind,
	"metadata": metadata,
	"spec": spec,
}}

in_team_a := {"name": "app", "namespace": "team-a"}

kustomization(source_ref) := flux_object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", in_team_a, {"sourceRef": source_ref})

test_kustomization_source_in_another_namespace_is_denied_at_the_namespace if {
	findings := PCF009.deny with input as kustomization({"kind": "GitRepository", "name": "fleet", "namespace": "flux-system"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "sourceRef", "namespace"]
	f.msg == "kustomization \"app\" uses source \"fleet\" from namespace \"flux-system\", not its own namespace \"team-a\""
}

test_helm_release_chart_source_in_another_namespace_is_denied if {
	spec := {"chart": {"spec": {"chart": "redis", "sourceRef": {"kind": "HelmRepository", "name": "bitnami", "namespace": "flux-system"}}}}
	findings := PCF009.deny with input as flux_object("helm.toolkit.fluxcd.io/v2", "HelmRelease", in_team_a, spec)
	some f in findings
	f.path == ["spec", "chart", "spec", "sourceRef", "namespace"]
	startswith(f.msg, "helm release \"app\" uses source \"bitnami\"")
}

test_helm_release_chart_ref_in_another_namespace_is_denied if {
	spec := {"chartRef": {"kind": "OCIRepository", "name": "podinfo", "namespace": "flux-system"}}
	some f in PCF009.deny with input as flux_object("helm.toolkit.fluxcd.io/v2", "HelmRelease", in_team_a, spec)
	f.path == ["spec", "chartRef", "namespace"]
}

test_image_update_automation_source_in_another_namespace_is_denied if {
	spec := {"sourceRef": {"kind": "GitRepository", "name": "fleet", "namespace": "flux-system"}}
	some f in PCF009.deny with input as flux_object("image.toolkit.fluxcd.io/v1beta2", "ImageUpdateAutomation", in_team_a, spec)
	f.path == ["spec", "sourceRef", "namespace"]
	startswith(f.msg, "image update automation \"app\"")
}

test_every_api_version_is_checked if {
	ref := {"kind": "GitRepository", "name": "fleet", "namespace": "flux-system"}
	every api_version in ["kustomize.toolkit.fluxcd.io/v1", "kustomize.toolkit.fluxcd.io/v1beta2", "kustomize.toolkit.fluxcd.io/v1beta1"] {
		count(PCF009.deny) == 1 with input as flux_object(api_version, "Kustomization", in_team_a, {"sourceRef": ref})
	}
	every api_version in ["helm.toolkit.fluxcd.io/v2", "helm.toolkit.fluxcd.io/v2beta2", "helm.toolkit.fluxcd.io/v2beta1"] {
		count(PCF009.deny) == 1 with input as flux_object(api_version, "HelmRelease", in_team_a, {"chart": {"spec": {"sourceRef": ref}}})
	}
}

test_same_namespace_or_no_source_namespace_is_allowed if {
	count(PCF009.deny) == 0 with input as kustomization({"kind": "GitRepository", "name": "app"})
	count(PCF009.deny) == 0 with input as kustomization({"kind": "GitRepository", "name": "app", "namespace": "team-a"})
	count(PCF009.deny) == 0 with input as kustomization({"kind": "GitRepository", "name": "app", "namespace": ""})
}

test_object_without_namespace_and_explicit_source_namespace_is_denied if {
	doc := flux_object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", {"name": "app"}, {"sourceRef": {"kind": "GitRepository", "name": "fleet", "namespace": "flux-system"}})
	findings := PCF009.deny with input as doc
	count(findings) == 1
	some f in findings
	f.path == ["spec", "sourceRef", "namespace"]
	f.msg == "kustomization \"app\" uses source \"fleet\" from namespace \"flux-system\", while its own namespace is only set at apply time"
}

test_patch_without_namespace_is_not_judged if {
	doc := flux_object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", {"name": "app"}, {"sourceRef": {"kind": "GitRepository", "name": "fleet", "namespace": "flux-system"}})
	count(PCF009.deny) == 0 with input as object.union(doc, {"file": {"path": "patch.yaml", "partial": true}})
}

test_patch_with_namespace_is_judged if {
	doc := kustomization({"kind": "GitRepository", "name": "fleet", "namespace": "flux-system"})
	count(PCF009.deny) == 1 with input as object.union(doc, {"file": {"path": "patch.yaml", "partial": true}})
}

test_non_object_references_are_ignored if {
	count(PCF009.deny) == 0 with input as kustomization("flux-system/fleet")
	count(PCF009.deny) == 0 with input as flux_object("helm.toolkit.fluxcd.io/v2", "HelmRelease", in_team_a, {"chart": "redis"})
}

test_other_kinds_are_not_checked if {
	spec := {"sourceRef": {"kind": "GitRepository", "name": "fleet", "namespace": "flux-system"}}
	count(PCF009.deny) == 0 with input as flux_object("notification.toolkit.fluxcd.io/v1", "Receiver", in_team_a, spec)
	count(PCF009.deny) == 0 with input as flux_object("kustomize.config.k8s.io/v1beta1", "Kustomization", in_team_a, spec)
}
