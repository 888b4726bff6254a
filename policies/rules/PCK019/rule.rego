# PCK019: a LoadBalancer Service without an annotation that keeps its load balancer internal.
package portcullis.rules.PCK019

import data.portcullis.lib.k8s
import data.portcullis.lib.workloads

internal_annotations := object.get(data.settings, "internalLoadBalancerAnnotations", [])

annotations := a if {
	a := k8s.doc.metadata.annotations
	is_object(a)
} else := {}

deny contains k8s.finding(["metadata", "annotations"], msg) if {
	k8s.doc.apiVersion == "v1"
	k8s.kind == "Service"
	k8s.doc.spec.type == "LoadBalancer"
	not is_internal
	msg := sprintf("Service %q of type LoadBalancer has no annotation that makes its load balancer internal", [workloads.name])
}

is_internal if {
	some entry in internal_annotations
	is_object(entry)
	is_string(entry.key)
	value := annotations[entry.key]
	value_matches(object.get(entry, "value", null), normalise(value))
}

# Without a configured value any value counts except an empty one or "false", which no provider
# reads as "internal"; with one, the annotation must carry it (case-insensitive).
value_matches(null, value) if not value in {"", "false"}

value_matches(expected, value) if {
	expected != null
	normalise(expected) == value
}

# YAML turns an unquoted `true` into a boolean; Kubernetes refuses it, but the intent is clear.
normalise(v) := lower(trim_space(v)) if is_string(v)

normalise(v) := lower(json.marshal(v)) if {
	not is_string(v)
	v != null
}

normalise(null) := ""
