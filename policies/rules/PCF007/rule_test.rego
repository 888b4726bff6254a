package portcullis.rules.PCF007_test

import data.portcullis.rules.PCF007

kustomization(api_version, spec) := {"document": {
	"apiVersion": api_version,
	"kind": "Kustomization",
	"metadata": {"name": "apps", "namespace": "flux-system"},
	"spec": spec,
}}

test_prune_false_is_denied_at_the_field_with_a_fix if {
	findings := PCF007.deny with input as kustomization("kustomize.toolkit.fluxcd.io/v1", {"prune": false, "path": "./apps"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "prune"]
	f.fix == {"op": "set", "path": ["spec", "prune"], "value": true}
	f.msg == "kustomization \"apps\" sets prune: false, so objects removed from Git stay in the cluster"
}

test_every_api_version_is_checked if {
	every api_version in ["kustomize.toolkit.fluxcd.io/v1", "kustomize.toolkit.fluxcd.io/v1beta2", "kustomize.toolkit.fluxcd.io/v1beta1"] {
		count(PCF007.deny) == 1 with input as kustomization(api_version, {"prune": false})
	}
}

test_prune_true_is_allowed if {
	count(PCF007.deny) == 0 with input as kustomization("kustomize.toolkit.fluxcd.io/v1", {"prune": true})
}

test_missing_prune_is_not_reported if {
	# `prune` is required by the CRD; a manifest without it is refused by the API server.
	count(PCF007.deny) == 0 with input as kustomization("kustomize.toolkit.fluxcd.io/v1", {"path": "./apps"})
}

test_string_false_is_not_false if {
	count(PCF007.deny) == 0 with input as kustomization("kustomize.toolkit.fluxcd.io/v1", {"prune": "false"})
}

test_kustomize_config_kustomization_is_not_checked if {
	count(PCF007.deny) == 0 with input as kustomization("kustomize.config.k8s.io/v1beta1", {"prune": false})
}
