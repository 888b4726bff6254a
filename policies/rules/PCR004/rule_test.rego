package portcullis.rules.PCR004_test

import data.portcullis.rules.PCR004

role(kind, rules) := {"document": {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": kind,
	"metadata": {"name": "onboarder", "namespace": "ops"},
	"rules": rules,
}}

test_each_verb_is_denied_at_its_list_item if {
	rules := [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["create", "bind", "escalate"]}, {"apiGroups": [""], "resources": ["users", "groups", "serviceaccounts"], "verbs": ["impersonate"]}]
	findings := PCR004.deny with input as role("ClusterRole", rules)
	{f.path | some f in findings} == {["rules", 0, "verbs", 1], ["rules", 0, "verbs", 2], ["rules", 1, "verbs", 0]}
	count(findings) == 3
}

test_messages_name_the_role_rule_and_verb if {
	some f in PCR004.deny with input as role("Role", [{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["impersonate"]}])
	f.msg == "role \"onboarder\" rule 0 grants \"impersonate\", which lets its holder act as other users, groups or service accounts"
}

test_wildcard_verb_is_left_to_PCR002 if {
	count(PCR004.deny) == 0 with input as role("ClusterRole", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])
}

test_verbs_are_case_sensitive if {
	# Kubernetes matches verbs exactly; `Bind` grants nothing.
	count(PCR004.deny) == 0 with input as role("ClusterRole", [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"], "verbs": ["Bind", "ESCALATE"]}])
}

test_ordinary_verbs_are_allowed if {
	count(PCR004.deny) == 0 with input as role("ClusterRole", [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["get", "list", "create", "update", "delete"]}])
}

test_malformed_rules_are_ignored if {
	count(PCR004.deny) == 0 with input as role("ClusterRole", [{"verbs": "bind"}])
	count(PCR004.deny) == 0 with input as role("ClusterRole", "bind")
}

test_other_kinds_and_groups_are_not_checked if {
	count(PCR004.deny) == 0 with input as role("RoleBinding", [{"verbs": ["bind"]}])
	doc := object.union(role("ClusterRole", [{"verbs": ["bind"]}]).document, {"apiVersion": "example.com/v1"})
	count(PCR004.deny) == 0 with input as {"document": doc}
}
