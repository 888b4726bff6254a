# PCA007: Argo CD settings that open the instance: anonymous access, the built-in admin account,
# the web terminal.
package portcullis.rules.PCA007

import data.portcullis.lib.argocd
import data.portcullis.lib.k8s

# `data` of argocd-cm; `{}` when it has none (or a `data:` without entries).
data_map := d if {
	argocd.is_configmap("argocd-cm")
	d := object.get(input.document, "data", {})
	is_object(d)
}

data_map := {} if {
	argocd.is_configmap("argocd-cm")
	not is_object(object.get(input.document, "data", {}))
}

# Argo CD reads both flags with `== "true"`: only that exact string turns them on.
deny contains k8s.finding_with_severity(["data", "users.anonymous.enabled"], msg, "error") if {
	data_map["users.anonymous.enabled"] == "true"
	msg := "configmap \"argocd-cm\" enables anonymous access, so anyone who reaches Argo CD gets the policy.default role without logging in"
}

deny contains k8s.finding_with_severity(["data", "exec.enabled"], msg, "warning") if {
	data_map["exec.enabled"] == "true"
	msg := "configmap \"argocd-cm\" enables the web terminal, which opens shells in application pods"
}

# Argo CD parses admin.enabled with strconv.ParseBool and keeps the admin account on when the key
# is missing or does not parse (ParseBool does not trim: " false" keeps it on); only these exact
# spellings turn it off.
admin_off := {"false", "False", "FALSE", "f", "F", "0"}

deny contains k8s.finding_with_severity(["data", "admin.enabled"], msg, "warning") if {
	object.get(data_map, "admin.enabled", null) == null
	msg := "configmap \"argocd-cm\" does not disable the built-in admin account (admin.enabled is not \"false\")"
}

deny contains k8s.finding_with_severity(["data", "admin.enabled"], msg, "warning") if {
	value := data_map["admin.enabled"]
	is_string(value)
	not value in admin_off
	msg := sprintf("configmap \"argocd-cm\" keeps the built-in admin account enabled (admin.enabled is %q)", [value])
}
