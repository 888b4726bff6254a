# PCF008: forced apply deletes and recreates objects when a patch is refused.
package portcullis.rules.PCF008

import data.portcullis.lib.flux
import data.portcullis.lib.k8s

deny contains k8s.finding(["spec", "force"], msg) if {
	flux.is_kustomization
	flux.spec.force == true
	msg := sprintf("kustomization %q sets force: true, so objects whose immutable fields change are deleted and recreated", [flux.name])
}

# Helm's force on upgrade and on rollback (the remediation after a failed upgrade) replaces
# resources instead of patching them; `spec.install` has no force field.
deny contains k8s.finding(["spec", action, "force"], msg) if {
	flux.is_helm_release
	some action in ["upgrade", "rollback"]
	object.get(flux.spec, [action, "force"], false) == true
	msg := sprintf("helm release %q sets %s.force: true, so resources are replaced instead of patched", [flux.name, action])
}
