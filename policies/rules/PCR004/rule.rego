# PCR004: escalate, bind and impersonate let a subject step past the permissions it was given.
package portcullis.rules.PCR004

import data.portcullis.lib.k8s

nouns := {"Role": "role", "ClusterRole": "cluster role"}

# A `*` verb includes these too; PCR002 reports it.
effects := {
	"escalate": "create or widen roles beyond its own permissions",
	"bind": "bind roles whose permissions it does not hold",
	"impersonate": "act as other users, groups or service accounts",
}

deny contains k8s.finding(["rules", i, "verbs", j], msg) if {
	is_string(k8s.doc.apiVersion)
	startswith(k8s.doc.apiVersion, "rbac.authorization.k8s.io/")
	noun := nouns[k8s.kind]
	is_array(k8s.doc.rules)
	some i, rule in k8s.doc.rules
	is_object(rule)
	is_array(rule.verbs)
	some j, verb in rule.verbs
	effect := effects[verb]
	name := object.get(k8s.doc, ["metadata", "name"], "")
	msg := sprintf("%s %q rule %d grants %q, which lets its holder %s", [noun, name, i, verb, effect])
}
