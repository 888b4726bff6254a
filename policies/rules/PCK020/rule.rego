# PCK020: a NodePort Service opens its port on every node of the cluster.
package portcullis.rules.PCK020

import data.portcullis.lib.k8s
import data.portcullis.lib.workloads

deny contains k8s.finding(["spec", "type"], msg) if {
	k8s.doc.apiVersion == "v1"
	k8s.kind == "Service"
	k8s.doc.spec.type == "NodePort"
	msg := sprintf("Service %q is of type NodePort, which opens its ports on every node", [workloads.name])
}
