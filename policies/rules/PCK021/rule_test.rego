package portcullis.rules.PCK021_test

import data.portcullis.rules.PCK021

deployment(pod_spec) := {"document": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": pod_spec}}}}

probe := {"httpGet": {"path": "/healthz", "port": 8080}}

test_missing_probes_are_denied_one_per_probe if {
	findings := PCK021.deny with input as deployment({"containers": [{"name": "web"}]})
	{[f.path, f.msg] | some f in findings} == {
		[["spec", "template", "spec", "containers", 0, "livenessProbe"], "container \"web\" has no livenessProbe"],
		[["spec", "template", "spec", "containers", 0, "readinessProbe"], "container \"web\" has no readinessProbe"],
	}
}

test_only_the_missing_probe_is_reported if {
	findings := PCK021.deny with input as deployment({"containers": [{"name": "a", "livenessProbe": probe}, {"name": "b", "readinessProbe": probe}]})
	{f.path | some f in findings} == {
		["spec", "template", "spec", "containers", 0, "readinessProbe"],
		["spec", "template", "spec", "containers", 1, "livenessProbe"],
	}
}

test_both_probes_are_allowed if {
	count(PCK021.deny) == 0 with input as deployment({"containers": [{"name": "a", "livenessProbe": probe, "readinessProbe": {"tcpSocket": {"port": 8080}}}]})
}

test_startup_probe_does_not_replace_them if {
	count(PCK021.deny) == 2 with input as deployment({"containers": [{"name": "a", "startupProbe": probe}]})
}

test_null_probe_counts_as_missing if {
	count(PCK021.deny) == 1 with input as deployment({"containers": [{"name": "a", "livenessProbe": null, "readinessProbe": probe}]})
}

test_init_and_ephemeral_containers_are_ignored if {
	spec := {"initContainers": [{"name": "i"}], "ephemeralContainers": [{"name": "e"}], "containers": [{"name": "a", "livenessProbe": probe, "readinessProbe": probe}]}
	count(PCK021.deny) == 0 with input as deployment(spec)
}

test_jobs_and_cronjobs_are_ignored if {
	job := {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
	count(PCK021.deny) == 0 with input as {"document": job}
	cj := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}}}
	count(PCK021.deny) == 0 with input as {"document": cj}
}

test_every_long_running_kind_is_checked if {
	kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Rollout"}
	reported := {k |
		some k in kinds
		doc := {"kind": k, "metadata": {"name": "x"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
		count(PCK021.deny) == 2 with input as {"document": doc}
	}
	reported == kinds
}

pod(spec) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}}

test_bare_pod_counts_unless_it_runs_to_completion if {
	paths := {f.path | some f in PCK021.deny} with input as pod({"containers": [{"name": "a"}]})
	paths == {["spec", "containers", 0, "livenessProbe"], ["spec", "containers", 0, "readinessProbe"]}
	count(PCK021.deny) == 2 with input as pod({"restartPolicy": "Always", "containers": [{"name": "a"}]})
	count(PCK021.deny) == 0 with input as pod({"restartPolicy": "Never", "containers": [{"name": "a"}]})
	count(PCK021.deny) == 0 with input as pod({"restartPolicy": "OnFailure", "containers": [{"name": "a"}]})
}

test_non_workloads_are_ignored if {
	count(PCK021.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}}
}

test_pod_template_is_not_held_to_probes if {
	doc := {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"}, "template": {"spec": {"containers": [{"name": "a", "image": "x"}]}}}
	count(PCK021.deny) == 0 with input as {"document": doc}
}
