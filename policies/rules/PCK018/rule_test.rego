package portcullis.rules.PCK018_test

import data.portcullis.rules.PCK018

obj(api_version, kind, namespace) := {"document": {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": namespace}}}

test_workload_in_default_is_denied_at_the_namespace if {
	findings := PCK018.deny with input as obj("apps/v1", "Deployment", "default")
	count(findings) == 1
	some f in findings
	f.path == ["metadata", "namespace"]
	f.msg == "Deployment \"x\" is deployed into the forbidden namespace \"default\""
}

test_every_namespaced_kind_is_checked if {
	kinds := [
		["v1", "ConfigMap"], ["v1", "Secret"], ["v1", "Service"], ["networking.k8s.io/v1", "Ingress"],
		["rbac.authorization.k8s.io/v1", "RoleBinding"], ["kustomize.toolkit.fluxcd.io/v1", "Kustomization"],
		["helm.toolkit.fluxcd.io/v2", "HelmRelease"], ["argoproj.io/v1alpha1", "Application"],
		["example.com/v1", "Widget"],
	]
	every k in kinds {
		count(PCK018.deny) == 1 with input as obj(k[0], k[1], "kube-public")
	}
}

test_other_namespaces_are_allowed if {
	count(PCK018.deny) == 0 with input as obj("apps/v1", "Deployment", "shop")
	count(PCK018.deny) == 0 with input as obj("apps/v1", "Deployment", "default-shop")
}

test_missing_namespace_is_not_a_finding if {
	# The GitOps controller (Flux targetNamespace, Argo CD destination) chooses the namespace.
	count(PCK018.deny) == 0 with input as {"document": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}}}
	count(PCK018.deny) == 0 with input as {"document": {"apiVersion": "apps/v1", "kind": "Deployment"}}
}

test_cluster_scoped_kinds_are_ignored if {
	every k in [
		["v1", "Namespace"], ["rbac.authorization.k8s.io/v1", "ClusterRole"],
		["rbac.authorization.k8s.io/v1", "ClusterRoleBinding"], ["apiextensions.k8s.io/v1", "CustomResourceDefinition"],
		["v1", "PersistentVolume"], ["storage.k8s.io/v1", "StorageClass"], ["scheduling.k8s.io/v1", "PriorityClass"],
		["admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration"], ["apiregistration.k8s.io/v1", "APIService"],
		["cert-manager.io/v1", "ClusterIssuer"], ["constraints.gatekeeper.sh/v1beta1", "K8sRequiredLabels"],
	] {
		count(PCK018.deny) == 0 with input as obj(k[0], k[1], "default")
	}
}

test_namespace_object_named_default_is_ignored if {
	count(PCK018.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}}
}

test_forbidden_namespaces_come_from_settings if {
	count(PCK018.deny) == 1 with input as obj("v1", "ConfigMap", "kube-system") with data.settings.forbiddenNamespaces as ["kube-system"]
	count(PCK018.deny) == 0 with input as obj("v1", "ConfigMap", "default") with data.settings.forbiddenNamespaces as []
}

test_non_string_namespace_and_kind_are_ignored if {
	count(PCK018.deny) == 0 with input as obj("v1", "ConfigMap", ["default"])
	count(PCK018.deny) == 0 with input as {"document": {"metadata": {"name": "x", "namespace": "default"}}}
}
