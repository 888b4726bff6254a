# PCF002: a Flux source that fetches over plain HTTP can be tampered with in transit.
package portcullis.rules.PCF002

import data.portcullis.lib.flux
import data.portcullis.lib.k8s

# Where each source kind keeps the address it fetches from.
address_field := {
	"GitRepository": "url",
	"HelmRepository": "url",
	"OCIRepository": "url",
	"Bucket": "endpoint",
}

deny contains k8s.finding(["spec", field], msg) if {
	flux.is_remote_source
	field := address_field[k8s.kind]
	address := flux.spec[field]
	is_string(address)
	startswith(lower(trim_space(address)), "http://")
	msg := sprintf("source %q fetches from %q over plain HTTP, without TLS", [flux.name, address])
}

deny contains k8s.finding(["spec", "insecure"], msg) if {
	honours_insecure
	flux.spec.insecure == true
	msg := sprintf("source %q sets spec.insecure: true, allowing plain HTTP without TLS", [flux.name])
}

honours_insecure if flux.is_source("OCIRepository")

honours_insecure if flux.is_source("Bucket")

# A HelmRepository reads `insecure` only for OCI registries; an HTTP(S) index is judged by its URL.
honours_insecure if {
	flux.is_source("HelmRepository")
	flux.spec.type == "oci"
}
