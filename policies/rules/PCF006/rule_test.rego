package portcullis.rules.PCF006_test

import data.portcullis.rules.PCF006

allow_list := ["https://github.com/acme", "ssh://git@github.com/acme/", "oci://ghcr.io/acme", "https://charts.jetstack.io", "https://minio.example.com/fleet"]

source(kind, spec) := {"document": {
	"apiVersion": "source.toolkit.fluxcd.io/v1",
	"kind": kind,
	"metadata": {"name": "app", "namespace": "apps"},
	"spec": spec,
}}

git(url) := source("GitRepository", {"url": url})

test_url_outside_the_allow_list_is_denied_at_the_url if {
	findings := PCF006.deny with input as git("https://gitlab.com/acme/app") with data.settings.allowedSourceURLs as allow_list
	count(findings) == 1
	some f in findings
	f.path == ["spec", "url"]
	f.msg == "source \"app\" fetches from \"https://gitlab.com/acme/app\", which matches no entry of allowedSourceURLs"
}

test_rule_is_off_without_an_allow_list if {
	count(PCF006.deny) == 0 with input as git("https://gitlab.com/acme/app")
	count(PCF006.deny) == 0 with input as git("https://gitlab.com/acme/app") with data.settings.allowedSourceURLs as []
	count(PCF006.deny) == 0 with input as git("https://gitlab.com/acme/app") with data.settings.allowedSourceURLs as [""]
}

test_entries_match_on_whole_path_segments if {
	# A plain string prefix would let `acme-evil` pass as `acme`.
	count(PCF006.deny) == 1 with input as git("https://github.com/acme-evil/app") with data.settings.allowedSourceURLs as allow_list
	count(PCF006.deny) == 0 with input as git("https://github.com/acme/app") with data.settings.allowedSourceURLs as allow_list
	count(PCF006.deny) == 0 with input as git("https://github.com/acme") with data.settings.allowedSourceURLs as allow_list
}

test_scheme_and_host_compare_case_insensitively_and_git_suffix_is_ignored if {
	every url in ["HTTPS://GitHub.com/acme/app", "https://github.com/acme/app.git", "https://github.com/acme/app/", "ssh://git@github.com/acme/fleet.git"] {
		count(PCF006.deny) == 0 with input as git(url) with data.settings.allowedSourceURLs as allow_list
	}
}

test_path_compares_case_sensitively if {
	count(PCF006.deny) == 1 with input as git("https://github.com/ACME/app") with data.settings.allowedSourceURLs as allow_list
}

test_scheme_is_part_of_the_match if {
	count(PCF006.deny) == 1 with input as git("http://github.com/acme/app") with data.settings.allowedSourceURLs as allow_list
	count(PCF006.deny) == 1 with input as git("ssh://git@github.com/other/app") with data.settings.allowedSourceURLs as allow_list
}

test_helm_and_oci_repositories_are_checked if {
	count(PCF006.deny) == 0 with input as source("HelmRepository", {"url": "https://charts.jetstack.io/"}) with data.settings.allowedSourceURLs as allow_list
	count(PCF006.deny) == 1 with input as source("HelmRepository", {"url": "https://charts.bitnami.com/bitnami"}) with data.settings.allowedSourceURLs as allow_list
	count(PCF006.deny) == 0 with input as source("OCIRepository", {"url": "oci://ghcr.io/acme/manifests/app"}) with data.settings.allowedSourceURLs as allow_list
	count(PCF006.deny) == 1 with input as source("OCIRepository", {"url": "oci://docker.io/acme/app"}) with data.settings.allowedSourceURLs as allow_list
}

test_bucket_location_is_endpoint_plus_bucket_name if {
	count(PCF006.deny) == 0 with input as source("Bucket", {"endpoint": "minio.example.com", "bucketName": "fleet"}) with data.settings.allowedSourceURLs as allow_list
	findings := PCF006.deny with input as source("Bucket", {"endpoint": "minio.example.com", "bucketName": "reports"}) with data.settings.allowedSourceURLs as allow_list
	count(findings) == 1
	some f in findings
	f.path == ["spec", "endpoint"]
	contains(f.msg, "\"https://minio.example.com/reports\"")
}

test_insecure_bucket_is_matched_as_http if {
	count(PCF006.deny) == 1 with input as source("Bucket", {"endpoint": "minio.example.com", "bucketName": "fleet", "insecure": true}) with data.settings.allowedSourceURLs as allow_list
	count(PCF006.deny) == 0 with input as source("Bucket", {"endpoint": "minio.example.com", "bucketName": "fleet", "insecure": true}) with data.settings.allowedSourceURLs as ["http://minio.example.com"]
}

test_bucket_endpoint_with_scheme_is_used_as_written if {
	count(PCF006.deny) == 0 with input as source("Bucket", {"endpoint": "https://acme.blob.core.windows.net/", "bucketName": "fleet"}) with data.settings.allowedSourceURLs as ["https://acme.blob.core.windows.net/fleet"]
}

test_bucket_without_bucket_name_is_matched_on_the_endpoint if {
	count(PCF006.deny) == 0 with input as source("Bucket", {"endpoint": "minio.example.com"}) with data.settings.allowedSourceURLs as ["https://minio.example.com"]
}

test_sources_without_a_url_are_left_alone if {
	count(PCF006.deny) == 0 with input as source("GitRepository", {"ref": {"tag": "v1"}}) with data.settings.allowedSourceURLs as allow_list
	count(PCF006.deny) == 0 with input as source("GitRepository", {"url": ""}) with data.settings.allowedSourceURLs as allow_list
}

test_other_kinds_are_not_checked if {
	doc := {"apiVersion": "argoproj.io/v1alpha1", "kind": "GitRepository", "metadata": {"name": "x"}, "spec": {"url": "https://gitlab.com/x"}}
	count(PCF006.deny) == 0 with input as {"document": doc} with data.settings.allowedSourceURLs as allow_list
}
