# PCK004: a pod that shares the node's network, PID or IPC namespace can see and reach the host.
package portcullis.rules.PCK004

import data.portcullis.lib.k8s

# The pod spec as messages name it, e.g. `pod spec of Deployment "web"`.
owner := sprintf("pod spec of %s %q", [k8s.kind, object.get(k8s.doc, ["metadata", "name"], "")])

namespaces := {
	"hostNetwork": "network",
	"hostPID": "process ID",
	"hostIPC": "IPC",
}

deny contains k8s.finding_with_fix(path, msg, k8s.set_fix(path, false)) if {
	some field, namespace in namespaces
	k8s.pod_spec[field] == true
	path := array.concat(k8s.pod_spec_path, [field])
	msg := sprintf("%s shares the host %s namespace (%s: true)", [owner, namespace, field])
}
