# PCK006: capabilities beyond NET_BIND_SERVICE, and containers that keep the runtime's default set.
package portcullis.rules.PCK006

import data.portcullis.lib.k8s

# Kubernetes rejects capabilities on a pod with spec.os.name: windows, and the Pod Security
# Standards apply the drop-ALL requirement to Linux pods only.
windows if k8s.pod_spec.os.name == "windows"

# A capability name as the runtimes read it: upper case, with or without the CAP_ prefix.
normalized(name) := trim_prefix(upper(name), "CAP_")

capabilities_path(c) := array.concat(c.path, ["securityContext", "capabilities"])

# Adding any capability but NET_BIND_SERVICE (including ALL) is an error.
deny contains k8s.finding_with_severity(path, msg, "error") if {
	some c in k8s.containers
	some i, name in object.get(c.container, ["securityContext", "capabilities", "add"], [])
	is_string(name)
	normalized(name) != "NET_BIND_SERVICE"
	path := array.concat(capabilities_path(c), ["add", i])
	msg := sprintf("container %q adds capability %q", [c.name, name])
}

# ALL in drop, in any case (containerd and CRI-O compare it case-insensitively). CAP_ALL is not
# the ALL keyword: the runtimes would look for a capability of that name and drop nothing.
drops_all(container) if {
	some name in object.get(container, ["securityContext", "capabilities", "drop"], [])
	is_string(name)
	upper(name) == "ALL"
}

drop_fix(drop_path, drop) := {"op": "append", "path": drop_path, "value": "ALL"} if is_array(drop)

drop_fix(drop_path, drop) := k8s.set_fix(drop_path, ["ALL"]) if not is_array(drop)

# Not dropping ALL leaves the runtime's default capabilities (CHOWN, SETUID, NET_RAW, ...) in place.
deny contains f if {
	not windows
	some c in k8s.containers
	not drops_all(c.container)
	path := array.concat(capabilities_path(c), ["drop"])
	msg := sprintf("container %q does not drop all capabilities", [c.name])
	fix := drop_fix(path, object.get(c.container, ["securityContext", "capabilities", "drop"], null))
	f := object.union(k8s.finding_with_severity(path, msg, "warning"), {"fix": fix})
}
