# A third namespace: Flux and Argo CD objects.
package gitops

import future.keywords.if
import future.keywords.in

deny[msg] {
	input.kind == "HelmRelease"
	chart := input.spec.chart.spec
	not chart.version
	msg := sprintf("HelmRelease %s must pin the version of chart %s", [input.metadata.name, chart.chart])
}

deny[msg] {
	input.kind in {"GitRepository", "HelmRepository", "OCIRepository"}
	startswith(input.spec.url, "http://")
	msg := sprintf("%s %s fetches over plain HTTP: %s", [input.kind, input.metadata.name, input.spec.url])
}

warn[msg] {
	input.kind == "Kustomization"
	startswith(input.apiVersion, "kustomize.toolkit.fluxcd.io/")
	not input.spec.prune
	msg := sprintf("Flux Kustomization %s does not prune what it no longer applies", [input.metadata.name])
}

warn[msg] {
	input.kind == "Application"
	input.spec.source.targetRevision in {"HEAD", "main", "master"}
	msg := sprintf("Argo CD Application %s follows the branch %s", [input.metadata.name, input.spec.source.targetRevision])
}
