# PCA005: an AppProject whose wildcards let its Applications take code from anywhere, deploy
# anywhere, or create any cluster-scoped resource.
package portcullis.rules.PCA005

import data.portcullis.lib.argocd
import data.portcullis.lib.k8s

wildcard(value) if {
	is_string(value)
	trim_space(value) == "*"
}

spec := object.get(input.document, "spec", {}) if argocd.is_kind("AppProject")

deny contains k8s.finding(["spec", "sourceRepos", i], msg) if {
	some i, repo in object.get(spec, "sourceRepos", [])
	wildcard(repo)
	msg := sprintf("project %q allows applications from any source repository", [argocd.name])
}

# A destination on any cluster (by server URL or by cluster name) and in any namespace.
deny contains k8s.finding(["spec", "destinations", i], msg) if {
	some i, dest in object.get(spec, "destinations", [])
	any_cluster(dest)
	wildcard(dest.namespace)
	msg := sprintf("project %q allows deploying to any namespace of any cluster", [argocd.name])
}

any_cluster(dest) if wildcard(dest.server)

any_cluster(dest) if wildcard(dest.name)

deny contains k8s.finding(["spec", "clusterResourceWhitelist", i], msg) if {
	some i, entry in object.get(spec, "clusterResourceWhitelist", [])
	wildcard(entry.group)
	wildcard(entry.kind)
	msg := sprintf("project %q allows creating every kind of cluster-scoped resource", [argocd.name])
}
