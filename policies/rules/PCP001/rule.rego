# PCP001: a Gatekeeper constraint that reports violations but lets them through.
package portcullis.rules.PCP001

import data.portcullis.lib.k8s

doc := input.document

is_constraint if {
	is_string(doc.apiVersion)
	startswith(doc.apiVersion, "constraints.gatekeeper.sh/")
}

name := object.get(doc, ["metadata", "name"], "")

# Gatekeeper's non-blocking actions; compared case-insensitively (Gatekeeper refuses other
# spellings, which does not block anything either).
non_blocking(action) if {
	is_string(action)
	lower(trim_space(action)) in {"dryrun", "warn"}
}

non_blocking_entry(entry) if {
	is_object(entry)
	non_blocking(object.get(entry, "action", null))
}

deny contains k8s.finding(["spec", "enforcementAction"], msg) if {
	is_constraint
	action := doc.spec.enforcementAction
	non_blocking(action)
	msg := sprintf("constraint %q (%s) does not block violations (enforcementAction is %q)", [name, doc.kind, action])
}

# `enforcementAction: scoped` takes its actions from `scopedEnforcementActions`; when every one of
# them is dryrun or warn, no enforcement point blocks anything.
deny contains k8s.finding(["spec", "scopedEnforcementActions"], msg) if {
	is_constraint
	is_string(doc.spec.enforcementAction)
	lower(trim_space(doc.spec.enforcementAction)) == "scoped"
	scoped := doc.spec.scopedEnforcementActions
	is_array(scoped)
	count(scoped) > 0
	count([entry | some entry in scoped; not non_blocking_entry(entry)]) == 0
	msg := sprintf("constraint %q (%s) does not block violations (every scoped enforcement action is dryrun or warn)", [name, doc.kind])
}
