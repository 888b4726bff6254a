package portcullis.rules.PCP002_test

import data.portcullis.rules.PCP002

policy(spec) := {"document": {"apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "require-labels"}, "spec": spec}}

validate_rule(name, validate) := {
	"name": name,
	"match": {"any": [{"resources": {"kinds": ["Pod"]}}]},
	"validate": object.union({"message": "label app is required", "pattern": {"metadata": {"labels": {"app": "?*"}}}}, validate),
}

test_policy_wide_audit_is_denied_at_the_field if {
	findings := PCP002.deny with input as policy({"validationFailureAction": "Audit", "rules": [validate_rule("check-app", {})]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "validationFailureAction"]
	f.msg == "policy \"require-labels\" runs in Audit mode, so violations of rule \"check-app\" are reported but not blocked"
}

test_legacy_lower_case_audit_is_denied if {
	some f in PCP002.deny with input as policy({"validationFailureAction": "audit", "rules": [validate_rule("a", {})]})
	f.path == ["spec", "validationFailureAction"]
}

test_enforce_is_allowed if {
	count(PCP002.deny) == 0 with input as policy({"validationFailureAction": "Enforce", "rules": [validate_rule("a", {})]})
	count(PCP002.deny) == 0 with input as policy({"validationFailureAction": "enforce", "rules": [validate_rule("a", {})]})
}

test_rule_level_audit_is_denied_at_the_rule_field if {
	findings := PCP002.deny with input as policy({"rules": [
		validate_rule("a", {"failureAction": "Enforce"}),
		validate_rule("b", {"failureAction": "Audit"}),
	]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "rules", 1, "validate", "failureAction"]
	f.msg == "rule \"b\" of policy \"require-labels\" runs in Audit mode, so violations are reported but not blocked"
}

test_kyverno_1_12_rule_level_key_is_read if {
	findings := PCP002.deny with input as policy({"validationFailureAction": "Enforce", "rules": [validate_rule("a", {"validationFailureAction": "Audit"})]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "rules", 0, "validate", "validationFailureAction"]
}

test_rule_level_enforce_overrides_policy_wide_audit if {
	count(PCP002.deny) == 0 with input as policy({"validationFailureAction": "Audit", "rules": [validate_rule("a", {"failureAction": "Enforce"})]})
}

test_missing_action_defaults_to_audit_and_is_denied_where_it_should_be if {
	findings := PCP002.deny with input as policy({"rules": [validate_rule("a", {}), validate_rule("b", {})]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "validationFailureAction"]
	f.msg == "policy \"require-labels\" sets no validationFailureAction, so Kyverno's default Audit mode applies to rules \"a\", \"b\""
}

test_missing_action_is_allowed_when_every_rule_sets_enforce if {
	count(PCP002.deny) == 0 with input as policy({"rules": [validate_rule("a", {"failureAction": "Enforce"}), validate_rule("b", {"failureAction": "Enforce"})]})
}

test_missing_action_names_only_the_rules_that_inherit_it if {
	findings := PCP002.deny with input as policy({"rules": [validate_rule("a", {"failureAction": "Enforce"}), validate_rule("b", {})]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "validationFailureAction"]
	endswith(f.msg, "applies to rule \"b\"")
}

test_mutate_and_generate_only_policies_are_allowed if {
	doc := policy({"validationFailureAction": "Audit", "rules": [
		{"name": "add-label", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "mutate": {"patchStrategicMerge": {"metadata": {"labels": {"team": "web"}}}}},
		{"name": "gen", "match": {"any": [{"resources": {"kinds": ["Namespace"]}}]}, "generate": {"kind": "NetworkPolicy", "name": "deny"}},
	]})
	count(PCP002.deny) == 0 with input as doc
}

test_verify_images_failure_action_audit_is_denied if {
	rule := {"name": "signed", "match": {"any": [{"resources": {"kinds": ["Pod"]}}]}, "verifyImages": [{"imageReferences": ["ghcr.io/acme/*"], "failureAction": "Audit"}]}
	findings := PCP002.deny with input as policy({"rules": [rule]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "rules", 0, "verifyImages", 0, "failureAction"]
}

test_verify_images_without_action_inherits_the_policy_action if {
	rule := {"name": "signed", "verifyImages": [{"imageReferences": ["ghcr.io/acme/*"]}]}
	some f in PCP002.deny with input as policy({"validationFailureAction": "Audit", "rules": [rule]})
	f.path == ["spec", "validationFailureAction"]
	count(PCP002.deny) == 0 with input as policy({"validationFailureAction": "Enforce", "rules": [rule]})
}

test_namespaced_policy_and_v2beta1_are_checked if {
	doc := {"apiVersion": "kyverno.io/v2beta1", "kind": "Policy", "metadata": {"name": "p", "namespace": "web"}, "spec": {"validationFailureAction": "Audit", "rules": [validate_rule("a", {})]}}
	some f in PCP002.deny with input as {"document": doc}
	startswith(f.msg, "policy \"p\" runs in Audit mode")
}

test_unnamed_rule_is_named_by_index if {
	findings := PCP002.deny with input as policy({"rules": [{"validate": {"failureAction": "Audit"}}]})
	some f in findings
	startswith(f.msg, "rule \"#0\"")
}

test_other_kinds_and_groups_are_ignored if {
	other := {"apiVersion": "kyverno.io/v2", "kind": "PolicyException", "metadata": {"name": "x"}, "spec": {"validationFailureAction": "Audit", "rules": [validate_rule("a", {})]}}
	count(PCP002.deny) == 0 with input as {"document": other}
	vpol := {"apiVersion": "policies.kyverno.io/v1alpha1", "kind": "ClusterPolicy", "metadata": {"name": "x"}, "spec": {"rules": [validate_rule("a", {})]}}
	count(PCP002.deny) == 0 with input as {"document": vpol}
}

test_wrong_types_are_ignored if {
	count(PCP002.deny) == 0 with input as policy({"validationFailureAction": "Audit", "rules": "not-a-list"})
	count(PCP002.deny) == 0 with input as policy({"validationFailureAction": "Enforce", "rules": ["x", {"validate": "y"}]})
}
