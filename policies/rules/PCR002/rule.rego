# PCR002: a wildcard verb or resource grants everything, including what is added to the API later.
package portcullis.rules.PCR002

import data.portcullis.lib.k8s

nouns := {"Role": "role", "ClusterRole": "cluster role"}

grants := {"verbs": "every verb", "resources": "every resource"}

deny contains k8s.finding(["rules", i, field, j], msg) if {
	is_string(k8s.doc.apiVersion)
	startswith(k8s.doc.apiVersion, "rbac.authorization.k8s.io/")
	noun := nouns[k8s.kind]
	is_array(k8s.doc.rules)
	some i, rule in k8s.doc.rules
	is_object(rule)
	some field, what in grants
	is_array(rule[field])
	some j, item in rule[field]
	item == "*"
	name := object.get(k8s.doc, ["metadata", "name"], "")
	msg := sprintf("%s %q rule %d grants %s (\"*\" in %s)", [noun, name, i, what, field])
}
