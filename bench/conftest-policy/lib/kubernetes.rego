# Helpers shared by the benchmark's conftest-style policies: which objects run pods, and where their
# containers are.
package lib.kubernetes

import future.keywords.if
import future.keywords.in

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

long_running_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

is_workload if input.kind in workload_kinds

is_workload if input.kind in {"CronJob", "Pod"}

pod_spec = input.spec.template.spec if input.kind in workload_kinds

pod_spec = input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"

pod_spec = input.spec if input.kind == "Pod"

containers[c] {
	c := pod_spec.containers[_]
}

containers[c] {
	c := pod_spec.initContainers[_]
}

display := sprintf("%s/%s", [input.kind, input.metadata.name])

# The tag of an image reference; "latest" when it has neither a tag nor a digest.
image_tag(image) = tag if {
	not contains(image, "@")
	parts := split(image, "/")
	segments := split(parts[count(parts) - 1], ":")
	count(segments) == 2
	tag := segments[1]
}

image_tag(image) = "latest" if {
	not contains(image, "@")
	parts := split(image, "/")
	not contains(parts[count(parts) - 1], ":")
}
