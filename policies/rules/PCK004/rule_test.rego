package portcullis.rules.PCK004_test

import data.portcullis.rules.PCK004

pod(spec) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}}

test_host_network_is_denied_at_the_field_with_a_fix if {
	findings := PCK004.deny with input as pod({"hostNetwork": true, "containers": [{"name": "a"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "hostNetwork"]
	f.msg == `pod spec of Pod "p" shares the host network namespace (hostNetwork: true)`
	f.fix == {"op": "set", "path": ["spec", "hostNetwork"], "value": false}
}

test_each_host_namespace_is_a_separate_finding if {
	doc := {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"hostNetwork": true, "hostPID": true, "hostIPC": true, "containers": [{"name": "a"}]}}}}
	findings := PCK004.deny with input as {"document": doc}
	{f.path | some f in findings} == {
		["spec", "template", "spec", "hostNetwork"],
		["spec", "template", "spec", "hostPID"],
		["spec", "template", "spec", "hostIPC"],
	}
	{f.msg | some f in findings} == {
		`pod spec of DaemonSet "d" shares the host network namespace (hostNetwork: true)`,
		`pod spec of DaemonSet "d" shares the host process ID namespace (hostPID: true)`,
		`pod spec of DaemonSet "d" shares the host IPC namespace (hostIPC: true)`,
	}
}

test_false_and_missing_are_allowed if {
	count(PCK004.deny) == 0 with input as pod({"hostNetwork": false, "hostPID": false, "containers": [{"name": "a"}]})
}

test_string_true_is_not_true if {
	# The API server refuses a string for a boolean field, so such a pod never runs.
	count(PCK004.deny) == 0 with input as pod({"hostNetwork": "true", "containers": [{"name": "a"}]})
}

test_cronjob_host_pid_is_denied if {
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"hostPID": true}}}}}}
	some f in PCK004.deny with input as {"document": doc}
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "hostPID"]
}

test_share_process_namespace_is_not_a_host_namespace if {
	count(PCK004.deny) == 0 with input as pod({"shareProcessNamespace": true, "hostUsers": true, "containers": [{"name": "a"}]})
}

test_container_level_fields_are_ignored if {
	count(PCK004.deny) == 0 with input as pod({"containers": [{"name": "a", "hostNetwork": true}]})
}

test_non_workload_is_ignored if {
	count(PCK004.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "Service", "spec": {"hostNetwork": true}}}
}

test_message_names_an_unnamed_workload_by_kind if {
	doc := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"hostIPC": true}}}}
	some f in PCK004.deny with input as {"document": doc}
	f.msg == `pod spec of Deployment "" shares the host IPC namespace (hostIPC: true)`
}
