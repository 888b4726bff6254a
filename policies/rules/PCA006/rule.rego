# PCA006: Argo CD RBAC that hands out administrator rights: `role:admin` as everyone's default
# role, or a policy line that allows every action on every object to someone else.
package portcullis.rules.PCA006

import data.portcullis.lib.argocd
import data.portcullis.lib.k8s

data_map := object.get(input.document, "data", {}) if argocd.is_configmap("argocd-rbac-cm")

deny contains k8s.finding(["data", "policy.default"], msg) if {
	default_role := data_map["policy.default"]
	is_string(default_role)
	trim_space(default_role) == "role:admin"
	msg := "configmap \"argocd-rbac-cm\" makes role:admin the default role of every user who logs in"
}

# Argo CD concatenates `policy.csv` and every `policy.<name>.csv` key.
policy_keys contains key if {
	some key, value in data_map
	startswith(key, "policy.")
	endswith(key, ".csv")
	is_string(value)
}

deny contains finding if {
	some key in policy_keys
	lines := split(data_map[key], "\n")
	some i, raw in lines
	fields := policy_fields(raw)
	fields[0] == "p"
	subject := fields[1]
	subject != "role:admin"
	fields[3] == "*"
	every_object(fields[4])
	allows(fields)
	msg := sprintf("line %d of %q allows %q every action on %s", [i + 1, key, subject, scope(fields[2])])
	finding := object.union(k8s.finding(["data", key], msg), {"scalarLine": i})
}

# The fields of a policy line as Argo CD's CSV reader sees them, trimmed and unquoted. Blank lines
# and `#` comment lines have none. Text after ` #` is dropped: Argo CD would read it into the last
# field, but it is a comment in intent (and where example files put their `# expect:` markers).
policy_fields(raw) := [unquote(trim_space(f)) | some f in split(line, ",")] if {
	line := trim_space(strip_comment(raw))
	line != ""
	not startswith(line, "#")
}

strip_comment(s) := substring(s, 0, i) if {
	hits := [j | some sep in [" #", "\t#"]; j := indexof(s, sep); j >= 0]
	count(hits) > 0
	i := min(hits)
} else := s

unquote(s) := substring(s, 1, count(s) - 2) if {
	count(s) >= 2
	startswith(s, "\"")
	endswith(s, "\"")
} else := s

# `*`, `*/*` and `*/*/*` match every object: Argo CD's glob `*` also spans `/`, so it covers
# `<project>/<app>` and `<project>/<namespace>/<app>` alike.
every_object(obj) if obj in {"*", "*/*", "*/*/*"}

# `p, sub, res, act, obj` (no effect: allow) or `p, sub, res, act, obj, allow`.
allows(fields) if count(fields) == 5

allows(fields) if {
	count(fields) == 6
	fields[5] == "allow"
}

scope(resource) := "every object of every resource" if resource == "*"

scope(resource) := sprintf("every object of %q", [resource]) if resource != "*"
