package portcullis.rules.PCA002_test

import data.portcullis.rules.PCA002

app(destination) := {"document": {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Application",
	"metadata": {"name": "cni", "namespace": "argocd"},
	"spec": {"project": "platform", "destination": destination},
}}

appset(destination) := {"document": {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "ApplicationSet",
	"metadata": {"name": "addons"},
	"spec": {"template": {"spec": {"project": "platform", "destination": destination}}},
}}

test_kube_system_destination_is_denied_at_the_field if {
	findings := PCA002.deny with input as app({"server": "https://kubernetes.default.svc", "namespace": "kube-system"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "destination", "namespace"]
	f.msg == "application \"cni\" deploys into the sensitive namespace \"kube-system\""
}

test_argocd_destination_is_denied if {
	some f in PCA002.deny with input as app({"name": "in-cluster", "namespace": "argocd"})
	f.path == ["spec", "destination", "namespace"]
}

test_applicationset_template_destination_is_denied if {
	findings := PCA002.deny with input as appset({"server": "{{server}}", "namespace": "kube-system"})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "spec", "destination", "namespace"]
}

test_ordinary_namespace_is_allowed if {
	count(PCA002.deny) == 0 with input as app({"server": "https://kubernetes.default.svc", "namespace": "web"})
}

test_missing_namespace_is_not_denied if {
	# Without a namespace the resources keep their own; there is nothing to judge here.
	count(PCA002.deny) == 0 with input as app({"server": "https://kubernetes.default.svc"})
	count(PCA002.deny) == 0 with input as {"document": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "x"}, "spec": {}}}
}

test_templated_namespace_is_allowed if {
	count(PCA002.deny) == 0 with input as appset({"server": "{{server}}", "namespace": "{{path.basename}}"})
}

test_configured_list_replaces_the_defaults if {
	findings := PCA002.deny with input as app({"namespace": "platform"}) with data.settings.argocdSensitiveNamespaces as ["platform"]
	count(findings) == 1
	count(PCA002.deny) == 0 with input as app({"namespace": "kube-system"}) with data.settings.argocdSensitiveNamespaces as ["platform"]
}

test_similar_namespace_names_are_allowed if {
	count(PCA002.deny) == 0 with input as app({"namespace": "kube-system-extras"})
	count(PCA002.deny) == 0 with input as app({"namespace": "argocd-apps"})
}

test_non_string_namespace_is_ignored if {
	count(PCA002.deny) == 0 with input as app({"namespace": ["kube-system"]})
}

test_appproject_destinations_are_not_this_rule if {
	doc := {"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "metadata": {"name": "p"}, "spec": {"destinations": [{"namespace": "kube-system", "server": "*"}]}}
	count(PCA002.deny) == 0 with input as {"document": doc}
}
