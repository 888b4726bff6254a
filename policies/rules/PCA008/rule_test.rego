package portcullis.rules.PCA008_test

import data.portcullis.rules.PCA008

app(sync_policy) := {"document": {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Application",
	"metadata": {"name": "web"},
	"spec": {"project": "web", "syncPolicy": sync_policy},
}}

test_allow_empty_with_prune_is_a_warning_at_the_field if {
	findings := PCA008.deny with input as app({"automated": {"prune": true, "selfHeal": true, "allowEmpty": true}})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "syncPolicy", "automated", "allowEmpty"]
	f.severity == "warning"
	f.msg == "application \"web\" lets automated sync prune every resource when the source renders no manifests (allowEmpty: true)"
}

test_allow_empty_without_prune_is_a_notice if {
	findings := PCA008.deny with input as app({"automated": {"selfHeal": true, "allowEmpty": true}})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "syncPolicy", "automated", "allowEmpty"]
	f.severity == "notice"
}

test_allow_empty_false_or_missing_is_allowed if {
	count(PCA008.deny) == 0 with input as app({"automated": {"prune": true, "allowEmpty": false}})
	count(PCA008.deny) == 0 with input as app({"automated": {"prune": true}})
	count(PCA008.deny) == 0 with input as app({"automated": {}})
}

test_disabled_automation_is_allowed if {
	count(PCA008.deny) == 0 with input as app({"automated": {"enabled": false, "prune": true, "allowEmpty": true}})
}

test_enabled_automation_is_denied if {
	count(PCA008.deny) == 1 with input as app({"automated": {"enabled": true, "prune": true, "allowEmpty": true}})
}

test_string_true_is_not_allow_empty if {
	# The CRD schema types allowEmpty as a boolean; the API server refuses a string.
	count(PCA008.deny) == 0 with input as app({"automated": {"prune": true, "allowEmpty": "true"}})
}

test_manual_sync_is_allowed if {
	count(PCA008.deny) == 0 with input as app({"syncOptions": ["CreateNamespace=true"]})
	count(PCA008.deny) == 0 with input as {"document": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "x"}, "spec": {}}}
}

test_applicationset_template_is_checked if {
	doc := {
		"apiVersion": "argoproj.io/v1alpha1",
		"kind": "ApplicationSet",
		"metadata": {"name": "fleet"},
		"spec": {
			"syncPolicy": {"preserveResourcesOnDeletion": true},
			"template": {"spec": {"project": "web", "syncPolicy": {"automated": {"prune": true, "allowEmpty": true}}}},
		},
	}
	findings := PCA008.deny with input as {"document": doc}
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "spec", "syncPolicy", "automated", "allowEmpty"]
	startswith(f.msg, "the template of applicationset \"fleet\"")
}

test_other_kinds_are_ignored if {
	doc := {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "p"}, "spec": {"syncPolicy": {"automated": {"allowEmpty": true}}}}
	count(PCA008.deny) == 0 with input as {"document": doc}
}
