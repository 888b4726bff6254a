package portcullis.rules.PCF004_test

import data.portcullis.rules.PCF004

release(api_version, spec) := {"document": {
	"apiVersion": api_version,
	"kind": "HelmRelease",
	"metadata": {"name": "podinfo", "namespace": "apps"},
	"spec": spec,
}}

chart(chart_spec) := release("helm.toolkit.fluxcd.io/v2", {"interval": "10m", "chart": {"spec": chart_spec}})

from_helm_repository(version) := chart({"chart": "podinfo", "version": version, "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}})

version_path := ["spec", "chart", "spec", "version"]

test_missing_version_is_denied_at_the_would_be_field if {
	findings := PCF004.deny with input as chart({"chart": "podinfo", "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}})
	count(findings) == 1
	some f in findings
	f.path == version_path
	f.msg == "helm release \"podinfo\" does not pin a chart version, so the latest chart is installed"
}

test_empty_version_counts_as_missing if {
	some f in PCF004.deny with input as from_helm_repository("")
	contains(f.msg, "does not pin")
}

test_ranges_are_denied_at_the_version if {
	every version in ["*", "x", "6.x", "6.5.*", "6.X.X", "^6.5.0", "~6.5.0", "~>6.5", ">=6.0.0", ">6.0.0 <7.0.0", "<=6.7.1", "6.5.0 - 6.7.1", "6.5.0 || 6.7.1", "!=6.5.0", "6", "6.7", ">=1.0.0-alpha", "latest"] {
		findings := PCF004.deny with input as from_helm_repository(version)
		count(findings) == 1
		some f in findings
		f.path == version_path
		f.msg == sprintf("helm release \"podinfo\" accepts chart version %q, a range rather than one version", [version])
	}
}

test_exact_versions_are_allowed if {
	every version in ["6.7.1", "v6.7.1", "=6.7.1", " 6.7.1 ", "1.15.0-rc.1", "2.0.0-next.3", "1.0.0+build.7", "10.20.30-x.7.z.92"] {
		count(PCF004.deny) == 0 with input as from_helm_repository(version)
	}
}

test_every_api_version_is_checked if {
	every api_version in ["helm.toolkit.fluxcd.io/v2", "helm.toolkit.fluxcd.io/v2beta2", "helm.toolkit.fluxcd.io/v2beta1"] {
		count(PCF004.deny) == 1 with input as release(api_version, {"chart": {"spec": {"chart": "podinfo", "version": "*", "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}}})
	}
}

test_chart_ref_has_no_version_to_pin if {
	count(PCF004.deny) == 0 with input as release("helm.toolkit.fluxcd.io/v2", {"chartRef": {"kind": "OCIRepository", "name": "podinfo"}})
	count(PCF004.deny) == 0 with input as release("helm.toolkit.fluxcd.io/v2beta2", {"chartRef": {"kind": "HelmChart", "name": "podinfo"}})
}

test_version_is_ignored_for_git_and_bucket_charts if {
	every kind in ["GitRepository", "Bucket"] {
		count(PCF004.deny) == 0 with input as chart({"chart": "./charts/podinfo", "sourceRef": {"kind": kind, "name": "podinfo"}})
		count(PCF004.deny) == 0 with input as chart({"chart": "./charts/podinfo", "version": "*", "sourceRef": {"kind": kind, "name": "podinfo"}})
	}
}

test_source_without_kind_is_treated_as_helm_repository if {
	count(PCF004.deny) == 1 with input as chart({"chart": "podinfo", "sourceRef": {"name": "podinfo"}})
}

test_non_string_version_counts_as_not_pinned if {
	some f in PCF004.deny with input as from_helm_repository(6.7)
	f.path == version_path
}

test_release_without_chart_or_chart_ref_is_left_to_the_api_server if {
	count(PCF004.deny) == 0 with input as release("helm.toolkit.fluxcd.io/v2", {"interval": "10m"})
}

test_other_kinds_are_not_checked if {
	doc := {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmChart", "metadata": {"name": "podinfo"}, "spec": {"chart": "podinfo", "version": "*"}}
	count(PCF004.deny) == 0 with input as {"document": doc}
}
