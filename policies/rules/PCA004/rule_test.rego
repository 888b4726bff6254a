package portcullis.rules.PCA004_test

import data.portcullis.rules.PCA004

app(spec) := {"document": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "web"}, "spec": spec}}

single(source) := app({"project": "web", "source": source})

test_head_is_denied_at_the_field if {
	findings := PCA004.deny with input as single({"repoURL": "https://github.com/acme/web.git", "targetRevision": "HEAD", "path": "deploy"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "source", "targetRevision"]
	f.msg == "application \"web\" tracks HEAD in source \"https://github.com/acme/web.git\" instead of a pinned tag, version or commit"
}

test_empty_revision_is_denied if {
	some f in PCA004.deny with input as single({"repoURL": "https://github.com/acme/web.git", "targetRevision": ""})
	f.path == ["spec", "source", "targetRevision"]
	contains(f.msg, "empty targetRevision")
}

test_missing_revision_is_denied_where_it_should_be if {
	findings := PCA004.deny with input as single({"repoURL": "https://github.com/acme/web.git", "path": "deploy"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "source", "targetRevision"]
	contains(f.msg, "sets no targetRevision")
}

test_pinned_revisions_are_allowed if {
	count(PCA004.deny) == 0 with input as single({"repoURL": "https://github.com/acme/web.git", "targetRevision": "v1.4.2"})
	count(PCA004.deny) == 0 with input as single({"repoURL": "https://github.com/acme/web.git", "targetRevision": "3f2c1a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a"})
	count(PCA004.deny) == 0 with input as single({"repoURL": "https://charts.bitnami.com/bitnami", "chart": "redis", "targetRevision": "18.6.1"})
}

test_branch_names_are_not_this_rule if {
	count(PCA004.deny) == 0 with input as single({"repoURL": "https://github.com/acme/web.git", "targetRevision": "main"})
	count(PCA004.deny) == 0 with input as single({"repoURL": "https://github.com/acme/web.git", "targetRevision": "head"})
}

test_every_multi_source_is_checked if {
	doc := app({"project": "web", "sources": [
		{"repoURL": "https://charts.acme.io", "chart": "web", "targetRevision": "2.0.0"},
		{"repoURL": "https://github.com/acme/values.git", "targetRevision": "HEAD", "ref": "values"},
		{"repoURL": "https://github.com/acme/extra.git", "path": "extra"},
	]})
	findings := PCA004.deny with input as doc
	count(findings) == 2
	paths := {f.path | some f in findings}
	paths == {["spec", "sources", 1, "targetRevision"], ["spec", "sources", 2, "targetRevision"]}
}

test_source_is_ignored_when_sources_is_set if {
	doc := app({"project": "web", "source": {"repoURL": "https://github.com/acme/old.git"}, "sources": [{"repoURL": "https://github.com/acme/web.git", "targetRevision": "v1"}]})
	count(PCA004.deny) == 0 with input as doc
}

test_empty_sources_list_falls_back_to_source if {
	doc := app({"project": "web", "sources": [], "source": {"repoURL": "https://github.com/acme/web.git"}})
	some f in PCA004.deny with input as doc
	f.path == ["spec", "source", "targetRevision"]
}

test_source_hydrator_dry_source_is_checked if {
	doc := app({"project": "web", "sourceHydrator": {"drySource": {"repoURL": "https://github.com/acme/web.git", "targetRevision": "HEAD", "path": "."}}})
	some f in PCA004.deny with input as doc
	f.path == ["spec", "sourceHydrator", "drySource", "targetRevision"]
}

test_applicationset_template_is_checked if {
	doc := {
		"apiVersion": "argoproj.io/v1alpha1",
		"kind": "ApplicationSet",
		"metadata": {"name": "fleet"},
		"spec": {"template": {"spec": {"project": "web", "source": {"repoURL": "https://github.com/acme/web.git", "targetRevision": "HEAD"}}}},
	}
	findings := PCA004.deny with input as {"document": doc}
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "spec", "source", "targetRevision"]
	startswith(f.msg, "the template of applicationset \"fleet\" tracks HEAD")
}

test_applicationset_templated_revision_is_allowed if {
	doc := {
		"apiVersion": "argoproj.io/v1alpha1",
		"kind": "ApplicationSet",
		"metadata": {"name": "fleet"},
		"spec": {"template": {"spec": {"project": "web", "source": {"repoURL": "https://github.com/acme/web.git", "targetRevision": "{{revision}}"}}}},
	}
	count(PCA004.deny) == 0 with input as {"document": doc}
}

test_applicationset_with_template_patch_is_not_denied_for_a_missing_revision if {
	doc := {
		"apiVersion": "argoproj.io/v1alpha1",
		"kind": "ApplicationSet",
		"metadata": {"name": "fleet"},
		"spec": {
			"template": {"spec": {"project": "web", "source": {"repoURL": "https://github.com/acme/web.git"}}},
			"templatePatch": "spec:\n  source:\n    targetRevision: {{ .revision }}\n",
		},
	}
	count(PCA004.deny) == 0 with input as {"document": doc}
}

test_source_without_repo_url_is_named_as_such if {
	some f in PCA004.deny with input as single({"path": "deploy"})
	f.msg == "application \"web\" sets no targetRevision in a source without repoURL, so it tracks HEAD"
}

test_application_without_source_is_not_denied if {
	count(PCA004.deny) == 0 with input as app({"project": "web"})
}

test_non_string_revision_is_not_denied if {
	count(PCA004.deny) == 0 with input as single({"repoURL": "https://charts.acme.io", "chart": "web", "targetRevision": 1.2})
}
