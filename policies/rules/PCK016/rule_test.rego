package portcullis.rules.PCK016_test

import data.portcullis.rules.PCK016

deployment(pod_spec) := {"document": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": {"spec": pod_spec}}}}

test_missing_field_is_denied_where_it_belongs_with_a_fix if {
	findings := PCK016.deny with input as deployment({"containers": [{"name": "a"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "spec", "automountServiceAccountToken"]
	f.msg == "pod template of Deployment \"web\" auto-mounts the service-account token"
	f.fix == {"op": "set", "path": ["spec", "template", "spec", "automountServiceAccountToken"], "value": false}
}

test_explicit_true_is_denied if {
	some f in PCK016.deny with input as deployment({"automountServiceAccountToken": true, "containers": [{"name": "a"}]})
	f.path == ["spec", "template", "spec", "automountServiceAccountToken"]
}

test_string_false_is_not_false if {
	# The API server refuses a string here, so it is not the boolean the rule asks for.
	count(PCK016.deny) == 1 with input as deployment({"automountServiceAccountToken": "false", "containers": [{"name": "a"}]})
}

test_false_is_allowed if {
	count(PCK016.deny) == 0 with input as deployment({"automountServiceAccountToken": false, "containers": [{"name": "a"}]})
}

test_applying_the_fix_silences_the_rule if {
	some f in PCK016.deny with input as deployment({"containers": [{"name": "a"}]})
	f.fix.value == false
	count(PCK016.deny) == 0 with input as deployment({"automountServiceAccountToken": f.fix.value, "containers": [{"name": "a"}]})
}

test_bare_pod_path_and_message if {
	doc := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "a"}]}}
	some f in PCK016.deny with input as {"document": doc}
	f.path == ["spec", "automountServiceAccountToken"]
	f.msg == "pod \"p\" auto-mounts the service-account token"
}

test_cronjob_path if {
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}}}
	some f in PCK016.deny with input as {"document": doc}
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "automountServiceAccountToken"]
}

test_every_workload_kind_is_checked if {
	kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "Rollout"}
	reported := {k |
		some k in kinds
		doc := {"kind": k, "metadata": {"name": "x"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
		count(PCK016.deny) == 1 with input as {"document": doc}
	}
	reported == kinds
}

test_service_account_with_automount_false_does_not_silence_the_workload if {
	sa := {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web"}, "automountServiceAccountToken": false}
	count(PCK016.deny) == 0 with input as {"document": sa}
	count(PCK016.deny) == 1 with input as deployment({"serviceAccountName": "web", "containers": [{"name": "a"}]})
}

test_workload_without_a_pod_spec_is_ignored if {
	# An Argo Rollout that points at a Deployment through workloadRef has no pod template of its own.
	rollout := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"}, "spec": {"workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}}
	count(PCK016.deny) == 0 with input as {"document": rollout}
}

test_non_workloads_are_ignored if {
	count(PCK016.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}}
}
