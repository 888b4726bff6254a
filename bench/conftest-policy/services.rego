package main

import future.keywords.in

internal_lb_annotations := {
	"service.beta.kubernetes.io/aws-load-balancer-internal",
	"networking.gke.io/load-balancer-type",
	"service.beta.kubernetes.io/azure-load-balancer-internal",
}

warn[msg] {
	input.kind == "Service"
	input.spec.type == "LoadBalancer"
	annotations := object.get(input.metadata, "annotations", {})
	count({k | annotations[k]; k in internal_lb_annotations}) == 0
	msg := sprintf("Service %s is exposed through a public load balancer", [input.metadata.name])
}

deny[msg] {
	input.kind == "Service"
	input.spec.type == "NodePort"
	msg := sprintf("Service %s must not open a node port", [input.metadata.name])
}

violation[{"msg": msg, "details": {"namespace": ns}}] {
	ns := input.metadata.namespace
	ns in {"default", "kube-public"}
	msg := sprintf("%s/%s must not live in the %s namespace", [input.kind, input.metadata.name, ns])
}
