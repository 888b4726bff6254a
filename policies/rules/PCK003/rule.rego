# PCK003: without allowPrivilegeEscalation: false a process can gain more privileges than its parent.
package portcullis.rules.PCK003

import data.portcullis.lib.k8s

# Kubernetes rejects allowPrivilegeEscalation on a pod with spec.os.name: windows, and the Pod
# Security Standards apply this control to Linux pods only.
windows if k8s.pod_spec.os.name == "windows"

# The API server refuses allowPrivilegeEscalation: false together with privileged: true or an
# added CAP_SYS_ADMIN: the fix would produce an object that cannot be applied, so it is withheld.
fix_rejected(container) if container.securityContext.privileged == true

fix_rejected(container) if "CAP_SYS_ADMIN" in object.get(container, ["securityContext", "capabilities", "add"], [])

message(name, null) := sprintf("container %q does not set allowPrivilegeEscalation to false", [name])

message(name, value) := sprintf("container %q sets allowPrivilegeEscalation to %s", [name, json.marshal(value)]) if value != null

deny contains f if {
	not windows
	some c in k8s.containers
	value := object.get(c.container, ["securityContext", "allowPrivilegeEscalation"], null)
	value != false
	path := array.concat(c.path, ["securityContext", "allowPrivilegeEscalation"])
	f := with_fix(k8s.finding(path, message(c.name, value)), c.container, path)
}

with_fix(f, container, _) := f if fix_rejected(container)

with_fix(f, container, path) := object.union(f, {"fix": k8s.set_fix(path, false)}) if not fix_rejected(container)
