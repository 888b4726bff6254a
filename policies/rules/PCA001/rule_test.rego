package portcullis.rules.PCA001_test

import data.portcullis.rules.PCA001

app(spec) := {"document": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "web"}, "spec": spec}}

appset(template_spec) := {"document": {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "ApplicationSet",
	"metadata": {"name": "fleet"},
	"spec": {"generators": [{"list": {"elements": []}}], "template": {"metadata": {"name": "{{name}}"}, "spec": template_spec}},
}}

test_default_project_is_denied_at_the_field if {
	findings := PCA001.deny with input as app({"project": "default", "destination": {"namespace": "web"}})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "project"]
	f.msg == "application \"web\" uses the \"default\" project"
	object.keys(f) == {"msg", "path"}
}

test_empty_project_is_denied_as_default if {
	some f in PCA001.deny with input as app({"project": ""})
	f.path == ["spec", "project"]
	contains(f.msg, "empty project")
}

test_missing_project_is_denied_where_it_should_be if {
	findings := PCA001.deny with input as app({"destination": {"namespace": "web"}})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "project"]
	contains(f.msg, "sets no project")
}

test_null_project_counts_as_missing if {
	some f in PCA001.deny with input as app({"project": null})
	f.path == ["spec", "project"]
}

test_application_without_spec_is_denied_at_spec_project if {
	doc := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "web"}}
	some f in PCA001.deny with input as {"document": doc}
	f.path == ["spec", "project"]
}

test_dedicated_project_is_allowed if {
	count(PCA001.deny) == 0 with input as app({"project": "team-web"})
}

test_project_named_like_default_is_allowed if {
	count(PCA001.deny) == 0 with input as app({"project": "default-web"})
	count(PCA001.deny) == 0 with input as app({"project": "Default"})
}

test_applicationset_template_default_project_is_denied if {
	findings := PCA001.deny with input as appset({"project": "default"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "spec", "project"]
	f.msg == "the template of applicationset \"fleet\" uses the \"default\" project"
}

test_applicationset_template_missing_project_is_denied if {
	some f in PCA001.deny with input as appset({"destination": {"namespace": "web"}})
	f.path == ["spec", "template", "spec", "project"]
}

test_applicationset_templated_project_is_allowed if {
	count(PCA001.deny) == 0 with input as appset({"project": "{{project}}"})
}

test_applicationset_with_template_patch_is_not_denied_for_a_missing_project if {
	doc := {
		"apiVersion": "argoproj.io/v1alpha1",
		"kind": "ApplicationSet",
		"metadata": {"name": "fleet"},
		"spec": {
			"goTemplate": true,
			"template": {"spec": {"destination": {"namespace": "web"}}},
			"templatePatch": "spec:\n  project: {{ .project }}\n",
		},
	}
	count(PCA001.deny) == 0 with input as {"document": doc}
}

test_applicationset_with_template_patch_still_denies_an_explicit_default if {
	doc := {
		"apiVersion": "argoproj.io/v1alpha1",
		"kind": "ApplicationSet",
		"metadata": {"name": "fleet"},
		"spec": {"template": {"spec": {"project": "default"}}, "templatePatch": "metadata:\n  labels: {}\n"},
	}
	some f in PCA001.deny with input as {"document": doc}
	f.path == ["spec", "template", "spec", "project"]
}

test_other_api_groups_are_ignored if {
	doc := {"apiVersion": "app.k8s.io/v1beta1", "kind": "Application", "metadata": {"name": "web"}, "spec": {}}
	count(PCA001.deny) == 0 with input as {"document": doc}
}

test_appproject_is_ignored if {
	doc := {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "default"}, "spec": {}}
	count(PCA001.deny) == 0 with input as {"document": doc}
}

test_non_string_project_is_not_denied if {
	count(PCA001.deny) == 0 with input as app({"project": 7})
}
