package portcullis.rules.PCK003_test

import data.portcullis.rules.PCK003

pod(spec) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}}

test_missing_field_is_denied_at_the_path_where_it_belongs_with_a_fix if {
	findings := PCK003.deny with input as pod({"containers": [{"name": "a"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "allowPrivilegeEscalation"]
	f.msg == `container "a" does not set allowPrivilegeEscalation to false`
	f.fix == {"op": "set", "path": f.path, "value": false}
}

test_true_is_denied_at_the_field if {
	findings := PCK003.deny with input as pod({"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": true}}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "allowPrivilegeEscalation"]
	f.msg == `container "a" sets allowPrivilegeEscalation to true`
	f.fix.value == false
}

test_false_is_allowed if {
	count(PCK003.deny) == 0 with input as pod({"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": false}}]})
}

test_explicit_null_is_treated_as_missing if {
	findings := PCK003.deny with input as pod({"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": null}}]})
	some f in findings
	f.msg == `container "a" does not set allowPrivilegeEscalation to false`
}

test_string_false_is_not_false if {
	findings := PCK003.deny with input as pod({"containers": [{"name": "a", "securityContext": {"allowPrivilegeEscalation": "false"}}]})
	some f in findings
	f.msg == `container "a" sets allowPrivilegeEscalation to "false"`
}

test_every_container_list_is_checked if {
	findings := PCK003.deny with input as pod({
		"initContainers": [{"name": "i"}],
		"containers": [{"name": "c", "securityContext": {"allowPrivilegeEscalation": false}}, {"name": "d"}],
		"ephemeralContainers": [{"name": "e"}],
	})
	{f.path | some f in findings} == {
		["spec", "initContainers", 0, "securityContext", "allowPrivilegeEscalation"],
		["spec", "containers", 1, "securityContext", "allowPrivilegeEscalation"],
		["spec", "ephemeralContainers", 0, "securityContext", "allowPrivilegeEscalation"],
	}
}

test_pod_level_security_context_does_not_count if {
	# allowPrivilegeEscalation exists only on the container securityContext.
	count(PCK003.deny) == 1 with input as pod({"securityContext": {"allowPrivilegeEscalation": false}, "containers": [{"name": "a"}]})
}

test_privileged_container_gets_no_fix if {
	findings := PCK003.deny with input as pod({"containers": [{"name": "a", "securityContext": {"privileged": true}}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "allowPrivilegeEscalation"]
	not f.fix
}

test_container_adding_cap_sys_admin_gets_no_fix if {
	findings := PCK003.deny with input as pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["CAP_SYS_ADMIN"]}}}]})
	count(findings) == 1
	some f in findings
	not f.fix
}

test_container_adding_sys_admin_without_prefix_keeps_the_fix if {
	# The API server only refuses the literal CAP_SYS_ADMIN together with allowPrivilegeEscalation: false.
	some f in PCK003.deny with input as pod({"containers": [{"name": "a", "securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}]})
	f.fix.value == false
}

test_windows_pod_is_exempt if {
	count(PCK003.deny) == 0 with input as pod({"os": {"name": "windows"}, "containers": [{"name": "a"}]})
}

test_linux_pod_with_os_field_is_checked if {
	count(PCK003.deny) == 1 with input as pod({"os": {"name": "linux"}, "containers": [{"name": "a"}]})
}

test_deployment_and_cronjob_paths if {
	dep := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
	some f in PCK003.deny with input as {"document": dep}
	f.path == ["spec", "template", "spec", "containers", 0, "securityContext", "allowPrivilegeEscalation"]
	cj := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}}}
	some g in PCK003.deny with input as {"document": cj}
	g.path == ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "securityContext", "allowPrivilegeEscalation"]
}

test_rollout_is_checked if {
	doc := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
	count(PCK003.deny) == 1 with input as {"document": doc}
}

test_non_workload_is_ignored if {
	count(PCK003.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "Service", "spec": {"containers": [{"name": "a"}]}}}
}
