package portcullis.rules.PCR003_test

import data.portcullis.rules.PCR003

role(kind, rules) := {"document": {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": kind,
	"metadata": {"name": "reader", "namespace": "ops"},
	"rules": rules,
}}

test_reading_secrets_is_a_finding_at_the_resources_list if {
	findings := PCR003.deny with input as role("ClusterRole", [{"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": ["watch", "get", "list"]}])
	count(findings) == 1
	some f in findings
	f.path == ["rules", 0, "resources"]
	f.msg == "cluster role \"reader\" rule 0 can read secrets (get, list, watch)"
}

test_each_read_verb_alone_is_enough if {
	every verb in ["get", "list", "watch", "*"] {
		count(PCR003.deny) == 1 with input as role("Role", [{"apiGroups": [""], "resources": ["secrets"], "verbs": [verb]}])
	}
}

test_wildcard_resource_and_group_include_secrets if {
	findings := PCR003.deny with input as role("Role", [{"apiGroups": ["apps"], "resources": ["*"], "verbs": ["get"]}, {"apiGroups": ["*"], "resources": ["*"], "verbs": ["list"]}])
	count(findings) == 1
	some f in findings
	f.path == ["rules", 1, "resources"]
	f.msg == "role \"reader\" rule 1 can read every resource, secrets included (list)"
}

test_writing_secrets_without_reading_is_allowed if {
	count(PCR003.deny) == 0 with input as role("Role", [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "update", "patch", "delete"]}])
}

test_rule_limited_to_named_secrets_is_allowed if {
	count(PCR003.deny) == 0 with input as role("Role", [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["tls-cert"], "verbs": ["get", "watch"]}])
	count(PCR003.deny) == 1 with input as role("Role", [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": [], "verbs": ["get"]}])
}

test_secrets_of_another_api_group_are_not_core_secrets if {
	count(PCR003.deny) == 0 with input as role("ClusterRole", [{"apiGroups": ["secrets-store.csi.x-k8s.io"], "resources": ["secrets"], "verbs": ["get"]}])
	count(PCR003.deny) == 0 with input as role("ClusterRole", [{"resources": ["secrets"], "verbs": ["get"]}])
}

test_secret_subresources_and_other_resources_are_allowed if {
	count(PCR003.deny) == 0 with input as role("ClusterRole", [{"apiGroups": [""], "resources": ["secrets/status", "configmaps"], "verbs": ["get"]}])
}

test_malformed_rules_are_ignored if {
	count(PCR003.deny) == 0 with input as role("ClusterRole", {"resources": ["secrets"]})
	count(PCR003.deny) == 0 with input as role("ClusterRole", [{"apiGroups": "", "resources": "secrets", "verbs": "get"}])
}

test_other_kinds_are_not_checked if {
	count(PCR003.deny) == 0 with input as role("RoleBinding", [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}])
}

test_repeated_verbs_are_named_once if {
	some f in PCR003.deny with input as role("Role", [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "get", "list"]}])
	f.msg == "role \"reader\" rule 0 can read secrets (get, list)"
}

test_rule_matching_several_ways_is_reported_once if {
	findings := PCR003.deny with input as role("ClusterRole", [{"apiGroups": ["", "*"], "resources": ["secrets", "*"], "verbs": ["*", "get"]}])
	count(findings) == 1
}
