# PCR001: a binding to cluster-admin hands its subjects every permission there is.
package portcullis.rules.PCR001

import data.portcullis.lib.k8s

nouns := {"RoleBinding": "role binding", "ClusterRoleBinding": "cluster role binding"}

scopes := {"RoleBinding": "everything in its namespace", "ClusterRoleBinding": "the whole cluster"}

deny contains k8s.finding(["roleRef", "name"], msg) if {
	is_string(k8s.doc.apiVersion)
	startswith(k8s.doc.apiVersion, "rbac.authorization.k8s.io/")
	noun := nouns[k8s.kind]
	k8s.doc.roleRef.kind == "ClusterRole"
	k8s.doc.roleRef.name == "cluster-admin"
	name := object.get(k8s.doc, ["metadata", "name"], "")
	msg := sprintf("%s %q grants cluster-admin, full control of %s", [noun, name, scopes[k8s.kind]])
}
