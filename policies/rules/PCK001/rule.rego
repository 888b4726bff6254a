# PCK001: a privileged container has every capability of the host.
package portcullis.rules.PCK001

import data.portcullis.lib.k8s

deny contains k8s.finding_with_fix(path, msg, k8s.set_fix(path, false)) if {
	some c in k8s.containers
	c.container.securityContext.privileged == true
	path := array.concat(c.path, ["securityContext", "privileged"])
	msg := sprintf("container %q is privileged", [c.name])
}
