package portcullis.rules.PCP003_test

import data.portcullis.rules.PCP003

config(kind, version, hooks) := {"document": {"apiVersion": concat("/", ["admissionregistration.k8s.io", version]), "kind": kind, "metadata": {"name": "policy-hooks"}, "webhooks": hooks}}

hook(name, extra) := object.union({"name": name, "clientConfig": {"service": {"name": "svc", "namespace": "policy"}}, "sideEffects": "None", "admissionReviewVersions": ["v1"]}, extra)

test_ignore_is_denied_at_the_field if {
	findings := PCP003.deny with input as config("ValidatingWebhookConfiguration", "v1", [hook("a.acme.io", {"failurePolicy": "Fail"}), hook("b.acme.io", {"failurePolicy": "Ignore"})])
	count(findings) == 1
	some f in findings
	f.path == ["webhooks", 1, "failurePolicy"]
	f.msg == "webhook \"b.acme.io\" of ValidatingWebhookConfiguration \"policy-hooks\" fails open (failurePolicy: Ignore)"
}

test_mutating_webhook_is_checked if {
	some f in PCP003.deny with input as config("MutatingWebhookConfiguration", "v1", [hook("m.acme.io", {"failurePolicy": "Ignore"})])
	f.path == ["webhooks", 0, "failurePolicy"]
}

test_fail_and_v1_default_are_allowed if {
	count(PCP003.deny) == 0 with input as config("ValidatingWebhookConfiguration", "v1", [hook("a.acme.io", {"failurePolicy": "Fail"}), hook("b.acme.io", {})])
}

test_v1beta1_missing_failure_policy_defaults_to_ignore if {
	findings := PCP003.deny with input as config("ValidatingWebhookConfiguration", "v1beta1", [hook("a.acme.io", {})])
	count(findings) == 1
	some f in findings
	f.path == ["webhooks", 0, "failurePolicy"]
	contains(f.msg, "v1beta1 defaults failurePolicy to Ignore")
}

test_v1beta1_explicit_fail_is_allowed if {
	count(PCP003.deny) == 0 with input as config("MutatingWebhookConfiguration", "v1beta1", [hook("a.acme.io", {"failurePolicy": "Fail"})])
}

test_each_ignoring_webhook_is_reported if {
	findings := PCP003.deny with input as config("ValidatingWebhookConfiguration", "v1", [hook("a", {"failurePolicy": "Ignore"}), hook("b", {"failurePolicy": "Ignore"})])
	{f.path | some f in findings} == {["webhooks", 0, "failurePolicy"], ["webhooks", 1, "failurePolicy"]}
}

test_other_spellings_are_not_ignore if {
	# The API server accepts only Ignore and Fail.
	count(PCP003.deny) == 0 with input as config("ValidatingWebhookConfiguration", "v1", [hook("a", {"failurePolicy": "ignore"})])
}

test_other_kinds_are_ignored if {
	doc := {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy", "metadata": {"name": "p"}, "spec": {"failurePolicy": "Ignore"}}
	count(PCP003.deny) == 0 with input as {"document": doc}
}

test_wrong_types_are_ignored if {
	count(PCP003.deny) == 0 with input as config("ValidatingWebhookConfiguration", "v1", "none")
	count(PCP003.deny) == 0 with input as config("ValidatingWebhookConfiguration", "v1", ["x"])
}
