package portcullis.rules.PCP001_test

import data.portcullis.rules.PCP001

constraint(spec) := {"document": {
	"apiVersion": "constraints.gatekeeper.sh/v1beta1",
	"kind": "K8sRequiredLabels",
	"metadata": {"name": "must-have-owner"},
	"spec": spec,
}}

match := {"kinds": [{"apiGroups": [""], "kinds": ["Namespace"]}]}

test_dryrun_is_denied_at_the_field if {
	findings := PCP001.deny with input as constraint({"enforcementAction": "dryrun", "match": match})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "enforcementAction"]
	f.msg == "constraint \"must-have-owner\" (K8sRequiredLabels) does not block violations (enforcementAction is \"dryrun\")"
}

test_warn_is_denied if {
	some f in PCP001.deny with input as constraint({"enforcementAction": "warn"})
	f.path == ["spec", "enforcementAction"]
}

test_action_is_compared_case_insensitively if {
	count(PCP001.deny) == 1 with input as constraint({"enforcementAction": "DryRun"})
}

test_deny_and_default_are_allowed if {
	count(PCP001.deny) == 0 with input as constraint({"enforcementAction": "deny", "match": match})
	count(PCP001.deny) == 0 with input as constraint({"match": match})
	count(PCP001.deny) == 0 with input as {"document": {"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sRequiredLabels", "metadata": {"name": "x"}}}
}

test_scoped_with_only_non_blocking_actions_is_denied if {
	findings := PCP001.deny with input as constraint({
		"enforcementAction": "scoped",
		"scopedEnforcementActions": [
			{"action": "warn", "enforcementPoints": [{"name": "validation.gatekeeper.sh"}]},
			{"action": "dryrun", "enforcementPoints": [{"name": "audit.gatekeeper.sh"}]},
		],
	})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "scopedEnforcementActions"]
}

test_scoped_with_a_deny_action_is_allowed if {
	count(PCP001.deny) == 0 with input as constraint({
		"enforcementAction": "scoped",
		"scopedEnforcementActions": [
			{"action": "deny", "enforcementPoints": [{"name": "validation.gatekeeper.sh"}]},
			{"action": "warn", "enforcementPoints": [{"name": "gator.gatekeeper.sh"}]},
		],
	})
}

test_scoped_actions_are_ignored_unless_enforcement_action_is_scoped if {
	count(PCP001.deny) == 0 with input as constraint({"enforcementAction": "deny", "scopedEnforcementActions": [{"action": "warn"}]})
}

test_scoped_without_actions_is_not_denied if {
	count(PCP001.deny) == 0 with input as constraint({"enforcementAction": "scoped", "scopedEnforcementActions": []})
	count(PCP001.deny) == 0 with input as constraint({"enforcementAction": "scoped"})
}

test_any_constraint_version_is_checked if {
	doc := {"apiVersion": "constraints.gatekeeper.sh/v1", "kind": "K8sPSPPrivilegedContainer", "metadata": {"name": "p"}, "spec": {"enforcementAction": "warn"}}
	count(PCP001.deny) == 1 with input as {"document": doc}
}

test_templates_and_other_groups_are_ignored if {
	tmpl := {"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate", "metadata": {"name": "t"}, "spec": {"enforcementAction": "dryrun"}}
	count(PCP001.deny) == 0 with input as {"document": tmpl}
	other := {"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}, "spec": {"enforcementAction": "dryrun"}}
	count(PCP001.deny) == 0 with input as {"document": other}
}

test_non_string_action_is_ignored if {
	count(PCP001.deny) == 0 with input as constraint({"enforcementAction": ["dryrun"]})
}

test_scoped_entry_without_action_counts_as_blocking if {
	count(PCP001.deny) == 0 with input as constraint({"enforcementAction": "scoped", "scopedEnforcementActions": [{"action": "warn"}, {"enforcementPoints": []}]})
}
