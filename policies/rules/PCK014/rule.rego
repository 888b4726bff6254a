# PCK014: a container port published on the node with `hostPort`.
package portcullis.rules.PCK014

import data.portcullis.lib.k8s

deny contains k8s.finding(path, msg) if {
	some c in k8s.containers
	ports := object.get(c.container, "ports", [])
	is_array(ports)
	some i, port in ports
	host_port := port.hostPort
	is_number(host_port)
	host_port != 0
	path := array.concat(c.path, ["ports", i, "hostPort"])
	msg := sprintf("container %q publishes host port %d on the node", [c.name, host_port])
}
