# PCK008: a container without a seccomp profile can make every system call of the kernel.
package portcullis.rules.PCK008

import data.portcullis.lib.k8s

# Kubernetes rejects seccompProfile on a pod with spec.os.name: windows, and the Pod Security
# Standards apply the seccomp control to Linux pods only.
windows if k8s.pod_spec.os.name == "windows"

# The pod spec as messages name it, e.g. `pod spec of Deployment "web"`.
owner := sprintf("pod spec of %s %q", [k8s.kind, object.get(k8s.doc, ["metadata", "name"], "")])

# The profile type set at a level, null when unset (an explicit null is unset too).
profile_type(obj) := object.get(obj, ["securityContext", "seccompProfile", "type"], null)

pod_profile_path := array.concat(k8s.pod_spec_path, ["securityContext", "seccompProfile"])

# Unconfined switches seccomp off, at the pod level for every container that does not override it.
deny contains k8s.finding_with_severity(path, sprintf("%s sets seccomp profile Unconfined", [owner]), "error") if {
	profile_type(k8s.pod_spec) == "Unconfined"
	path := array.concat(pod_profile_path, ["type"])
}

deny contains k8s.finding_with_severity(path, msg, "error") if {
	some c in k8s.containers
	profile_type(c.container) == "Unconfined"
	path := array.concat(c.path, ["securityContext", "seccompProfile", "type"])
	msg := sprintf("container %q sets seccomp profile Unconfined", [c.name])
}

# Containers with no profile at all: none of their own and none at the pod level. A container
# whose own or inherited type is Unconfined is reported above; any other value than
# RuntimeDefault, Localhost or Unconfined is refused by the API server.
unprofiled contains c.name if {
	profile_type(k8s.pod_spec) == null
	some c in k8s.containers
	profile_type(c.container) == null
}

quoted(names) := concat(", ", [sprintf("%q", [n]) | some n in sort(names)])

missing_msg(names) := sprintf("container %s has no seccomp profile: neither it nor the pod sets RuntimeDefault or Localhost", [quoted(names)]) if {
	count(names) == 1
}

missing_msg(names) := sprintf("containers %s have no seccomp profile: neither they nor the pod set RuntimeDefault or Localhost", [quoted(names)]) if {
	count(names) > 1
}

deny contains object.union(k8s.finding_with_severity(pod_profile_path, missing_msg(unprofiled), "warning"), {"fix": fix}) if {
	not windows
	count(unprofiled) > 0
	fix := k8s.set_fix(pod_profile_path, {"type": "RuntimeDefault"})
}
