package portcullis.rules.PCR001_test

import data.portcullis.rules.PCR001

binding(api_version, kind, role_ref) := {"document": {
	"apiVersion": api_version,
	"kind": kind,
	"metadata": {"name": "deployer", "namespace": "ci"},
	"roleRef": role_ref,
	"subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}],
}}

cluster_admin := {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"}

test_cluster_role_binding_to_cluster_admin_is_denied_at_the_role_name if {
	findings := PCR001.deny with input as binding("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", cluster_admin)
	count(findings) == 1
	some f in findings
	f.path == ["roleRef", "name"]
	f.msg == "cluster role binding \"deployer\" grants cluster-admin, full control of the whole cluster"
}

test_role_binding_to_cluster_admin_is_denied if {
	# Bound in a namespace, cluster-admin still controls everything there, RBAC and Secrets included.
	findings := PCR001.deny with input as binding("rbac.authorization.k8s.io/v1", "RoleBinding", cluster_admin)
	count(findings) == 1
	some f in findings
	f.path == ["roleRef", "name"]
	f.msg == "role binding \"deployer\" grants cluster-admin, full control of everything in its namespace"
}

test_older_rbac_versions_are_checked if {
	count(PCR001.deny) == 1 with input as binding("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding", cluster_admin)
}

test_bindings_to_other_roles_are_allowed if {
	every name in ["admin", "edit", "view", "Cluster-Admin", "cluster-admin-readonly"] {
		count(PCR001.deny) == 0 with input as binding("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", object.union(cluster_admin, {"name": name}))
	}
}

test_namespaced_role_named_cluster_admin_is_allowed if {
	count(PCR001.deny) == 0 with input as binding("rbac.authorization.k8s.io/v1", "RoleBinding", object.union(cluster_admin, {"kind": "Role"}))
}

test_binding_without_role_ref_is_ignored if {
	doc := {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "x"}}
	count(PCR001.deny) == 0 with input as {"document": doc}
}

test_other_groups_and_kinds_are_not_checked if {
	count(PCR001.deny) == 0 with input as binding("example.com/v1", "ClusterRoleBinding", cluster_admin)
	count(PCR001.deny) == 0 with input as binding("rbac.authorization.k8s.io/v1", "ClusterRole", cluster_admin)
}
