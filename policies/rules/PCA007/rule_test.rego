package portcullis.rules.PCA007_test

import data.portcullis.rules.PCA007

cm(d) := {"document": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm", "namespace": "argocd"}, "data": d}}

hardened := {"admin.enabled": "false", "users.anonymous.enabled": "false", "exec.enabled": "false", "url": "https://argocd.acme.io"}

test_anonymous_access_is_an_error_at_the_field if {
	findings := PCA007.deny with input as cm(object.union(hardened, {"users.anonymous.enabled": "true"}))
	count(findings) == 1
	some f in findings
	f.path == ["data", "users.anonymous.enabled"]
	f.severity == "error"
	startswith(f.msg, "configmap \"argocd-cm\" enables anonymous access")
}

test_exec_is_a_warning_at_the_field if {
	findings := PCA007.deny with input as cm(object.union(hardened, {"exec.enabled": "true"}))
	count(findings) == 1
	some f in findings
	f.path == ["data", "exec.enabled"]
	f.severity == "warning"
}

test_missing_admin_enabled_is_a_warning_where_it_should_be if {
	findings := PCA007.deny with input as cm(object.remove(hardened, ["admin.enabled"]))
	count(findings) == 1
	some f in findings
	f.path == ["data", "admin.enabled"]
	f.severity == "warning"
	f.msg == "configmap \"argocd-cm\" does not disable the built-in admin account (admin.enabled is not \"false\")"
}

test_admin_enabled_true_is_a_warning if {
	some f in PCA007.deny with input as cm(object.union(hardened, {"admin.enabled": "true"}))
	f.path == ["data", "admin.enabled"]
	f.msg == "configmap \"argocd-cm\" keeps the built-in admin account enabled (admin.enabled is \"true\")"
}

test_admin_enabled_that_does_not_parse_keeps_admin_on if {
	count(PCA007.deny) == 1 with input as cm(object.union(hardened, {"admin.enabled": "no"}))
	count(PCA007.deny) == 1 with input as cm(object.union(hardened, {"admin.enabled": " false"}))
}

test_every_parse_bool_false_spelling_disables_admin if {
	every v in ["false", "False", "FALSE", "f", "F", "0"] {
		count(PCA007.deny) == 0 with input as cm(object.union(hardened, {"admin.enabled": v}))
	}
}

test_hardened_settings_are_allowed if {
	count(PCA007.deny) == 0 with input as cm(hardened)
	count(PCA007.deny) == 0 with input as cm({"admin.enabled": "false"})
}

test_only_the_exact_string_true_enables_anonymous_or_exec if {
	# Argo CD compares with == "true"; "True" or "yes" leave the feature off.
	count(PCA007.deny) == 0 with input as cm(object.union(hardened, {"users.anonymous.enabled": "True", "exec.enabled": "yes"}))
}

test_configmap_without_data_keeps_admin_on if {
	doc := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm"}}
	some f in PCA007.deny with input as {"document": doc}
	f.path == ["data", "admin.enabled"]
	some g in PCA007.deny with input as cm(null)
	g.path == ["data", "admin.enabled"]
}

test_all_three_findings_at_once if {
	findings := PCA007.deny with input as cm({"users.anonymous.enabled": "true", "exec.enabled": "true"})
	count(findings) == 3
	{f.severity | some f in findings} == {"error", "warning"}
}

test_non_string_values_are_not_judged if {
	# Kubernetes refuses a ConfigMap whose data values are not strings.
	count(PCA007.deny) == 0 with input as cm(object.union(hardened, {"users.anonymous.enabled": true, "exec.enabled": true, "admin.enabled": false}))
}

test_other_configmaps_are_ignored if {
	doc := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cmd-params-cm"}, "data": {"users.anonymous.enabled": "true"}}
	count(PCA007.deny) == 0 with input as {"document": doc}
}
