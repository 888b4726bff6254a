package portcullis.rules.PCK007_test

import data.portcullis.rules.PCK007

pod(spec) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}}

test_missing_field_is_reported_where_it_belongs_with_a_fix if {
	findings := PCK007.deny with input as pod({"containers": [{"name": "a"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"]
	f.msg == `container "a" does not set readOnlyRootFilesystem to true`
	f.fix == {"op": "set", "path": f.path, "value": true}
}

test_false_is_reported_at_the_field if {
	findings := PCK007.deny with input as pod({"containers": [{"name": "a", "securityContext": {"readOnlyRootFilesystem": false}}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"]
	f.msg == `container "a" sets readOnlyRootFilesystem to false`
}

test_true_is_allowed if {
	count(PCK007.deny) == 0 with input as pod({"containers": [{"name": "a", "securityContext": {"readOnlyRootFilesystem": true}}]})
}

test_string_true_is_not_true if {
	some f in PCK007.deny with input as pod({"containers": [{"name": "a", "securityContext": {"readOnlyRootFilesystem": "true"}}]})
	f.msg == `container "a" sets readOnlyRootFilesystem to "true"`
}

test_null_is_treated_as_missing if {
	some f in PCK007.deny with input as pod({"containers": [{"name": "a", "securityContext": {"readOnlyRootFilesystem": null}}]})
	f.msg == `container "a" does not set readOnlyRootFilesystem to true`
}

test_every_container_list_is_checked if {
	findings := PCK007.deny with input as pod({
		"initContainers": [{"name": "i"}],
		"containers": [{"name": "c", "securityContext": {"readOnlyRootFilesystem": true}}, {"name": "d"}],
		"ephemeralContainers": [{"name": "e"}],
	})
	{f.path | some f in findings} == {
		["spec", "initContainers", 0, "securityContext", "readOnlyRootFilesystem"],
		["spec", "containers", 1, "securityContext", "readOnlyRootFilesystem"],
		["spec", "ephemeralContainers", 0, "securityContext", "readOnlyRootFilesystem"],
	}
}

test_windows_pod_is_exempt if {
	count(PCK007.deny) == 0 with input as pod({"os": {"name": "windows"}, "containers": [{"name": "a"}]})
}

test_statefulset_and_cronjob_paths if {
	sts := {"apiVersion": "apps/v1", "kind": "StatefulSet", "spec": {"template": {"spec": {"containers": [{"name": "db"}]}}}}
	some f in PCK007.deny with input as {"document": sts}
	f.path == ["spec", "template", "spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"]
	cj := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "t"}]}}}}}}
	some g in PCK007.deny with input as {"document": cj}
	g.path == ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"]
}

test_non_workload_is_ignored if {
	count(PCK007.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "ConfigMap", "data": {}}}
}
