package portcullis.rules.PCF003_test

import data.portcullis.rules.PCF003

git_repository(api_version, spec) := {"document": {
	"apiVersion": api_version,
	"kind": "GitRepository",
	"metadata": {"name": "app", "namespace": "apps"},
	"spec": spec,
}}

repo(ref) := git_repository("source.toolkit.fluxcd.io/v1", {"url": "https://github.com/acme/app", "ref": ref})

test_branch_only_is_reported_at_the_branch if {
	findings := PCF003.deny with input as repo({"branch": "main"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "ref", "branch"]
	f.msg == "git repository \"app\" follows branch \"main\" instead of a tag, semver range or commit"
}

test_missing_ref_is_reported_at_ref if {
	findings := PCF003.deny with input as git_repository("source.toolkit.fluxcd.io/v1", {"url": "https://github.com/acme/app"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "ref"]
	contains(f.msg, "default branch")
}

test_empty_ref_is_reported_at_ref if {
	some f in PCF003.deny with input as repo({})
	f.path == ["spec", "ref"]
}

test_empty_strings_do_not_pin if {
	some f in PCF003.deny with input as repo({"branch": "main", "tag": "", "commit": ""})
	f.path == ["spec", "ref", "branch"]
}

test_branch_reference_name_is_reported_at_name if {
	findings := PCF003.deny with input as repo({"name": "refs/heads/release"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "ref", "name"]
}

test_name_takes_precedence_over_tag if {
	# Flux checks out `name` before `semver`, `tag` and `branch`.
	some f in PCF003.deny with input as repo({"name": "refs/heads/main", "tag": "v1.0.0"})
	f.path == ["spec", "ref", "name"]
}

test_pinned_refs_are_allowed if {
	every ref in [
		{"tag": "v1.2.3"},
		{"semver": ">=1.0.0 <2.0.0"},
		{"commit": "8d4c2f5a0b7e4c1d9a6f3e2b1c0d9e8f7a6b5c4d"},
		{"branch": "main", "commit": "8d4c2f5a0b7e4c1d9a6f3e2b1c0d9e8f7a6b5c4d"},
		{"branch": "main", "tag": "v1.2.3"},
		{"name": "refs/tags/v1.2.3"},
		{"name": "refs/pull/42/head"},
	] {
		count(PCF003.deny) == 0 with input as repo(ref)
	}
}

test_every_api_version_is_checked if {
	every api_version in ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2", "source.toolkit.fluxcd.io/v1beta1"] {
		count(PCF003.deny) == 1 with input as git_repository(api_version, {"url": "https://github.com/acme/app", "ref": {"branch": "main"}})
	}
}

test_non_object_ref_counts_as_no_ref if {
	some f in PCF003.deny with input as repo("main")
	f.path == ["spec", "ref"]
}

test_other_sources_are_not_checked if {
	doc := {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository", "metadata": {"name": "app"}, "spec": {"url": "oci://ghcr.io/acme/app"}}
	count(PCF003.deny) == 0 with input as {"document": doc}
}
