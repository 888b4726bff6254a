package main

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// kindInfo is what the repository's CustomResourceDefinitions say about a kind.
type kindInfo struct {
	Group      string `json:"group"`
	Kind       string `json:"kind"`
	Plural     string `json:"plural"`
	Namespaced bool   `json:"namespaced"`
}

// resourceOf is where a kind is served: its resource (plural) and whether it is namespaced.
type resourceOf struct {
	Resource   string
	Namespaced bool
	// Known: a built-in kind or one the repository defines; else the plural is guessed as
	// kubectl does for an unknown kind and the scope taken from the object itself.
	Known bool
}

// clusterScoped lists the built-in kinds that are not namespaced (Kubernetes 1.37).
var clusterScoped = map[string]bool{
	"/Namespace": true, "/Node": true, "/PersistentVolume": true, "/ComponentStatus": true,
	"rbac.authorization.k8s.io/ClusterRole": true, "rbac.authorization.k8s.io/ClusterRoleBinding": true,
	"storage.k8s.io/StorageClass": true, "storage.k8s.io/CSIDriver": true, "storage.k8s.io/CSINode": true,
	"storage.k8s.io/VolumeAttachment": true, "storage.k8s.io/VolumeAttributesClass": true,
	"scheduling.k8s.io/PriorityClass": true, "node.k8s.io/RuntimeClass": true,
	"networking.k8s.io/IngressClass": true, "networking.k8s.io/IPAddress": true,
	"networking.k8s.io/ServiceCIDR": true, "certificates.k8s.io/CertificateSigningRequest": true,
	"certificates.k8s.io/ClusterTrustBundle":                        true,
	"admissionregistration.k8s.io/ValidatingWebhookConfiguration":   true,
	"admissionregistration.k8s.io/MutatingWebhookConfiguration":     true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicy":        true,
	"admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding": true,
	"admissionregistration.k8s.io/MutatingAdmissionPolicy":          true,
	"admissionregistration.k8s.io/MutatingAdmissionPolicyBinding":   true,
	"apiextensions.k8s.io/CustomResourceDefinition":                 true,
	"apiregistration.k8s.io/APIService":                             true,
	"flowcontrol.apiserver.k8s.io/FlowSchema":                       true,
	"flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration":       true,
	"resource.k8s.io/DeviceClass":                                   true,
	"resource.k8s.io/ResourceSlice":                                 true,
}

// irregular plurals among the built-in kinds (the rest follow kubectl's guess).
var irregular = map[string]string{"Endpoints": "endpoints"}

type kindTable struct {
	crds map[string]kindInfo
}

func newKindTable(crds []kindInfo) *kindTable {
	t := &kindTable{crds: map[string]kindInfo{}}
	for _, c := range crds {
		t.crds[c.Group+"/"+c.Kind] = c
	}
	return t
}

func builtIn(gvk schema.GroupVersionKind) bool {
	if gvk.Group == "apiextensions.k8s.io" || gvk.Group == "apiregistration.k8s.io" {
		return true
	}
	return scheme.Scheme.Recognizes(gvk)
}

// lookup tells where `gvk` is served; `hasNamespace` is whether the object names a namespace.
func (t *kindTable) lookup(gvk schema.GroupVersionKind, hasNamespace bool) resourceOf {
	key := gvk.Group + "/" + gvk.Kind
	if c, ok := t.crds[key]; ok {
		return resourceOf{Resource: c.Plural, Namespaced: c.Namespaced, Known: true}
	}
	plural := irregular[gvk.Kind]
	if plural == "" {
		guessed, _ := meta.UnsafeGuessKindToResource(gvk)
		plural = guessed.Resource
	}
	if builtIn(gvk) {
		return resourceOf{Resource: plural, Namespaced: !clusterScoped[key], Known: true}
	}
	return resourceOf{Resource: strings.ToLower(plural), Namespaced: hasNamespace}
}
