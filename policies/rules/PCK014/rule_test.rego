package portcullis.rules.PCK014_test

import data.portcullis.rules.PCK014

pod(containers) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": containers}}}

test_host_port_is_denied_at_the_field if {
	findings := PCK014.deny with input as pod([{"name": "web", "ports": [{"containerPort": 8080}, {"containerPort": 8443, "hostPort": 443}]}])
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "ports", 1, "hostPort"]
	f.msg == "container \"web\" publishes host port 443 on the node"
	object.keys(f) == {"msg", "path"}
}

test_container_port_only_is_allowed if {
	count(PCK014.deny) == 0 with input as pod([{"name": "web", "ports": [{"containerPort": 8080, "protocol": "TCP", "name": "http"}]}])
}

test_host_port_zero_means_unset if {
	count(PCK014.deny) == 0 with input as pod([{"name": "web", "ports": [{"containerPort": 8080, "hostPort": 0}]}])
}

test_container_without_ports_is_allowed if {
	count(PCK014.deny) == 0 with input as pod([{"name": "web"}, {"name": "x", "ports": null}])
}

test_non_numeric_host_port_is_left_to_the_api_server if {
	# The API server refuses a string here; the object would never run.
	count(PCK014.deny) == 0 with input as pod([{"name": "web", "ports": [{"containerPort": 80, "hostPort": "80"}]}])
}

test_every_port_of_every_container_list_is_reported if {
	spec := {
		"initContainers": [{"name": "i", "ports": [{"containerPort": 53, "hostPort": 53, "protocol": "UDP"}]}],
		"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 80}, {"containerPort": 443, "hostPort": 443}]}],
	}
	doc := {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds"}, "spec": {"template": {"spec": spec}}}
	paths := {f.path | some f in PCK014.deny} with input as {"document": doc}
	paths == {
		["spec", "template", "spec", "initContainers", 0, "ports", 0, "hostPort"],
		["spec", "template", "spec", "containers", 0, "ports", 0, "hostPort"],
		["spec", "template", "spec", "containers", 0, "ports", 1, "hostPort"],
	}
}

test_cronjob_and_rollout_paths if {
	ports := [{"containerPort": 9000, "hostPort": 9000}]
	cj := {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "t", "ports": ports}]}}}}}}
	some f in PCK014.deny with input as {"document": cj}
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "ports", 0, "hostPort"]
	ro := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"template": {"spec": {"containers": [{"name": "r", "ports": ports}]}}}}
	some g in PCK014.deny with input as {"document": ro}
	g.path == ["spec", "template", "spec", "containers", 0, "ports", 0, "hostPort"]
}

test_non_workloads_are_ignored if {
	svc := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "hostPort": 80}]}}
	count(PCK014.deny) == 0 with input as {"document": svc}
}

test_ports_that_are_not_a_list_are_left_to_the_api_server if {
	count(PCK014.deny) == 0 with input as pod([{"name": "web", "ports": {"http": {"containerPort": 80, "hostPort": 80}}}])
}
