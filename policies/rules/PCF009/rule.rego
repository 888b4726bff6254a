# PCF009: a reference to a source in another namespace crosses the tenant boundary Flux draws at namespaces.
package portcullis.rules.PCF009

import data.portcullis.lib.flux
import data.portcullis.lib.k8s

# Where each kind keeps its source references.
reference_paths contains ["spec", "sourceRef"] if flux.is_kustomization

reference_paths contains ["spec", "chart", "spec", "sourceRef"] if flux.is_helm_release

reference_paths contains ["spec", "chartRef"] if flux.is_helm_release

reference_paths contains ["spec", "sourceRef"] if flux.is_kind(flux.image_group, "ImageUpdateAutomation")

deny contains k8s.finding(array.concat(ref_path, ["namespace"]), msg) if {
	some ref_path in reference_paths
	ref := object.get(k8s.doc, ref_path, {})
	is_object(ref)
	flux.is_set(ref.namespace)
	ref.namespace != flux.namespace
	msg := message(ref)
}

message(ref) := sprintf("%s %q uses source %q from namespace %q, not its own namespace %q", [flux.noun, flux.name, object.get(ref, "name", ""), ref.namespace, flux.namespace]) if {
	flux.namespace != ""
}

# Without metadata.namespace the object's namespace is set at apply time (kustomize
# `namespace:`, a parent Kustomization's targetNamespace), while the explicit source namespace
# stays as written; a kustomize patch is skipped, as its target may well sit in that namespace.
message(ref) := sprintf("%s %q uses source %q from namespace %q, while its own namespace is only set at apply time", [flux.noun, flux.name, object.get(ref, "name", ""), ref.namespace]) if {
	flux.namespace == ""
	not object.get(input, ["file", "partial"], false) == true
}
