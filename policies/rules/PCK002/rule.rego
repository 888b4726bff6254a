# PCK002: a container that is not forced to run as non-root may run as UID 0.
package portcullis.rules.PCK002

import data.portcullis.lib.k8s

# The value of a field, null when absent: Kubernetes treats an explicit null as unset.
field(obj, path) := object.get(obj, path, null)

# The pod spec as messages name it, e.g. `pod spec of Deployment "web"`.
owner := sprintf("pod spec of %s %q", [k8s.kind, object.get(k8s.doc, ["metadata", "name"], "")])

pod_run_as_non_root := field(k8s.pod_spec, ["securityContext", "runAsNonRoot"])

# Containers that leave runAsNonRoot unset inherit the pod-level value.
inheriting contains c.name if {
	some c in k8s.containers
	field(c.container, ["securityContext", "runAsNonRoot"]) == null
}

quoted(names) := concat(", ", [sprintf("%q", [n]) | some n in sort(names)])

not_forced_msg(names) := sprintf("container %s may run as root: neither it nor the pod sets runAsNonRoot to true", [quoted(names)]) if {
	count(names) == 1
}

not_forced_msg(names) := sprintf("containers %s may run as root: neither they nor the pod set runAsNonRoot to true", [quoted(names)]) if {
	count(names) > 1
}

# The pod does not force non-root and at least one container inherits that.
deny contains k8s.finding_with_fix(path, not_forced_msg(inheriting), k8s.set_fix(path, true)) if {
	pod_run_as_non_root != true
	count(inheriting) > 0
	path := array.concat(k8s.pod_spec_path, ["securityContext", "runAsNonRoot"])
}

# A container that overrides runAsNonRoot with anything but true.
deny contains k8s.finding(path, msg) if {
	some c in k8s.containers
	value := field(c.container, ["securityContext", "runAsNonRoot"])
	value != null
	value != true
	path := array.concat(c.path, ["securityContext", "runAsNonRoot"])
	msg := sprintf("container %q sets runAsNonRoot to %s", [c.name, json.marshal(value)])
}

# runAsUser 0 is root, whatever runAsNonRoot says (the kubelet then refuses to start the container).
deny contains k8s.finding(path, sprintf("%s sets runAsUser to 0 (root)", [owner])) if {
	field(k8s.pod_spec, ["securityContext", "runAsUser"]) == 0
	path := array.concat(k8s.pod_spec_path, ["securityContext", "runAsUser"])
}

deny contains k8s.finding(path, msg) if {
	some c in k8s.containers
	field(c.container, ["securityContext", "runAsUser"]) == 0
	path := array.concat(c.path, ["securityContext", "runAsUser"])
	msg := sprintf("container %q sets runAsUser to 0 (root)", [c.name])
}
