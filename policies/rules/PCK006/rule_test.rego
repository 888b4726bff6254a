package portcullis.rules.PCK006_test

import data.portcullis.rules.PCK006

pod(containers) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": containers}}}

caps(add, drop) := {"name": "a", "securityContext": {"capabilities": {"add": add, "drop": drop}}}

test_added_capability_is_an_error_at_the_list_item if {
	findings := PCK006.deny with input as pod([caps(["NET_BIND_SERVICE", "SYS_ADMIN"], ["ALL"])])
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "capabilities", "add", 1]
	f.severity == "error"
	f.msg == `container "a" adds capability "SYS_ADMIN"`
	object.get(f, "fix", null) == null
}

test_each_added_capability_is_a_finding if {
	findings := PCK006.deny with input as pod([caps(["NET_ADMIN", "SYS_TIME", "ALL"], ["ALL"])])
	{f.path[6] | some f in findings} == {0, 1, 2}
	every f in findings {
		f.severity == "error"
	}
}

test_net_bind_service_is_allowed_in_any_spelling if {
	count(PCK006.deny) == 0 with input as pod([caps(["NET_BIND_SERVICE", "net_bind_service", "CAP_NET_BIND_SERVICE", "cap_net_bind_service"], ["ALL"])])
}

test_cap_prefix_and_lower_case_are_still_errors if {
	findings := PCK006.deny with input as pod([caps(["cap_sys_admin", "net_raw"], ["ALL"])])
	{f.msg | some f in findings} == {`container "a" adds capability "cap_sys_admin"`, `container "a" adds capability "net_raw"`}
}

test_missing_drop_is_a_warning_with_a_set_fix if {
	findings := PCK006.deny with input as pod([{"name": "a"}])
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "capabilities", "drop"]
	f.severity == "warning"
	f.msg == `container "a" does not drop all capabilities`
	f.fix == {"op": "set", "path": f.path, "value": ["ALL"]}
}

test_drop_without_all_is_a_warning_with_an_append_fix if {
	findings := PCK006.deny with input as pod([{"name": "a", "securityContext": {"capabilities": {"drop": ["NET_RAW"]}}}])
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "capabilities", "drop"]
	f.severity == "warning"
	f.fix == {"op": "append", "path": f.path, "value": "ALL"}
}

test_null_drop_gets_a_set_fix if {
	some f in PCK006.deny with input as pod([{"name": "a", "securityContext": {"capabilities": {"drop": null}}}])
	f.fix == {"op": "set", "path": ["spec", "containers", 0, "securityContext", "capabilities", "drop"], "value": ["ALL"]}
}

test_drop_all_in_lower_case_is_accepted if {
	count(PCK006.deny) == 0 with input as pod([caps([], ["all"])])
}

test_drop_cap_all_is_not_the_all_keyword if {
	some f in PCK006.deny with input as pod([caps([], ["CAP_ALL"])])
	f.severity == "warning"
}

test_add_and_missing_drop_give_an_error_and_a_warning if {
	findings := PCK006.deny with input as pod([{"name": "a", "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]}}}])
	{f.severity | some f in findings} == {"error", "warning"}
	count(findings) == 2
}

test_every_container_list_is_checked if {
	doc := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {
		"initContainers": [{"name": "i", "securityContext": {"capabilities": {"drop": ["ALL"], "add": ["CHOWN"]}}}],
		"containers": [{"name": "c", "securityContext": {"capabilities": {"drop": ["ALL"]}}}],
		"ephemeralContainers": [{"name": "e"}],
	}}}}
	findings := PCK006.deny with input as {"document": doc}
	{f.path | some f in findings} == {
		["spec", "template", "spec", "initContainers", 0, "securityContext", "capabilities", "add", 0],
		["spec", "template", "spec", "ephemeralContainers", 0, "securityContext", "capabilities", "drop"],
	}
}

test_windows_pod_needs_no_drop if {
	doc := {"apiVersion": "v1", "kind": "Pod", "spec": {"os": {"name": "windows"}, "containers": [{"name": "a"}]}}
	count(PCK006.deny) == 0 with input as {"document": doc}
}

test_non_string_entries_are_ignored if {
	findings := PCK006.deny with input as pod([caps([7], ["ALL"])])
	count(findings) == 0
}

test_capabilities_of_the_wrong_type_are_treated_as_missing if {
	findings := PCK006.deny with input as pod([{"name": "a", "securityContext": {"capabilities": "none"}}])
	count(findings) == 1
	some f in findings
	f.fix.op == "set"
}

test_cronjob_path if {
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "t"}]}}}}}}
	some f in PCK006.deny with input as {"document": doc}
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "securityContext", "capabilities", "drop"]
}
