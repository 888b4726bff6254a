# PCA008: automated sync allowed to apply an empty set of manifests, which with pruning deletes
# every resource of the application.
package portcullis.rules.PCA008

import data.portcullis.lib.argocd
import data.portcullis.lib.k8s

# Automated sync is on when `syncPolicy.automated` is present, unless `enabled: false` (Argo CD 3).
automated(app) := auto if {
	auto := app.spec.syncPolicy.automated
	is_object(auto)
	not auto.enabled == false
}

# With prune, an empty render (a wrong path, a failed generator, a deleted directory) makes the
# next automated sync delete everything the application owns.
deny contains k8s.finding_with_severity(path, msg, "warning") if {
	some app in argocd.apps
	auto := automated(app)
	auto.allowEmpty == true
	auto.prune == true
	path := array.concat(app.path, ["syncPolicy", "automated", "allowEmpty"])
	msg := sprintf("%s lets automated sync prune every resource when the source renders no manifests (allowEmpty: true)", [app.label])
}

# Without prune, Argo CD deletes nothing, so allowEmpty only waits for prune to be turned on.
deny contains k8s.finding_with_severity(path, msg, "notice") if {
	some app in argocd.apps
	auto := automated(app)
	auto.allowEmpty == true
	not auto.prune == true
	path := array.concat(app.path, ["syncPolicy", "automated", "allowEmpty"])
	msg := sprintf("%s sets allowEmpty: true on automated sync, which deletes every resource once prune is enabled", [app.label])
}
