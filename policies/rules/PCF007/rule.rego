# PCF007: a Kustomization with pruning off leaves objects deleted from Git running in the cluster.
package portcullis.rules.PCF007

import data.portcullis.lib.flux
import data.portcullis.lib.k8s

deny contains k8s.finding_with_fix(path, msg, k8s.set_fix(path, true)) if {
	flux.is_kustomization
	flux.spec.prune == false
	path := ["spec", "prune"]
	msg := sprintf("kustomization %q sets prune: false, so objects removed from Git stay in the cluster", [flux.name])
}
