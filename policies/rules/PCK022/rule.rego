# PCK022: a Secret committed in plaintext (data or stringData without SOPS metadata).
package portcullis.rules.PCK022

import data.portcullis.lib.k8s
import data.portcullis.lib.workloads

deny contains k8s.finding([field], msg) if {
	k8s.doc.apiVersion == "v1"
	k8s.kind == "Secret"
	not sops_encrypted
	some field in ["data", "stringData"]
	values := k8s.doc[field]
	is_object(values)
	count(values) > 0
	msg := sprintf("Secret %q holds plaintext %s that is not encrypted with SOPS", [workloads.name, field])
}

# SOPS adds a top-level `sops` map (mac, lastmodified, version, key groups) to what it encrypts.
sops_encrypted if is_object(k8s.doc.sops)
