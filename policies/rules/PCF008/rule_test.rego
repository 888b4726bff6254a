package portcullis.rules.PCF008_test

import data.portcullis.rules.PCF008

flux_object(api_version, kind, spec) := {"document": {
	"apiVersion": api_version,
	"kind": kind,
	"metadata": {"name": "app", "namespace": "apps"},
	"spec": spec,
}}

test_kustomization_force_is_denied_at_the_field if {
	findings := PCF008.deny with input as flux_object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", {"force": true, "prune": true})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "force"]
	f.msg == "kustomization \"app\" sets force: true, so objects whose immutable fields change are deleted and recreated"
}

test_helm_upgrade_force_is_denied_at_the_field if {
	findings := PCF008.deny with input as flux_object("helm.toolkit.fluxcd.io/v2", "HelmRelease", {"upgrade": {"force": true}})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "upgrade", "force"]
	f.msg == "helm release \"app\" sets upgrade.force: true, so resources are replaced instead of patched"
}

test_helm_rollback_force_is_denied_at_the_field if {
	findings := PCF008.deny with input as flux_object("helm.toolkit.fluxcd.io/v2", "HelmRelease", {"upgrade": {"force": true}, "rollback": {"force": true}})
	{f.path | some f in findings} == {["spec", "upgrade", "force"], ["spec", "rollback", "force"]}
}

test_install_has_no_force_field if {
	count(PCF008.deny) == 0 with input as flux_object("helm.toolkit.fluxcd.io/v2", "HelmRelease", {"install": {"force": true}})
}

test_every_api_version_is_checked if {
	every api_version in ["kustomize.toolkit.fluxcd.io/v1", "kustomize.toolkit.fluxcd.io/v1beta2", "kustomize.toolkit.fluxcd.io/v1beta1"] {
		count(PCF008.deny) == 1 with input as flux_object(api_version, "Kustomization", {"force": true})
	}
	every api_version in ["helm.toolkit.fluxcd.io/v2", "helm.toolkit.fluxcd.io/v2beta2", "helm.toolkit.fluxcd.io/v2beta1"] {
		count(PCF008.deny) == 1 with input as flux_object(api_version, "HelmRelease", {"upgrade": {"force": true}})
	}
}

test_force_off_or_absent_is_allowed if {
	count(PCF008.deny) == 0 with input as flux_object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", {"force": false})
	count(PCF008.deny) == 0 with input as flux_object("kustomize.toolkit.fluxcd.io/v1", "Kustomization", {})
	count(PCF008.deny) == 0 with input as flux_object("helm.toolkit.fluxcd.io/v2", "HelmRelease", {"upgrade": {"force": false, "cleanupOnFail": true}})
	count(PCF008.deny) == 0 with input as flux_object("helm.toolkit.fluxcd.io/v2", "HelmRelease", {"upgrade": "force"})
}

test_force_on_other_kinds_is_not_checked if {
	count(PCF008.deny) == 0 with input as flux_object("helm.toolkit.fluxcd.io/v2", "Kustomization", {"force": true})
	count(PCF008.deny) == 0 with input as flux_object("kustomize.toolkit.fluxcd.io/v1", "HelmRelease", {"upgrade": {"force": true}})
}
