package portcullis.rules.PCK008_test

import data.portcullis.rules.PCK008

pod(spec) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}}

profile(type) := {"seccompProfile": {"type": type}}

test_no_profile_is_a_warning_at_the_pod_profile_with_a_fix if {
	findings := PCK008.deny with input as pod({"containers": [{"name": "a"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "securityContext", "seccompProfile"]
	f.severity == "warning"
	f.msg == `container "a" has no seccomp profile: neither it nor the pod sets RuntimeDefault or Localhost`
	f.fix == {"op": "set", "path": ["spec", "securityContext", "seccompProfile"], "value": {"type": "RuntimeDefault"}}
}

test_one_warning_names_every_unprofiled_container if {
	findings := PCK008.deny with input as pod({
		"initContainers": [{"name": "init"}],
		"containers": [{"name": "web", "securityContext": profile("RuntimeDefault")}, {"name": "sidecar"}],
	})
	count(findings) == 1
	some f in findings
	f.msg == `containers "init", "sidecar" have no seccomp profile: neither they nor the pod set RuntimeDefault or Localhost`
}

test_pod_level_runtime_default_covers_every_container if {
	count(PCK008.deny) == 0 with input as pod({"securityContext": profile("RuntimeDefault"), "initContainers": [{"name": "i"}], "containers": [{"name": "a"}]})
}

test_pod_level_localhost_is_allowed if {
	count(PCK008.deny) == 0 with input as pod({"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/app.json"}}, "containers": [{"name": "a"}]})
}

test_every_container_with_its_own_profile_is_allowed if {
	count(PCK008.deny) == 0 with input as pod({"containers": [
		{"name": "a", "securityContext": profile("RuntimeDefault")},
		{"name": "b", "securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "b.json"}}},
	]})
}

test_pod_unconfined_is_an_error_at_the_type if {
	findings := PCK008.deny with input as pod({"securityContext": profile("Unconfined"), "containers": [{"name": "a"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "securityContext", "seccompProfile", "type"]
	f.severity == "error"
	f.msg == `pod spec of Pod "p" sets seccomp profile Unconfined`
	object.get(f, "fix", null) == null
}

test_pod_unconfined_is_an_error_even_if_containers_override_it if {
	findings := PCK008.deny with input as pod({"securityContext": profile("Unconfined"), "containers": [{"name": "a", "securityContext": profile("RuntimeDefault")}]})
	{f.path | some f in findings} == {["spec", "securityContext", "seccompProfile", "type"]}
}

test_container_unconfined_is_an_error_at_the_type if {
	findings := PCK008.deny with input as pod({"securityContext": profile("RuntimeDefault"), "containers": [{"name": "a"}, {"name": "b", "securityContext": profile("Unconfined")}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 1, "securityContext", "seccompProfile", "type"]
	f.severity == "error"
	f.msg == `container "b" sets seccomp profile Unconfined`
}

test_container_unconfined_and_another_without_profile if {
	findings := PCK008.deny with input as pod({"containers": [{"name": "a"}, {"name": "b", "securityContext": profile("Unconfined")}]})
	{[f.severity, f.path] | some f in findings} == {
		["warning", ["spec", "securityContext", "seccompProfile"]],
		["error", ["spec", "containers", 1, "securityContext", "seccompProfile", "type"]],
	}
	some w in findings
	w.severity == "warning"
	w.msg == `container "a" has no seccomp profile: neither it nor the pod sets RuntimeDefault or Localhost`
}

test_profile_without_type_counts_as_missing if {
	findings := PCK008.deny with input as pod({"securityContext": {"seccompProfile": {}}, "containers": [{"name": "a", "securityContext": {"seccompProfile": {"type": null}}}]})
	some f in findings
	f.severity == "warning"
}

test_legacy_annotation_is_not_a_profile if {
	# The seccomp.security.alpha.kubernetes.io annotations have had no effect since Kubernetes 1.27.
	doc := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {
		"metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}},
		"spec": {"containers": [{"name": "a"}]},
	}}}
	some f in PCK008.deny with input as {"document": doc}
	f.path == ["spec", "template", "spec", "securityContext", "seccompProfile"]
}

test_windows_pod_needs_no_profile if {
	count(PCK008.deny) == 0 with input as pod({"os": {"name": "windows"}, "containers": [{"name": "a"}]})
}

test_cronjob_and_rollout_paths if {
	cj := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "t"}]}}}}}}
	some f in PCK008.deny with input as {"document": cj}
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "securityContext", "seccompProfile"]
	ro := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"template": {"spec": {"containers": [{"name": "t"}]}}}}
	some g in PCK008.deny with input as {"document": ro}
	g.path == ["spec", "template", "spec", "securityContext", "seccompProfile"]
}

test_pod_spec_without_containers_reports_nothing if {
	count(PCK008.deny) == 0 with input as pod({})
}

test_non_workload_is_ignored if {
	count(PCK008.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}}
}
