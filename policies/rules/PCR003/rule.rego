# PCR003: reading Secrets exposes every credential and service-account token they hold.
package portcullis.rules.PCR003

import data.portcullis.lib.k8s

nouns := {"Role": "role", "ClusterRole": "cluster role"}

read_verbs := {"get", "list", "watch", "*"}

deny contains k8s.finding(["rules", i, "resources"], msg) if {
	is_string(k8s.doc.apiVersion)
	startswith(k8s.doc.apiVersion, "rbac.authorization.k8s.io/")
	noun := nouns[k8s.kind]
	is_array(k8s.doc.rules)
	some i, rule in k8s.doc.rules
	is_object(rule)
	some group in list(rule, "apiGroups")
	group in {"", "*"}
	some resource in list(rule, "resources")
	resource in {"secrets", "*"}
	not limited_to_names(rule)
	verbs := sort({v | some v in list(rule, "verbs"); v in read_verbs})
	count(verbs) > 0
	name := object.get(k8s.doc, ["metadata", "name"], "")
	msg := sprintf("%s %q rule %d can read %s (%s)", [noun, name, i, target(rule), concat(", ", verbs)])
}

list(rule, field) := object.get(rule, field, []) if is_array(object.get(rule, field, []))

list(rule, field) := [] if not is_array(object.get(rule, field, []))

# `resourceNames` confines the rule to the named secrets; a list or watch without a name does not match it.
limited_to_names(rule) if count(list(rule, "resourceNames")) > 0

target(rule) := "secrets" if "secrets" in list(rule, "resources")

target(rule) := "every resource, secrets included" if not "secrets" in list(rule, "resources")
