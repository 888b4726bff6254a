# PCA001: an Application in the `default` project gets that project's permissive defaults.
package portcullis.rules.PCA001

import data.portcullis.lib.argocd
import data.portcullis.lib.k8s

project_path(app) := array.concat(app.path, ["project"])

# `project: default`, or an empty project, which Argo CD reads as `default`.
deny contains k8s.finding(project_path(app), msg) if {
	some app in argocd.apps
	is_string(app.spec.project)
	trim_space(app.spec.project) == "default"
	msg := sprintf("%s uses the \"default\" project", [app.label])
}

deny contains k8s.finding(project_path(app), msg) if {
	some app in argocd.apps
	is_string(app.spec.project)
	trim_space(app.spec.project) == ""
	msg := sprintf("%s sets an empty project, which Argo CD reads as \"default\"", [app.label])
}

# No project at all: the CRD requires one, and Argo CD falls back to `default` where it is empty.
deny contains k8s.finding(project_path(app), msg) if {
	some app in argocd.apps
	not app.patched
	object.get(app.spec, "project", null) == null
	msg := sprintf("%s sets no project, so it falls back to the \"default\" project", [app.label])
}
