package portcullis.rules.PCA006_test

import data.portcullis.rules.PCA006

rbac(d) := {"document": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-rbac-cm", "namespace": "argocd"}, "data": d}}

test_admin_default_role_is_denied_at_the_field if {
	findings := PCA006.deny with input as rbac({"policy.default": "role:admin"})
	count(findings) == 1
	some f in findings
	f.path == ["data", "policy.default"]
	f.msg == "configmap \"argocd-rbac-cm\" makes role:admin the default role of every user who logs in"
	not f.scalarLine
}

test_readonly_or_empty_default_role_is_allowed if {
	count(PCA006.deny) == 0 with input as rbac({"policy.default": "role:readonly"})
	count(PCA006.deny) == 0 with input as rbac({"policy.default": ""})
	count(PCA006.deny) == 0 with input as rbac({})
}

test_full_wildcard_line_is_denied_with_its_line_index if {
	csv := "# platform\ng, acme:platform, role:platform\np, role:platform, *, *, *, allow\n"
	findings := PCA006.deny with input as rbac({"policy.csv": csv})
	count(findings) == 1
	some f in findings
	f.path == ["data", "policy.csv"]
	f.scalarLine == 2
	f.msg == "line 3 of \"policy.csv\" allows \"role:platform\" every action on every object of every resource"
}

test_every_action_on_every_application_is_denied if {
	findings := PCA006.deny with input as rbac({"policy.csv": "p, role:ci, applications, *, */*, allow"})
	count(findings) == 1
	some f in findings
	f.scalarLine == 0
	f.msg == "line 1 of \"policy.csv\" allows \"role:ci\" every action on every object of \"applications\""
}

test_object_star_and_namespaced_form_are_every_object if {
	count(PCA006.deny) == 1 with input as rbac({"policy.csv": "p, role:ci, applications, *, *, allow"})
	count(PCA006.deny) == 1 with input as rbac({"policy.csv": "p, role:ci, applications, *, */*/*, allow"})
	count(PCA006.deny) == 1 with input as rbac({"policy.csv": "p, role:ops, clusters, *, *, allow"})
}

test_missing_effect_defaults_to_allow if {
	count(PCA006.deny) == 1 with input as rbac({"policy.csv": "p, role:dev, *, *, *"})
}

test_deny_lines_are_allowed if {
	count(PCA006.deny) == 0 with input as rbac({"policy.csv": "p, role:intern, *, *, *, deny"})
}

test_role_admin_itself_is_allowed if {
	count(PCA006.deny) == 0 with input as rbac({"policy.csv": "p, role:admin, *, *, *, allow\ng, acme:admins, role:admin"})
}

test_scoped_lines_are_allowed if {
	csv := concat("\n", [
		"p, role:team-a, applications, *, team-a/*, allow",
		"p, role:auditor, applications, get, */*, allow",
		"p, role:auditor, *, get, *, allow",
		"p, role:deployer, applications, sync, */*, allow",
		"g, team-a, role:team-a",
	])
	count(PCA006.deny) == 0 with input as rbac({"policy.csv": csv})
}

test_spacing_and_quotes_are_normalized if {
	findings := PCA006.deny with input as rbac({"policy.csv": "  p,\"role:dev\" ,  * ,*,   */* , allow  \r\n"})
	count(findings) == 1
	some f in findings
	f.scalarLine == 0
	contains(f.msg, "\"role:dev\"")
}

test_comments_and_blank_lines_are_skipped if {
	csv := "\n# p, role:dev, *, *, *, allow\n   \n  #p, role:x, *, *, *, allow"
	count(PCA006.deny) == 0 with input as rbac({"policy.csv": csv})
}

test_trailing_comment_does_not_hide_a_grant if {
	some f in PCA006.deny with input as rbac({"policy.csv": "p, role:dev, *, *, *, allow # temporary"})
	f.scalarLine == 0
}

test_overlay_policy_keys_are_checked if {
	findings := PCA006.deny with input as rbac({"policy.csv": "", "policy.team-ops.csv": "g, ops, role:ops\np, role:ops, *, *, */*, allow"})
	count(findings) == 1
	some f in findings
	f.path == ["data", "policy.team-ops.csv"]
	f.scalarLine == 1
}

test_each_offending_line_is_reported_once if {
	csv := "p, role:a, *, *, *, allow\np, role:b, applications, *, */*, allow\np, role:a, *, *, *, allow"
	findings := PCA006.deny with input as rbac({"policy.csv": csv})
	count(findings) == 3
	{f.scalarLine | some f in findings} == {0, 1, 2}
}

test_malformed_lines_are_ignored if {
	count(PCA006.deny) == 0 with input as rbac({"policy.csv": "p, role:a, *, *\np, role:a, *, *, *, allow, extra"})
}

test_other_configmaps_are_ignored if {
	doc := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm"}, "data": {"policy.default": "role:admin", "policy.csv": "p, role:x, *, *, *, allow"}}
	count(PCA006.deny) == 0 with input as {"document": doc}
}

test_non_string_values_are_ignored if {
	count(PCA006.deny) == 0 with input as rbac({"policy.csv": ["p, role:x, *, *, *, allow"], "policy.default": true})
}
