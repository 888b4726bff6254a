# Shared helpers for the built-in rules: where the pod spec and containers of a workload live.
package portcullis.lib.k8s

# The document under evaluation; `input.file.partial` is true for kustomize patches.
doc := input.document

kind := doc.kind

workload_kinds := {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "Rollout", "PodTemplate"}

container_kinds := ["containers", "initContainers", "ephemeralContainers"]

is_workload if workload_kinds[kind]

# The JSON path of the pod spec inside the document.
pod_spec_path := ["spec"] if kind == "Pod"

pod_spec_path := ["spec", "jobTemplate", "spec", "template", "spec"] if kind == "CronJob"

# A PodTemplate (core/v1) holds its pod template at the top level: `template.spec`.
pod_spec_path := ["template", "spec"] if kind == "PodTemplate"

pod_spec_path := ["spec", "template", "spec"] if {
	is_workload
	not kind in {"Pod", "CronJob", "PodTemplate"}
}

# The path of the pod template's metadata (the Pod's own metadata for a bare Pod).
pod_metadata_path := array.concat(array.slice(pod_spec_path, 0, count(pod_spec_path) - 1), ["metadata"])

pod_spec := object.get(doc, pod_spec_path, {})

# Every container of the pod spec with its path and its list name.
containers contains {"name": object.get(c, "name", ""), "container": c, "path": array.concat(pod_spec_path, [list, i]), "list": list} if {
	some list in container_kinds
	some i, c in object.get(pod_spec, list, [])
	is_object(c)
}

# Long-running containers (probes make no sense for init or ephemeral containers).
app_containers contains c if {
	some c in containers
	c.list == "containers"
}

# A finding as the engine expects it: a message and the JSON path it is about.
finding(path, msg) := {"msg": msg, "path": path}

# A finding that also carries a fix for the engine to apply.
finding_with_fix(path, msg, fix) := {"msg": msg, "path": path, "fix": fix}

# A finding whose severity differs from the rule's default.
finding_with_severity(path, msg, severity) := {"msg": msg, "path": path, "severity": severity}

set_fix(path, value) := {"op": "set", "path": path, "value": value}
