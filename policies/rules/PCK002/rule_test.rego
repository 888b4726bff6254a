package portcullis.rules.PCK002_test

import data.portcullis.rules.PCK002

pod(spec) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}}

deployment(spec) := {"document": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": spec}}}}

test_pod_without_run_as_non_root_is_denied_at_the_pod_field_with_a_fix if {
	findings := PCK002.deny with input as pod({"containers": [{"name": "a", "image": "a:1"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "securityContext", "runAsNonRoot"]
	f.fix == {"op": "set", "path": ["spec", "securityContext", "runAsNonRoot"], "value": true}
	f.msg == `container "a" may run as root: neither it nor the pod sets runAsNonRoot to true`
}

test_one_finding_names_every_inheriting_container if {
	findings := PCK002.deny with input as deployment({"containers": [{"name": "web"}, {"name": "sidecar"}], "initContainers": [{"name": "init"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "spec", "securityContext", "runAsNonRoot"]
	f.msg == `containers "init", "sidecar", "web" may run as root: neither they nor the pod set runAsNonRoot to true`
}

test_pod_level_true_covers_every_container if {
	count(PCK002.deny) == 0 with input as deployment({
		"securityContext": {"runAsNonRoot": true, "runAsUser": 10001},
		"initContainers": [{"name": "init"}],
		"containers": [{"name": "web"}, {"name": "sidecar", "securityContext": {"runAsUser": 1000}}],
	})
}

test_every_container_true_without_pod_level_is_allowed if {
	count(PCK002.deny) == 0 with input as pod({"containers": [
		{"name": "a", "securityContext": {"runAsNonRoot": true}},
		{"name": "b", "securityContext": {"runAsNonRoot": true}},
	]})
}

test_pod_level_false_overridden_by_every_container_is_allowed if {
	# The effective value of every container is true; the pod-level false reaches no container.
	count(PCK002.deny) == 0 with input as pod({"securityContext": {"runAsNonRoot": false}, "containers": [{"name": "a", "securityContext": {"runAsNonRoot": true}}]})
}

test_only_containers_without_their_own_value_are_named if {
	findings := PCK002.deny with input as pod({"containers": [
		{"name": "a", "securityContext": {"runAsNonRoot": true}},
		{"name": "b"},
	]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "securityContext", "runAsNonRoot"]
	f.msg == `container "b" may run as root: neither it nor the pod sets runAsNonRoot to true`
}

test_pod_level_false_is_denied_at_the_field if {
	findings := PCK002.deny with input as pod({"securityContext": {"runAsNonRoot": false}, "containers": [{"name": "a"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "securityContext", "runAsNonRoot"]
	f.fix.value == true
}

test_container_false_overrides_pod_true_and_is_denied_at_the_field if {
	findings := PCK002.deny with input as pod({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a"}, {"name": "b", "securityContext": {"runAsNonRoot": false}}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 1, "securityContext", "runAsNonRoot"]
	f.msg == `container "b" sets runAsNonRoot to false`
	not f.fix
}

test_container_false_and_pod_unset_gives_both_findings if {
	findings := PCK002.deny with input as pod({"containers": [{"name": "a"}, {"name": "b", "securityContext": {"runAsNonRoot": false}}]})
	paths := {f.path | some f in findings}
	paths == {["spec", "securityContext", "runAsNonRoot"], ["spec", "containers", 1, "securityContext", "runAsNonRoot"]}
}

test_explicit_null_counts_as_unset if {
	findings := PCK002.deny with input as pod({"securityContext": {"runAsNonRoot": null}, "containers": [{"name": "a", "securityContext": {"runAsNonRoot": null}}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "securityContext", "runAsNonRoot"]
}

test_string_true_is_not_true if {
	findings := PCK002.deny with input as pod({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a", "securityContext": {"runAsNonRoot": "true"}}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "runAsNonRoot"]
	f.msg == `container "a" sets runAsNonRoot to "true"`
}

test_pod_run_as_user_zero_is_denied_even_when_run_as_non_root_is_true if {
	findings := PCK002.deny with input as pod({"securityContext": {"runAsNonRoot": true, "runAsUser": 0}, "containers": [{"name": "a"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "securityContext", "runAsUser"]
	f.msg == `pod spec of Pod "p" sets runAsUser to 0 (root)`
	not f.fix
}

test_container_run_as_user_zero_is_denied_at_the_field if {
	findings := PCK002.deny with input as pod({"securityContext": {"runAsNonRoot": true}, "containers": [{"name": "a", "securityContext": {"runAsUser": 0}}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "runAsUser"]
	f.msg == `container "a" sets runAsUser to 0 (root)`
}

test_pod_run_as_user_zero_is_denied_even_if_containers_override_it if {
	findings := PCK002.deny with input as pod({"securityContext": {"runAsNonRoot": true, "runAsUser": 0}, "containers": [{"name": "a", "securityContext": {"runAsUser": 1000}}]})
	{f.path | some f in findings} == {["spec", "securityContext", "runAsUser"]}
}

test_non_zero_run_as_user_is_allowed if {
	count(PCK002.deny) == 0 with input as pod({"securityContext": {"runAsNonRoot": true, "runAsUser": 65534}, "containers": [{"name": "a", "securityContext": {"runAsUser": 1}}]})
}

test_ephemeral_container_run_as_user_zero_in_cronjob_is_denied if {
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {
		"securityContext": {"runAsNonRoot": true},
		"containers": [{"name": "task"}],
		"ephemeralContainers": [{"name": "debug", "securityContext": {"runAsUser": 0}}],
	}}}}}}
	findings := PCK002.deny with input as {"document": doc}
	{f.path | some f in findings} == {["spec", "jobTemplate", "spec", "template", "spec", "ephemeralContainers", 0, "securityContext", "runAsUser"]}
}

test_every_workload_kind_uses_its_pod_spec_path if {
	kinds := {"StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "Rollout"}
	every kind in kinds {
		doc := {"apiVersion": "v1", "kind": kind, "metadata": {"name": "w"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
		some f in PCK002.deny with input as {"document": doc}
		f.path == ["spec", "template", "spec", "securityContext", "runAsNonRoot"]
	}
}

test_cronjob_without_run_as_non_root_is_denied if {
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "task"}]}}}}}}
	some f in PCK002.deny with input as {"document": doc}
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "securityContext", "runAsNonRoot"]
}

test_non_workload_is_ignored if {
	count(PCK002.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"spec": "x"}}}
}

test_pod_spec_without_containers_reports_nothing if {
	count(PCK002.deny) == 0 with input as deployment({"securityContext": {}})
}

test_security_context_of_the_wrong_type_counts_as_unset if {
	findings := PCK002.deny with input as pod({"securityContext": "restricted", "containers": [{"name": "a", "securityContext": "x"}]})
	{f.path | some f in findings} == {["spec", "securityContext", "runAsNonRoot"]}
}
