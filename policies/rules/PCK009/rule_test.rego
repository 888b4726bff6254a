package portcullis.rules.PCK009_test

import data.portcullis.rules.PCK009

pod(spec) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}}

both_defaults := {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}

test_container_without_resources_is_denied_at_the_limits_path if {
	findings := PCK009.deny with input as pod({"containers": [{"name": "a"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "resources", "limits"]
	f.msg == `container "a" has no cpu and memory limits`
	object.get(f, "fix", null) == null
}

test_missing_memory_limit_is_denied_at_the_memory_key if {
	findings := PCK009.deny with input as pod({"containers": [{"name": "a", "resources": {"limits": {"cpu": "1"}}}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "resources", "limits", "memory"]
	f.msg == `container "a" has no memory limit`
}

test_missing_cpu_limit_is_denied_at_the_cpu_key if {
	some f in PCK009.deny with input as pod({"containers": [{"name": "a", "resources": {"limits": {"memory": "1Gi"}, "requests": {"cpu": "1"}}}]})
	f.path == ["spec", "containers", 0, "resources", "limits", "cpu"]
	f.msg == `container "a" has no cpu limit`
}

test_both_limits_are_allowed if {
	count(PCK009.deny) == 0 with input as pod({"containers": [{"name": "a", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]})
}

test_numeric_limits_are_allowed if {
	count(PCK009.deny) == 0 with input as pod({"containers": [{"name": "a", "resources": {"limits": {"cpu": 2, "memory": 1073741824}}}]})
}

test_null_and_empty_limits_are_missing if {
	some f in PCK009.deny with input as pod({"containers": [{"name": "a", "resources": {"limits": {"cpu": null, "memory": ""}}}]})
	f.path == ["spec", "containers", 0, "resources", "limits"]
}

test_init_containers_are_checked_and_ephemeral_containers_are_not if {
	findings := PCK009.deny with input as pod({
		"initContainers": [{"name": "i"}],
		"containers": [{"name": "c", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}],
		"ephemeralContainers": [{"name": "e"}],
	})
	{f.path | some f in findings} == {["spec", "initContainers", 0, "resources", "limits"]}
}

test_pod_level_limits_cover_the_containers if {
	count(PCK009.deny) == 0 with input as pod({"resources": {"limits": {"cpu": "2", "memory": "2Gi"}}, "containers": [{"name": "a"}, {"name": "b"}]})
}

test_pod_level_cpu_limit_leaves_memory_missing if {
	some f in PCK009.deny with input as pod({"resources": {"limits": {"cpu": "2"}}, "containers": [{"name": "a"}]})
	f.path == ["spec", "containers", 0, "resources", "limits", "memory"]
}

test_fix_sets_both_defaults_when_configured if {
	findings := PCK009.deny with input as pod({"containers": [{"name": "a"}]}) with data.settings.resourceDefaults as both_defaults
	some f in findings
	f.fix == {"op": "set", "path": ["spec", "containers", 0, "resources", "limits"], "value": {"cpu": "500m", "memory": "256Mi"}}
}

test_fix_keeps_other_limits if {
	findings := PCK009.deny with input as pod({"containers": [{"name": "a", "resources": {"limits": {"nvidia.com/gpu": 1}}}]}) with data.settings.resourceDefaults as both_defaults
	some f in findings
	f.path == ["spec", "containers", 0, "resources", "limits"]
	f.fix.value == {"cpu": "500m", "memory": "256Mi", "nvidia.com/gpu": 1}
}

test_fix_sets_the_single_missing_key if {
	findings := PCK009.deny with input as pod({"containers": [{"name": "a", "resources": {"limits": {"cpu": "1"}}}]}) with data.settings.resourceDefaults as both_defaults
	some f in findings
	f.fix == {"op": "set", "path": ["spec", "containers", 0, "resources", "limits", "memory"], "value": "256Mi"}
}

test_no_fix_when_a_needed_default_is_missing if {
	findings := PCK009.deny with input as pod({"containers": [{"name": "a"}]}) with data.settings.resourceDefaults as {"limits": {"memory": "256Mi"}}
	some f in findings
	object.get(f, "fix", null) == null
}

test_partial_defaults_fix_the_key_they_have if {
	findings := PCK009.deny with input as pod({"containers": [{"name": "a", "resources": {"limits": {"cpu": "1"}}}]}) with data.settings.resourceDefaults as {"limits": {"memory": "256Mi"}}
	some f in findings
	f.fix.value == "256Mi"
}

test_request_defaults_are_not_used_for_limits if {
	findings := PCK009.deny with input as pod({"containers": [{"name": "a"}]}) with data.settings.resourceDefaults as {"requests": {"cpu": "1", "memory": "1Gi"}}
	some f in findings
	object.get(f, "fix", null) == null
}

test_deployment_and_cronjob_paths if {
	dep := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
	some f in PCK009.deny with input as {"document": dep}
	f.path == ["spec", "template", "spec", "containers", 0, "resources", "limits"]
	cj := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}}}
	some g in PCK009.deny with input as {"document": cj}
	g.path == ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "resources", "limits"]
}

test_non_workload_is_ignored if {
	count(PCK009.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "LimitRange", "spec": {"limits": []}}}
}

test_no_fix_when_the_default_limit_is_below_the_request if {
	# A limit below the request is refused by the API server.
	doc := pod({"containers": [{"name": "a", "resources": {"requests": {"memory": "2Gi"}, "limits": {"cpu": "1"}}}]})
	findings := PCK009.deny with input as doc with data.settings.resourceDefaults as both_defaults
	some f in findings
	f.path == ["spec", "containers", 0, "resources", "limits", "memory"]
	object.get(f, "fix", null) == null
}

test_no_fix_for_two_keys_when_one_default_is_below_the_request if {
	doc := pod({"containers": [{"name": "a", "resources": {"requests": {"cpu": "2", "memory": "64Mi"}}}]})
	findings := PCK009.deny with input as doc with data.settings.resourceDefaults as both_defaults
	some f in findings
	object.get(f, "fix", null) == null
}

test_fix_when_the_default_limit_is_at_least_the_request if {
	doc := pod({"containers": [{"name": "a", "resources": {"requests": {"cpu": 0.5, "memory": "268435456"}}}]})
	findings := PCK009.deny with input as doc with data.settings.resourceDefaults as both_defaults
	some f in findings
	f.fix.value == {"cpu": "500m", "memory": "256Mi"}
}

test_quantities_are_read_with_their_suffixes if {
	PCK009.quantity("500m") == 500
	PCK009.quantity("0.5") == 500
	PCK009.quantity(0.5) == 500
	PCK009.quantity("1.5") == 1500
	PCK009.quantity("256Mi") == 268435456000
	PCK009.quantity("2G") == 2000000000000
	PCK009.quantity(3) == 3000
	not PCK009.quantity("1e3")
	not PCK009.quantity("lots")
}
