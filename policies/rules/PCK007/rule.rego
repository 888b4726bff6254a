# PCK007: a writable root filesystem lets a compromised process change the container's binaries.
package portcullis.rules.PCK007

import data.portcullis.lib.k8s

# Kubernetes rejects readOnlyRootFilesystem on a pod with spec.os.name: windows (Windows
# containers need a writable root), so such pods are not asked for it.
windows if k8s.pod_spec.os.name == "windows"

message(name, null) := sprintf("container %q does not set readOnlyRootFilesystem to true", [name])

message(name, value) := sprintf("container %q sets readOnlyRootFilesystem to %s", [name, json.marshal(value)]) if value != null

deny contains k8s.finding_with_fix(path, message(c.name, value), k8s.set_fix(path, true)) if {
	not windows
	some c in k8s.containers
	value := object.get(c.container, ["securityContext", "readOnlyRootFilesystem"], null)
	value != true
	path := array.concat(c.path, ["securityContext", "readOnlyRootFilesystem"])
}
