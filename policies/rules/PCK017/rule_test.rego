package portcullis.rules.PCK017_test

import data.portcullis.rules.PCK017

deployment(template) := {"document": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}}, "spec": {"template": template}}}

containers := {"containers": [{"name": "a"}]}

test_missing_label_is_denied_where_it_belongs if {
	findings := PCK017.deny with input as deployment({"metadata": {"labels": {"app": "web"}}, "spec": containers})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "metadata", "labels", "app.kubernetes.io/name"]
	f.msg == "pod template of Deployment \"web\" lacks the required label \"app.kubernetes.io/name\""
}

test_labels_on_the_workload_itself_do_not_count if {
	# The Deployment's own labels are set above; the pod template has none and no metadata at all.
	some f in PCK017.deny with input as deployment({"spec": containers})
	f.path == ["spec", "template", "metadata", "labels", "app.kubernetes.io/name"]
}

test_present_label_is_allowed if {
	count(PCK017.deny) == 0 with input as deployment({"metadata": {"labels": {"app.kubernetes.io/name": "web"}}, "spec": containers})
}

test_empty_label_value_is_denied_at_the_label if {
	findings := PCK017.deny with input as deployment({"metadata": {"labels": {"app.kubernetes.io/name": ""}}, "spec": containers})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "metadata", "labels", "app.kubernetes.io/name"]
	f.msg == "pod template of Deployment \"web\" has an empty value for the required label \"app.kubernetes.io/name\""
	count(PCK017.deny) == 1 with input as deployment({"metadata": {"labels": {"app.kubernetes.io/name": null}}, "spec": containers})
}

test_one_finding_per_missing_label_from_settings if {
	required := ["app.kubernetes.io/name", "team", "cost-center", "", 7]
	inp := deployment({"metadata": {"labels": {"team": "payments"}}, "spec": containers})
	paths := {f.path | some f in PCK017.deny} with input as inp with data.settings.requiredLabels as required
	paths == {
		["spec", "template", "metadata", "labels", "app.kubernetes.io/name"],
		["spec", "template", "metadata", "labels", "cost-center"],
	}
}

test_no_required_labels_reports_nothing if {
	count(PCK017.deny) == 0 with input as deployment({"spec": containers}) with data.settings.requiredLabels as []
}

test_bare_pod_uses_its_own_metadata if {
	doc := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": containers}
	some f in PCK017.deny with input as {"document": doc}
	f.path == ["metadata", "labels", "app.kubernetes.io/name"]
	f.msg == "pod \"p\" lacks the required label \"app.kubernetes.io/name\""
}

test_cronjob_uses_the_job_template_pod_metadata if {
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j"}, "spec": {"jobTemplate": {"metadata": {"labels": {"app.kubernetes.io/name": "j"}}, "spec": {"template": {"spec": containers}}}}}
	some f in PCK017.deny with input as {"document": doc}
	f.path == ["spec", "jobTemplate", "spec", "template", "metadata", "labels", "app.kubernetes.io/name"]
}

test_malformed_labels_count_as_missing if {
	count(PCK017.deny) == 1 with input as deployment({"metadata": {"labels": ["app.kubernetes.io/name"]}, "spec": containers})
}

test_rollout_with_workload_ref_is_ignored if {
	doc := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r"}, "spec": {"workloadRef": {"kind": "Deployment", "name": "web"}}}
	count(PCK017.deny) == 0 with input as {"document": doc}
}

test_non_workloads_are_ignored if {
	count(PCK017.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {}}}
}
