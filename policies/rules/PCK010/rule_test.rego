package portcullis.rules.PCK010_test

import data.portcullis.rules.PCK010

pod(spec) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}}

both_defaults := {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}

test_container_without_resources_is_denied_at_the_requests_path if {
	findings := PCK010.deny with input as pod({"containers": [{"name": "a"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "resources", "requests"]
	f.msg == `container "a" has no cpu and memory requests`
	object.get(f, "fix", null) == null
}

test_missing_memory_request_is_denied_at_the_memory_key if {
	findings := PCK010.deny with input as pod({"containers": [{"name": "a", "resources": {"requests": {"cpu": "100m"}}}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "resources", "requests", "memory"]
	f.msg == `container "a" has no memory request`
}

test_missing_cpu_request_is_denied_at_the_cpu_key if {
	some f in PCK010.deny with input as pod({"containers": [{"name": "a", "resources": {"requests": {"memory": "64Mi"}}}]})
	f.path == ["spec", "containers", 0, "resources", "requests", "cpu"]
	f.msg == `container "a" has no cpu request`
}

test_both_requests_are_allowed if {
	count(PCK010.deny) == 0 with input as pod({"containers": [{"name": "a", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]})
}

test_limits_stand_in_for_missing_requests if {
	# Kubernetes copies a limit into the request of the same resource when the request is unset.
	count(PCK010.deny) == 0 with input as pod({"containers": [{"name": "a", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]})
}

test_a_cpu_limit_covers_only_the_cpu_request if {
	some f in PCK010.deny with input as pod({"containers": [{"name": "a", "resources": {"limits": {"cpu": "1"}}}]})
	f.path == ["spec", "containers", 0, "resources", "requests", "memory"]
}

test_null_and_empty_requests_are_missing if {
	some f in PCK010.deny with input as pod({"containers": [{"name": "a", "resources": {"requests": {"cpu": "", "memory": null}}}]})
	f.path == ["spec", "containers", 0, "resources", "requests"]
}

test_init_containers_are_checked_and_ephemeral_containers_are_not if {
	findings := PCK010.deny with input as pod({
		"initContainers": [{"name": "i"}],
		"containers": [{"name": "c", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}],
		"ephemeralContainers": [{"name": "e"}],
	})
	{f.path | some f in findings} == {["spec", "initContainers", 0, "resources", "requests"]}
}

test_pod_level_requests_cover_the_containers if {
	count(PCK010.deny) == 0 with input as pod({"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}, "containers": [{"name": "a"}]})
}

test_pod_level_limits_cover_the_containers if {
	count(PCK010.deny) == 0 with input as pod({"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}, "containers": [{"name": "a"}]})
}

test_fix_sets_both_defaults_when_configured if {
	findings := PCK010.deny with input as pod({"containers": [{"name": "a"}]}) with data.settings.resourceDefaults as both_defaults
	some f in findings
	f.fix == {"op": "set", "path": ["spec", "containers", 0, "resources", "requests"], "value": {"cpu": "100m", "memory": "128Mi"}}
}

test_fix_keeps_other_requests if {
	findings := PCK010.deny with input as pod({"containers": [{"name": "a", "resources": {"requests": {"ephemeral-storage": "1Gi"}}}]}) with data.settings.resourceDefaults as both_defaults
	some f in findings
	f.fix.value == {"cpu": "100m", "memory": "128Mi", "ephemeral-storage": "1Gi"}
}

test_fix_sets_the_single_missing_key if {
	findings := PCK010.deny with input as pod({"containers": [{"name": "a", "resources": {"requests": {"cpu": "1"}}}]}) with data.settings.resourceDefaults as both_defaults
	some f in findings
	f.fix == {"op": "set", "path": ["spec", "containers", 0, "resources", "requests", "memory"], "value": "128Mi"}
}

test_no_fix_when_a_needed_default_is_missing if {
	findings := PCK010.deny with input as pod({"containers": [{"name": "a"}]}) with data.settings.resourceDefaults as {"requests": {"cpu": "100m"}}
	some f in findings
	object.get(f, "fix", null) == null
}

test_limit_defaults_are_not_used_for_requests if {
	findings := PCK010.deny with input as pod({"containers": [{"name": "a"}]}) with data.settings.resourceDefaults as {"limits": {"cpu": "1", "memory": "1Gi"}}
	some f in findings
	object.get(f, "fix", null) == null
}

test_job_and_cronjob_paths if {
	job := {"apiVersion": "batch/v1", "kind": "Job", "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
	some f in PCK010.deny with input as {"document": job}
	f.path == ["spec", "template", "spec", "containers", 0, "resources", "requests"]
	cj := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}}}
	some g in PCK010.deny with input as {"document": cj}
	g.path == ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "resources", "requests"]
}

test_non_workload_is_ignored if {
	count(PCK010.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "ResourceQuota", "spec": {"hard": {}}}}
}
