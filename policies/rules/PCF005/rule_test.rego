package portcullis.rules.PCF005_test

import data.portcullis.rules.PCF005

source(api_version, kind, spec) := {"document": {
	"apiVersion": api_version,
	"kind": kind,
	"metadata": {"name": "app", "namespace": "apps"},
	"spec": spec,
}}

test_oci_repository_without_verify_is_a_warning_at_verify if {
	findings := PCF005.deny with input as source("source.toolkit.fluxcd.io/v1", "OCIRepository", {"url": "oci://ghcr.io/acme/app"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "verify"]
	f.msg == "source \"app\" pulls OCI artifacts without verifying their signatures (no spec.verify)"
	object.get(f, "severity", "warning") == "warning"
}

test_git_repository_without_verify_is_a_notice_at_verify if {
	findings := PCF005.deny with input as source("source.toolkit.fluxcd.io/v1", "GitRepository", {"url": "https://github.com/acme/app"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "verify"]
	f.severity == "notice"
	f.msg == "source \"app\" does not verify commit or tag signatures (no spec.verify)"
}

test_every_api_version_is_checked if {
	every api_version in ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2"] {
		count(PCF005.deny) == 1 with input as source(api_version, "OCIRepository", {"url": "oci://ghcr.io/acme/app"})
	}
	every api_version in ["source.toolkit.fluxcd.io/v1", "source.toolkit.fluxcd.io/v1beta2", "source.toolkit.fluxcd.io/v1beta1"] {
		count(PCF005.deny) == 1 with input as source(api_version, "GitRepository", {"url": "https://github.com/acme/app"})
	}
}

test_null_or_non_object_verify_is_not_verification if {
	some f in PCF005.deny with input as source("source.toolkit.fluxcd.io/v1", "OCIRepository", {"url": "oci://ghcr.io/acme/app", "verify": null})
	f.path == ["spec", "verify"]
	count(PCF005.deny) == 1 with input as source("source.toolkit.fluxcd.io/v1", "GitRepository", {"verify": "HEAD"})
}

test_document_without_spec_is_denied if {
	doc := {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "OCIRepository", "metadata": {"name": "app"}}
	some f in PCF005.deny with input as {"document": doc}
	f.path == ["spec", "verify"]
}

test_verified_sources_are_allowed if {
	count(PCF005.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "OCIRepository", {"url": "oci://ghcr.io/acme/app", "verify": {"provider": "cosign", "secretRef": {"name": "cosign-pub"}}})
	count(PCF005.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "OCIRepository", {"url": "oci://ghcr.io/acme/app", "verify": {"provider": "cosign", "matchOIDCIdentity": [{"issuer": ".*", "subject": ".*"}]}})
	count(PCF005.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "GitRepository", {"url": "https://github.com/acme/app", "verify": {"mode": "HEAD", "secretRef": {"name": "pgp-keys"}}})
}

test_other_sources_are_not_checked if {
	count(PCF005.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "HelmRepository", {"url": "https://charts.example.com"})
	count(PCF005.deny) == 0 with input as source("source.toolkit.fluxcd.io/v1", "Bucket", {"endpoint": "s3.amazonaws.com"})
	count(PCF005.deny) == 0 with input as source("example.com/v1", "OCIRepository", {})
}
