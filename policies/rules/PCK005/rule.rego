# PCK005: a hostPath volume exposes the node's filesystem to the pod.
package portcullis.rules.PCK005

import data.portcullis.lib.k8s

deny contains k8s.finding(path, msg) if {
	some i, volume in object.get(k8s.pod_spec, "volumes", [])
	host_path := object.get(volume, "hostPath", null)
	host_path != null
	path := array.concat(k8s.pod_spec_path, ["volumes", i, "hostPath"])
	msg := message(object.get(volume, "name", ""), host_path)
}

# The host directory or file a hostPath volume names, when it names one.
host_directory(host_path) := host_path.path if {
	is_object(host_path)
	is_string(host_path.path)
}

message(name, host_path) := sprintf("volume %q mounts the host path %q", [name, host_directory(host_path)])

message(name, host_path) := sprintf("volume %q is a hostPath volume", [name]) if not host_directory(host_path)
