# PCA002: an Application that deploys into a namespace that holds the cluster's or Argo CD's own
# control plane.
package portcullis.rules.PCA002

import data.portcullis.lib.argocd
import data.portcullis.lib.k8s

# The configured list replaces the defaults (`kube-system`, `argocd` in settings/data.json).
sensitive := {ns | some ns in object.get(data.settings, "argocdSensitiveNamespaces", ["kube-system", "argocd"]); is_string(ns)}

deny contains k8s.finding(path, msg) if {
	some app in argocd.apps
	namespace := app.spec.destination.namespace
	is_string(namespace)
	trim_space(namespace) in sensitive
	path := array.concat(app.path, ["destination", "namespace"])
	msg := sprintf("%s deploys into the sensitive namespace %q", [app.label, trim_space(namespace)])
}
