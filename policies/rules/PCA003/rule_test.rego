package portcullis.rules.PCA003_test

import data.portcullis.rules.PCA003

allow := ["https://github.com/acme/", "git@github.com:acme", "oci://registry.acme.io/charts"]

app(spec) := {"document": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "web"}, "spec": spec}}

single(url) := app({"project": "web", "source": {"repoURL": url, "targetRevision": "v1.0.0"}})

appset(source) := {"document": {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "ApplicationSet",
	"metadata": {"name": "fleet"},
	"spec": {"template": {"spec": {"project": "web", "source": source}}},
}}

denied(doc) := findings if {
	findings := PCA003.deny with input as doc with data.settings.argocdAllowedRepoURLs as allow
}

test_nothing_is_reported_without_an_allow_list if {
	count(PCA003.deny) == 0 with input as single("https://evil.example.com/x.git")
}

test_foreign_repo_is_denied_at_repo_url if {
	findings := denied(single("https://gitlab.com/evil/web.git"))
	count(findings) == 1
	some f in findings
	f.path == ["spec", "source", "repoURL"]
	f.msg == "application \"web\" takes manifests from \"https://gitlab.com/evil/web.git\", which matches no entry of argocdAllowedRepoURLs"
}

test_repo_below_an_entry_is_allowed if {
	count(denied(single("https://github.com/acme/web.git"))) == 0
	count(denied(single("https://github.com/acme/web"))) == 0
	count(denied(single("https://github.com/acme/web/"))) == 0
}

test_host_is_compared_case_insensitively if {
	count(denied(single("https://GitHub.com/acme/web.git"))) == 0
	count(denied(single("HTTPS://GITHUB.COM/acme/web"))) == 0
}

test_path_is_compared_case_sensitively if {
	count(denied(single("https://github.com/ACME/web"))) == 1
}

test_prefix_must_end_on_a_path_segment if {
	findings := denied(single("https://github.com/acme-evil/web"))
	count(findings) == 1
}

test_scp_like_ssh_url_is_matched if {
	count(denied(single("git@github.com:acme/web.git"))) == 0
	count(denied(single("git@GitHub.com:acme/web.git"))) == 0
	count(denied(single("git@github.com:acmeevil/web.git"))) == 1
}

test_exact_entry_is_allowed if {
	count(denied(single("oci://registry.acme.io/charts"))) == 0
	count(denied(single("oci://registry.acme.io/charts/redis"))) == 0
	count(denied(single("oci://registry.acme.io/charts-mirror"))) == 1
}

test_glob_entry_is_matched if {
	findings := PCA003.deny with input as single("https://gitlab.acme.io/team/web.git")
		with data.settings.argocdAllowedRepoURLs as ["https://gitlab.acme.io/*"]
	count(findings) == 0
}

test_each_multi_source_is_checked if {
	doc := app({"project": "web", "sources": [
		{"repoURL": "https://github.com/acme/web.git", "targetRevision": "v1", "path": "deploy"},
		{"repoURL": "https://charts.bitnami.com/bitnami", "chart": "redis", "targetRevision": "18.0.0"},
		{"repoURL": "https://github.com/acme/values.git", "targetRevision": "v1", "ref": "values"},
	]})
	findings := denied(doc)
	count(findings) == 1
	some f in findings
	f.path == ["spec", "sources", 1, "repoURL"]
}

test_source_is_ignored_when_sources_is_set if {
	doc := app({"project": "web", "source": {"repoURL": "https://evil.example.com/x"}, "sources": [{"repoURL": "https://github.com/acme/web"}]})
	count(denied(doc)) == 0
}

test_source_hydrator_dry_source_is_checked if {
	doc := app({"project": "web", "sourceHydrator": {
		"drySource": {"repoURL": "https://evil.example.com/x", "targetRevision": "main", "path": "."},
		"syncSource": {"targetBranch": "env/prod", "path": "prod"},
	}})
	some f in denied(doc)
	f.path == ["spec", "sourceHydrator", "drySource", "repoURL"]
}

test_applicationset_template_source_is_denied if {
	findings := denied(appset({"repoURL": "https://evil.example.com/x", "targetRevision": "v1"}))
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "spec", "source", "repoURL"]
}

test_templated_url_that_may_be_allowed_is_not_denied if {
	count(denied(appset({"repoURL": "{{url}}"}))) == 0
	count(denied(appset({"repoURL": "https://github.com/{{org}}/web"}))) == 0
	count(denied(appset({"repoURL": "https://github.com/acme/{{name}}.git"}))) == 0
}

test_templated_url_that_cannot_be_allowed_is_denied if {
	count(denied(appset({"repoURL": "https://evil.example.com/{{name}}"}))) == 1
	count(denied(appset({"repoURL": "https://github.com/acme-{{team}}/web"}))) == 1
}

test_placeholder_in_an_application_is_not_a_template if {
	count(denied(single("https://github.com/{{org}}/web"))) == 1
}

test_missing_or_non_string_repo_url_is_ignored if {
	count(denied(app({"project": "web", "source": {"path": "deploy"}}))) == 0
	count(denied(app({"project": "web", "source": {"repoURL": 42}}))) == 0
}

test_blank_entries_do_not_enable_the_rule if {
	count(PCA003.deny) == 0 with input as single("https://evil.example.com/x") with data.settings.argocdAllowedRepoURLs as ["", "  "]
}
