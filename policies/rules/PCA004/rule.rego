# PCA004: an Application source that follows whatever the default branch points at.
package portcullis.rules.PCA004

import data.portcullis.lib.argocd
import data.portcullis.lib.k8s

revision_path(s) := array.concat(s.path, ["targetRevision"])

# `HEAD` is the default branch's tip; Argo CD reads an empty revision the same way.
deny contains k8s.finding(revision_path(s), msg) if {
	some s in argocd.sources
	is_string(s.source.targetRevision)
	trim_space(s.source.targetRevision) == "HEAD"
	msg := sprintf("%s tracks HEAD in %s instead of a pinned tag, version or commit", [s.app.label, argocd.source_label(s.source)])
}

deny contains k8s.finding(revision_path(s), msg) if {
	some s in argocd.sources
	is_string(s.source.targetRevision)
	trim_space(s.source.targetRevision) == ""
	msg := sprintf("%s sets an empty targetRevision in %s, so it tracks HEAD", [s.app.label, argocd.source_label(s.source)])
}

deny contains k8s.finding(revision_path(s), msg) if {
	some s in argocd.sources
	not s.app.patched
	object.get(s.source, "targetRevision", null) == null
	msg := sprintf("%s sets no targetRevision in %s, so it tracks HEAD", [s.app.label, argocd.source_label(s.source)])
}
