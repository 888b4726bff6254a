# PCF003: a GitRepository that follows a branch deploys every push to it, unreviewed by a release step.
package portcullis.rules.PCF003

import data.portcullis.lib.flux
import data.portcullis.lib.k8s

ref := object.get(flux.spec, "ref", {})

# The fields Flux reads, in its order of precedence: the first one set decides what is checked out.
precedence := ["commit", "name", "semver", "tag", "branch"]

set_fields := [f | some f in precedence; flux.is_set(object.get(ref, f, ""))] if is_object(ref)

set_fields := [] if not is_object(ref)

deny contains k8s.finding(["spec", "ref"], msg) if {
	flux.is_source("GitRepository")
	count(set_fields) == 0
	msg := sprintf("git repository %q follows the default branch: spec.ref sets no tag, semver range or commit", [flux.name])
}

deny contains k8s.finding(["spec", "ref", "branch"], msg) if {
	flux.is_source("GitRepository")
	set_fields[0] == "branch"
	msg := sprintf("git repository %q follows branch %q instead of a tag, semver range or commit", [flux.name, ref.branch])
}

# `name: refs/heads/<branch>` is a branch under another spelling.
deny contains k8s.finding(["spec", "ref", "name"], msg) if {
	flux.is_source("GitRepository")
	set_fields[0] == "name"
	startswith(ref.name, "refs/heads/")
	msg := sprintf("git repository %q follows branch reference %q instead of a tag, semver range or commit", [flux.name, ref.name])
}
