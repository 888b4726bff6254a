package portcullis.rules.PCK019_test

import data.portcullis.rules.PCK019

svc(annotations, type) := {"document": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "annotations": annotations}, "spec": {"type": type, "ports": [{"port": 443}]}}}

lb(annotations) := svc(annotations, "LoadBalancer")

test_public_load_balancer_is_denied_at_the_annotations if {
	findings := PCK019.deny with input as lb({"team": "web"})
	count(findings) == 1
	some f in findings
	f.path == ["metadata", "annotations"]
	f.msg == "Service \"web\" of type LoadBalancer has no annotation that makes its load balancer internal"
}

test_missing_annotations_still_point_at_the_annotations_path if {
	doc := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}}
	some f in PCK019.deny with input as {"document": doc}
	f.path == ["metadata", "annotations"]
}

test_each_default_internal_annotation_is_accepted if {
	every a in [
		{"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
		{"service.beta.kubernetes.io/aws-load-balancer-internal": "0.0.0.0/0"},
		{"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"},
		{"networking.gke.io/load-balancer-type": "Internal"},
		{"networking.gke.io/load-balancer-type": "internal"},
		{"cloud.google.com/load-balancer-type": "Internal"},
		{"service.beta.kubernetes.io/azure-load-balancer-internal": "true"},
		{"service.beta.kubernetes.io/azure-load-balancer-internal": " TRUE "},
	] {
		count(PCK019.deny) == 0 with input as lb(a)
	}
}

test_annotation_with_the_wrong_value_does_not_count if {
	every a in [
		{"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"},
		{"service.beta.kubernetes.io/azure-load-balancer-internal": "false"},
		{"service.beta.kubernetes.io/aws-load-balancer-internal": "false"},
		{"service.beta.kubernetes.io/aws-load-balancer-internal": ""},
		{"networking.gke.io/load-balancer-type": "External"},
	] {
		count(PCK019.deny) == 1 with input as lb(a)
	}
}

test_unquoted_boolean_value_is_read_as_text if {
	count(PCK019.deny) == 0 with input as lb({"service.beta.kubernetes.io/azure-load-balancer-internal": true})
}

test_configured_annotations_replace_the_defaults if {
	settings := [{"key": "service.beta.kubernetes.io/oci-load-balancer-internal", "value": "true"}, {"key": "metallb.universe.tf/address-pool"}, {"value": "x"}, "junk"]
	count(PCK019.deny) == 0 with input as lb({"service.beta.kubernetes.io/oci-load-balancer-internal": "True"}) with data.settings.internalLoadBalancerAnnotations as settings
	count(PCK019.deny) == 0 with input as lb({"metallb.universe.tf/address-pool": "private"}) with data.settings.internalLoadBalancerAnnotations as settings
	count(PCK019.deny) == 1 with input as lb({"networking.gke.io/load-balancer-type": "Internal"}) with data.settings.internalLoadBalancerAnnotations as settings
}

test_other_service_types_are_ignored if {
	every t in ["ClusterIP", "NodePort", "ExternalName", "loadbalancer"] {
		count(PCK019.deny) == 0 with input as svc({}, t)
	}
	count(PCK019.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {}}}
}

test_knative_service_is_not_a_core_service if {
	doc := {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "LoadBalancer"}}
	count(PCK019.deny) == 0 with input as {"document": doc}
}

test_malformed_annotations_count_as_none if {
	doc := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "annotations": ["networking.gke.io/load-balancer-type"]}, "spec": {"type": "LoadBalancer"}}
	count(PCK019.deny) == 1 with input as {"document": doc}
}
