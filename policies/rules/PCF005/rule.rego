# PCF005: a source whose artifacts are not signature-verified deploys whatever the registry or Git host serves.
package portcullis.rules.PCF005

import data.portcullis.lib.flux
import data.portcullis.lib.k8s

deny contains k8s.finding(["spec", "verify"], msg) if {
	flux.is_source("OCIRepository")
	not is_object(object.get(flux.spec, "verify", null))
	msg := sprintf("source %q pulls OCI artifacts without verifying their signatures (no spec.verify)", [flux.name])
}

deny contains k8s.finding_with_severity(["spec", "verify"], msg, "notice") if {
	flux.is_source("GitRepository")
	not is_object(object.get(flux.spec, "verify", null))
	msg := sprintf("source %q does not verify commit or tag signatures (no spec.verify)", [flux.name])
}
