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
	not all_references(field, values)
	msg := sprintf("Secret %q holds plaintext %s that is not encrypted with SOPS", [workloads.name, field])
}

# SOPS adds a top-level `sops` map (mac, lastmodified, version, key groups) to what it encrypts.
sops_encrypted if is_object(k8s.doc.sops)

# Every value names where a secret manager keeps the secret, none holds it: 1Password (`op://`),
# Bank-Vaults (`vault:`), vals (`ref+<scheme>://`), argocd-vault-plugin (`<path:...#key>`, or
# `<key>` with the avp.kubernetes.io/path annotation). A value must be one reference as a whole:
# text around a reference may hold a secret, so it is still plaintext.
all_references(field, values) if {
	every v in values {
		reference(field, v)
	}
}

reference("stringData", v) if whole_reference(v)

reference("data", v) if {
	is_string(v)
	base64.is_valid(v)
	whole_reference(base64.decode(v))
}

whole_reference(v) if {
	is_string(v)
	regex.match(`^(op://[^\s]+|vault:[^\s]+|ref\+[a-z0-9]+://[^\s]+|<path:[^<>\s]+>)$`, trim_space(v))
}

whole_reference(v) if {
	is_string(v)
	is_string(k8s.doc.metadata.annotations["avp.kubernetes.io/path"])
	regex.match(`^<[A-Za-z0-9_.-]+>$`, trim_space(v))
}
