package portcullis.rules.PCF001_test

import data.portcullis.rules.PCF001

flux_object(api_version, kind, spec) := {"document": {
	"apiVersion": api_version,
	"kind": kind,
	"metadata": {"name": "apps", "namespace": "team-a"},
	"spec": spec,
}}

kustomization(spec) := flux_object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", spec)

helm_release(spec) := flux_object("helm.toolkit.fluxcd.io/v2", "HelmRelease", spec)

test_kustomization_without_service_account_is_denied_at_the_missing_field if {
	findings := PCF001.deny with input as kustomization({"interval": "10m", "path": "./apps", "prune": true})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "serviceAccountName"]
	f.msg == "kustomization \"apps\" sets no spec.serviceAccountName, so it applies with the controller's own permissions"
}

test_helm_release_without_service_account_is_denied if {
	findings := PCF001.deny with input as helm_release({"interval": "10m", "chart": {"spec": {"chart": "redis"}}})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "serviceAccountName"]
	startswith(f.msg, "helm release \"apps\" ")
}

test_every_served_api_version_is_checked if {
	every api_version, kind in {
		"kustomize.toolkit.fluxcd.io/v1": "Kustomization",
		"kustomize.toolkit.fluxcd.io/v1beta2": "Kustomization",
		"kustomize.toolkit.fluxcd.io/v1beta1": "Kustomization",
		"helm.toolkit.fluxcd.io/v2": "HelmRelease",
		"helm.toolkit.fluxcd.io/v2beta2": "HelmRelease",
		"helm.toolkit.fluxcd.io/v2beta1": "HelmRelease",
	} {
		count(PCF001.deny) == 1 with input as flux_object(api_version, kind, {"interval": "5m"})
	}
}

test_empty_service_account_counts_as_missing if {
	findings := PCF001.deny with input as kustomization({"serviceAccountName": ""})
	count(findings) == 1
}

test_non_string_service_account_counts_as_missing if {
	count(PCF001.deny) == 1 with input as helm_release({"serviceAccountName": 42})
}

test_document_without_spec_is_denied_at_the_would_be_path if {
	findings := PCF001.deny with input as {"document": {"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization", "metadata": {"name": "apps"}}}
	some f in findings
	f.path == ["spec", "serviceAccountName"]
}

test_service_account_set_is_allowed if {
	count(PCF001.deny) == 0 with input as kustomization({"serviceAccountName": "team-a"})
	count(PCF001.deny) == 0 with input as helm_release({"serviceAccountName": "team-a"})
}

test_kustomize_config_kustomization_is_not_a_flux_object if {
	doc := {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": ["sync.yaml"]}
	count(PCF001.deny) == 0 with input as {"document": doc}
}

test_flux_v1_helm_operator_release_is_not_checked if {
	count(PCF001.deny) == 0 with input as flux_object("helm.fluxcd.io/v1", "HelmRelease", {"chart": {"name": "redis"}})
}

test_other_flux_kinds_are_not_checked if {
	count(PCF001.deny) == 0 with input as flux_object("source.toolkit.fluxcd.io/v1", "GitRepository", {"url": "https://github.com/acme/app"})
	count(PCF001.deny) == 0 with input as flux_object("kustomize.toolkit.fluxcd.io", "Kustomization", {})
}
