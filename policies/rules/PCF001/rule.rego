# PCF001: a Kustomization or HelmRelease without a service account applies with the controller's own rights.
package portcullis.rules.PCF001

import data.portcullis.lib.flux
import data.portcullis.lib.k8s

deny contains k8s.finding(["spec", "serviceAccountName"], msg) if {
	applies_manifests
	not flux.is_set(object.get(flux.spec, "serviceAccountName", ""))
	msg := sprintf("%s %q sets no spec.serviceAccountName, so it applies with the controller's own permissions", [flux.noun, flux.name])
}

applies_manifests if flux.is_kustomization

applies_manifests if flux.is_helm_release
