package portcullis.rules.PCK001_test

import data.portcullis.rules.PCK001

pod(containers) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": containers}}}

test_privileged_container_is_denied_at_the_field if {
	findings := PCK001.deny with input as pod([{"name": "a", "securityContext": {"privileged": true}}])
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "privileged"]
	f.fix == {"op": "set", "path": f.path, "value": false}
}

test_unprivileged_container_is_allowed if {
	count(PCK001.deny) == 0 with input as pod([{"name": "a", "securityContext": {"privileged": false}}, {"name": "b"}])
}

test_privileged_init_container_in_cronjob_is_denied if {
	doc := {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"initContainers": [{"name": "i", "securityContext": {"privileged": true}}]}}}}}}
	some f in PCK001.deny with input as {"document": doc}
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "securityContext", "privileged"]
}

test_string_true_is_not_privileged if {
	# Kubernetes rejects a string here; the API server would refuse the object, not run it privileged.
	count(PCK001.deny) == 0 with input as pod([{"name": "a", "securityContext": {"privileged": "true"}}])
}

test_privileged_container_in_pod_template_is_denied if {
	# core/v1 PodTemplate keeps its pod template at the top level, not under spec.
	doc := {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"}, "template": {"spec": {"containers": [{"name": "a", "securityContext": {"privileged": true}}]}}}
	findings := PCK001.deny with input as {"document": doc}
	count(findings) == 1
	some f in findings
	f.path == ["template", "spec", "containers", 0, "securityContext", "privileged"]
}
