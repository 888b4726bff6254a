# Flux CD helpers: which toolkit object the document is, its spec, and the words messages use for it.
package portcullis.lib.flux

import data.portcullis.lib.k8s

kustomize_group := "kustomize.toolkit.fluxcd.io"

helm_group := "helm.toolkit.fluxcd.io"

source_group := "source.toolkit.fluxcd.io"

image_group := "image.toolkit.fluxcd.io"

# The API group without its version: rules match on group and kind so that every served version
# (v1, v1beta2, v1beta1, v2, v2beta2, v2beta1, ...) is covered, and kustomize's own
# `kustomize.config.k8s.io` Kustomization is never mistaken for Flux's.
api_group := split(k8s.doc.apiVersion, "/")[0] if {
	is_string(k8s.doc.apiVersion)
	contains(k8s.doc.apiVersion, "/")
}

is_kind(group, kind) if {
	api_group == group
	k8s.kind == kind
}

is_kustomization if is_kind(kustomize_group, "Kustomization")

is_helm_release if is_kind(helm_group, "HelmRelease")

is_source(kind) if is_kind(source_group, kind)

# Sources that fetch from a remote location (Bucket from `spec.endpoint`, the others from `spec.url`).
remote_source_kinds := {"GitRepository", "HelmRepository", "OCIRepository", "Bucket"}

is_remote_source if {
	api_group == source_group
	k8s.kind in remote_source_kinds
}

# Negations read fields through object.get: `not is_object(x.missing)` is undefined, not true, in Rego.
spec := object.get(k8s.doc, "spec", {}) if is_object(object.get(k8s.doc, "spec", {}))

spec := {} if not is_object(object.get(k8s.doc, "spec", {}))

name := object.get(k8s.doc, ["metadata", "name"], "")

# The object's own namespace; "" when the manifest leaves it to apply time.
namespace := ns if {
	ns := object.get(k8s.doc, ["metadata", "namespace"], "")
	is_set(ns)
}

namespace := "" if not is_set(object.get(k8s.doc, ["metadata", "namespace"], ""))

# A string field that is set: Flux treats an empty string like an absent field.
is_set(value) if {
	is_string(value)
	value != ""
}

# How messages name the object (they start in lower case).
nouns := {
	"Kustomization": "kustomization",
	"HelmRelease": "helm release",
	"ImageUpdateAutomation": "image update automation",
}

noun := nouns[k8s.kind]
