# PCF004: a HelmRelease whose chart version is missing or a range upgrades itself whenever the repository publishes.
package portcullis.rules.PCF004

import data.portcullis.lib.flux
import data.portcullis.lib.k8s

version_path := ["spec", "chart", "spec", "version"]

chart_spec := object.get(flux.spec, ["chart", "spec"], {})

version := object.get(chart_spec, "version", "")

# One exact SemVer version, optionally written as the constraint `=X.Y.Z`. Partial versions
# (`1.2`, `1`) are ranges for Masterminds semver, which Flux uses.
exact_version := `^=?\s*v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`

# Only the chart template of a HelmRepository source has a version to pin: `spec.chartRef`
# points at an OCIRepository or HelmChart that pins on its own, and the version is ignored for
# charts read from a GitRepository or Bucket.
versioned_chart if {
	flux.is_helm_release
	not is_object(object.get(flux.spec, "chartRef", null))
	is_object(flux.spec.chart)
	not object.get(chart_spec, ["sourceRef", "kind"], "") in {"GitRepository", "Bucket"}
}

deny contains k8s.finding(version_path, msg) if {
	versioned_chart
	not flux.is_set(version)
	msg := sprintf("helm release %q does not pin a chart version, so the latest chart is installed", [flux.name])
}

deny contains k8s.finding(version_path, msg) if {
	versioned_chart
	flux.is_set(version)
	not regex.match(exact_version, trim_space(version))
	msg := sprintf("helm release %q accepts chart version %q, a range rather than one version", [flux.name, version])
}
