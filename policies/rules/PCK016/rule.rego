# PCK016: the pod gets a service-account token it may not need (automountServiceAccountToken not false).
package portcullis.rules.PCK016

import data.portcullis.lib.k8s
import data.portcullis.lib.workloads

deny contains k8s.finding_with_fix(path, msg, k8s.set_fix(path, false)) if {
	workloads.has_pod_spec
	not k8s.pod_spec.automountServiceAccountToken == false
	path := array.concat(k8s.pod_spec_path, ["automountServiceAccountToken"])
	msg := sprintf("%s auto-mounts the service-account token", [workloads.pod_owner])
}
