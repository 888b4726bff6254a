package portcullis.rules.PCA005_test

import data.portcullis.rules.PCA005

project(spec) := {"document": {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "team-a", "namespace": "argocd"}, "spec": spec}}

test_wildcard_source_repo_is_denied_at_the_item if {
	findings := PCA005.deny with input as project({"sourceRepos": ["https://github.com/acme/a.git", "*"]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "sourceRepos", 1]
	f.msg == "project \"team-a\" allows applications from any source repository"
}

test_wildcard_server_and_namespace_is_denied_at_the_destination if {
	findings := PCA005.deny with input as project({"destinations": [
		{"server": "https://kubernetes.default.svc", "namespace": "team-a"},
		{"server": "*", "namespace": "*"},
	]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "destinations", 1]
	f.msg == "project \"team-a\" allows deploying to any namespace of any cluster"
}

test_wildcard_cluster_name_and_namespace_is_denied if {
	some f in PCA005.deny with input as project({"destinations": [{"name": "*", "namespace": "*"}]})
	f.path == ["spec", "destinations", 0]
}

test_partial_destination_wildcards_are_allowed if {
	count(PCA005.deny) == 0 with input as project({"destinations": [
		{"server": "*", "namespace": "team-a"},
		{"server": "https://kubernetes.default.svc", "namespace": "*"},
		{"name": "*", "namespace": "team-a-*"},
	]})
}

test_wildcard_cluster_resources_are_denied_at_the_item if {
	findings := PCA005.deny with input as project({"clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}, {"group": "*", "kind": "*"}]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "clusterResourceWhitelist", 1]
	f.msg == "project \"team-a\" allows creating every kind of cluster-scoped resource"
}

test_partial_cluster_resource_wildcards_are_allowed if {
	count(PCA005.deny) == 0 with input as project({"clusterResourceWhitelist": [
		{"group": "*", "kind": "Namespace"},
		{"group": "rbac.authorization.k8s.io", "kind": "*"},
		{"kind": "*"},
	]})
}

test_the_builtin_default_project_shape_reports_three_findings if {
	findings := PCA005.deny with input as project({
		"sourceRepos": ["*"],
		"destinations": [{"server": "*", "namespace": "*"}],
		"clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
	})
	count(findings) == 3
}

test_glob_patterns_are_not_a_bare_wildcard if {
	count(PCA005.deny) == 0 with input as project({"sourceRepos": ["https://github.com/acme/*"]})
}

test_restricted_project_is_allowed if {
	count(PCA005.deny) == 0 with input as project({
		"sourceRepos": ["https://github.com/acme/team-a.git"],
		"destinations": [{"server": "https://kubernetes.default.svc", "namespace": "team-a"}],
		"clusterResourceWhitelist": [],
	})
}

test_project_without_spec_is_allowed if {
	count(PCA005.deny) == 0 with input as {"document": {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "x"}}}
}

test_other_kinds_are_ignored if {
	doc := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "x"}, "spec": {"sourceRepos": ["*"]}}
	count(PCA005.deny) == 0 with input as {"document": doc}
}

test_wrong_types_are_ignored if {
	count(PCA005.deny) == 0 with input as project({"sourceRepos": "*", "destinations": [{"server": ["*"], "namespace": "*"}], "clusterResourceWhitelist": ["*"]})
}
