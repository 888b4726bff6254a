package portcullis.rules.PCK020_test

import data.portcullis.rules.PCK020

svc(type) := {"document": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": type, "ports": [{"port": 80, "nodePort": 30080}]}}}

test_node_port_service_is_denied_at_the_type if {
	findings := PCK020.deny with input as svc("NodePort")
	count(findings) == 1
	some f in findings
	f.path == ["spec", "type"]
	f.msg == "Service \"web\" is of type NodePort, which opens its ports on every node"
}

test_other_types_are_allowed if {
	every t in ["ClusterIP", "LoadBalancer", "ExternalName", "nodeport"] {
		count(PCK020.deny) == 0 with input as svc(t)
	}
}

test_service_without_type_is_allowed if {
	# The default type is ClusterIP.
	count(PCK020.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}}
	count(PCK020.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}}}
}

test_non_core_services_are_ignored if {
	doc := {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "NodePort"}}
	count(PCK020.deny) == 0 with input as {"document": doc}
}

test_other_kinds_with_a_node_port_type_are_ignored if {
	doc := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "spec": {"type": "NodePort"}}
	count(PCK020.deny) == 0 with input as {"document": doc}
}
