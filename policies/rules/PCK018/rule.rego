# PCK018: a namespaced object is deployed into a forbidden namespace (forbiddenNamespaces).
package portcullis.rules.PCK018

import data.portcullis.lib.k8s
import data.portcullis.lib.workloads

forbidden_namespaces := object.get(data.settings, "forbiddenNamespaces", ["default", "kube-public"])

# Kinds that live outside any namespace (the API server ignores metadata.namespace on them).
cluster_scoped_kinds := {
	# core and built-in APIs
	"Namespace", "Node", "PersistentVolume", "ComponentStatus",
	"ClusterRole", "ClusterRoleBinding",
	"CustomResourceDefinition", "APIService",
	"StorageClass", "CSIDriver", "CSINode", "VolumeAttachment",
	"PriorityClass", "RuntimeClass", "IngressClass",
	"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
	"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
	"MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
	"CertificateSigningRequest", "ClusterTrustBundle",
	"FlowSchema", "PriorityLevelConfiguration",
	"PodSecurityPolicy", "IPAddress", "ServiceCIDR", "DeviceClass", "ResourceSlice",
	"SelfSubjectReview", "SelfSubjectAccessReview", "SelfSubjectRulesReview",
	"SubjectAccessReview", "TokenReview",
	# common ecosystem CRDs
	"ClusterIssuer", # cert-manager
	"ClusterPolicy", "ClusterCleanupPolicy", "ClusterPolicyReport", # Kyverno, policy reports
	"ConstraintTemplate", # Gatekeeper (its constraints are matched by API group below)
	"ClusterSecretStore", "ClusterExternalSecret", # External Secrets Operator
	"ClusterImagePolicy", # Sigstore policy-controller
}

cluster_scoped_groups := {"constraints.gatekeeper.sh"}

cluster_scoped if k8s.kind in cluster_scoped_kinds

cluster_scoped if {
	api_version := k8s.doc.apiVersion
	is_string(api_version)
	split(api_version, "/")[0] in cluster_scoped_groups
}

# (cluster_scoped is asked last: it builds the set of kinds, for each document, which few need.)
deny contains k8s.finding(["metadata", "namespace"], msg) if {
	is_string(k8s.kind)
	namespace := k8s.doc.metadata.namespace
	is_string(namespace)
	namespace in forbidden_namespaces
	not cluster_scoped
	msg := sprintf("%s %q is deployed into the forbidden namespace %q", [k8s.kind, workloads.name, namespace])
}
