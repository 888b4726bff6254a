package portcullis.rules.PCF002_test

import data.portcullis.rules.PCF002

source(api_version, kind, spec) := {"document": {
	"apiVersion": api_version,
	"kind": kind,
	"metadata": {"name": "charts", "namespace": "flux-system"},
	"spec": spec,
}}

test_git_repository_with_http_url_is_denied_at_the_url if {
	findings := PCF002.deny with input as source("source.toolkit.fluxcd.io/v1", "GitRepository", {"url": "http://git.example.com/app.git"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "url"]
	f.msg == "source \"charts\" fetches from \"http://git.example.com/app.git\" over plain HTTP, without TLS"
}

test_http_scheme_is_matched_case_insensitively if {
	findings := PCF002.deny with input as source("source.toolkit.fluxcd.io/v1beta2", "HelmRepository", {"url": "  HTTP://charts.example.com"})
	some f in findings
	f.path == ["spec", "url"]
}

test_every_source_kind_and_version_with_http_url_is_denied if {
	every api_version in ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2", "source.toolkit.fluxcd.io/v1beta1"] {
		every kind in ["GitRepository", "HelmRepository", "OCIRepository"] {
			count(PCF002.deny) == 1 with input as source(api_version, kind, {"url": "http://example.com/x"})
		}
	}
}

test_bucket_with_http_endpoint_is_denied_at_the_endpoint if {
	findings := PCF002.deny with input as source("source.toolkit.fluxcd.io/v1", "Bucket", {"bucketName": "b", "endpoint": "http://store.blob.core.windows.net"})
	some f in findings
	f.path == ["spec", "endpoint"]
}

test_insecure_oci_repository_is_denied_at_insecure if {
	findings := PCF002.deny with input as source("source.toolkit.fluxcd.io/v1beta2", "OCIRepository", {"url": "oci://registry:5000/app", "insecure": true})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "insecure"]
}

test_insecure_bucket_is_denied if {
	findings := PCF002.deny with input as source("source.toolkit.fluxcd.io/v1", "Bucket", {"bucketName": "b", "endpoint": "minio:9000", "insecure": true})
	some f in findings
	f.path == ["spec", "insecure"]
}

test_insecure_oci_helm_repository_is_denied if {
	findings := PCF002.deny with input as source("source.toolkit.fluxcd.io/v1", "HelmRepository", {"type": "oci", "url": "oci://registry:5000/charts", "insecure": true})
	some f in findings
	f.path == ["spec", "insecure"]
}

test_insecure_is_ignored_on_an_https_helm_index if {
	# Flux reads `insecure` only for `type: oci`; the HTTPS index is still fetched over TLS.
	count(PCF002.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "HelmRepository", {"url": "https://charts.example.com", "insecure": true})
}

test_http_url_and_insecure_give_two_findings if {
	findings := PCF002.deny with input as source("source.toolkit.fluxcd.io/v1", "HelmRepository", {"type": "oci", "url": "http://registry:5000", "insecure": true})
	{f.path | some f in findings} == {["spec", "url"], ["spec", "insecure"]}
}

test_tls_sources_are_allowed if {
	count(PCF002.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "GitRepository", {"url": "https://github.com/acme/app"})
	count(PCF002.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "GitRepository", {"url": "ssh://git@github.com/acme/app"})
	count(PCF002.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "HelmRepository", {"type": "oci", "url": "oci://ghcr.io/acme/charts"})
	count(PCF002.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "OCIRepository", {"url": "oci://ghcr.io/acme/app", "insecure": false})
	count(PCF002.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "Bucket", {"bucketName": "b", "endpoint": "s3.amazonaws.com"})
}

test_string_insecure_is_not_true if {
	# The CRD types `insecure` as a boolean; the API server refuses the string.
	count(PCF002.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "OCIRepository", {"url": "oci://ghcr.io/acme/app", "insecure": "true"})
}

test_non_string_url_is_ignored if {
	count(PCF002.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "GitRepository", {"url": ["http://example.com"]})
}

test_other_groups_are_not_checked if {
	count(PCF002.deny) == 0 with input as source("example.com/v1", "GitRepository", {"url": "http://example.com"})
	count(PCF002.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "HelmChart", {"url": "http://example.com"})
}
