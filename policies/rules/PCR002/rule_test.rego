package portcullis.rules.PCR002_test

import data.portcullis.rules.PCR002

role(kind, rules) := {"document": {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": kind,
	"metadata": {"name": "operator", "namespace": "ops"},
	"rules": rules,
}}

test_wildcard_verb_is_denied_at_the_list_item if {
	findings := PCR002.deny with input as role("ClusterRole", [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "*"]}])
	count(findings) == 1
	some f in findings
	f.path == ["rules", 0, "verbs", 1]
	f.msg == "cluster role \"operator\" rule 0 grants every verb (\"*\" in verbs)"
}

test_wildcard_resource_is_denied_at_the_list_item if {
	findings := PCR002.deny with input as role("Role", [{"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get"]}, {"apiGroups": ["apps"], "resources": ["*"], "verbs": ["get"]}])
	count(findings) == 1
	some f in findings
	f.path == ["rules", 1, "resources", 0]
	f.msg == "role \"operator\" rule 1 grants every resource (\"*\" in resources)"
}

test_both_wildcards_give_two_findings if {
	findings := PCR002.deny with input as role("ClusterRole", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])
	{f.path | some f in findings} == {["rules", 0, "resources", 0], ["rules", 0, "verbs", 0]}
}

test_wildcard_api_group_alone_is_allowed if {
	count(PCR002.deny) == 0 with input as role("ClusterRole", [{"apiGroups": ["*"], "resources": ["deployments"], "verbs": ["get"]}])
}

test_subresource_wildcards_are_not_full_wildcards if {
	# `*/scale` grants the scale subresource of every resource, not every resource.
	count(PCR002.deny) == 0 with input as role("ClusterRole", [{"apiGroups": ["*"], "resources": ["*/scale", "pods/*"], "verbs": ["get"]}])
}

test_explicit_rules_are_allowed if {
	count(PCR002.deny) == 0 with input as role("ClusterRole", [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]}])
	count(PCR002.deny) == 0 with input as role("ClusterRole", [])
}

test_malformed_rules_are_ignored if {
	count(PCR002.deny) == 0 with input as role("ClusterRole", {"verbs": ["*"]})
	count(PCR002.deny) == 0 with input as role("ClusterRole", ["*"])
	count(PCR002.deny) == 0 with input as role("ClusterRole", [{"verbs": "*", "resources": "*"}])
}

test_bindings_and_other_groups_are_not_checked if {
	doc := object.union(role("ClusterRole", [{"resources": ["*"], "verbs": ["*"]}]).document, {"apiVersion": "example.com/v1"})
	count(PCR002.deny) == 0 with input as {"document": doc}
	count(PCR002.deny) == 0 with input as role("ClusterRoleBinding", [{"resources": ["*"], "verbs": ["*"]}])
}
