# PCP003: an admission webhook that fails open: when it is down or times out, the API server
# admits the request unchecked.
package portcullis.rules.PCP003

import data.portcullis.lib.k8s

doc := input.document

is_webhook_configuration if {
	is_string(doc.apiVersion)
	startswith(doc.apiVersion, "admissionregistration.k8s.io/")
	doc.kind in {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"}
}

name := object.get(doc, ["metadata", "name"], "")

webhooks contains [i, hook] if {
	is_webhook_configuration
	some i, hook in doc.webhooks
	is_object(hook)
}

hook_name(hook) := hook.name if is_string(hook.name)

hook_name(hook) := "" if not is_string(object.get(hook, "name", null))

deny contains k8s.finding(["webhooks", i, "failurePolicy"], msg) if {
	some [i, hook] in webhooks
	hook.failurePolicy == "Ignore"
	msg := sprintf("webhook %q of %s %q fails open (failurePolicy: Ignore)", [hook_name(hook), doc.kind, name])
}

# admissionregistration.k8s.io/v1beta1 (removed in Kubernetes 1.22) defaulted failurePolicy to
# Ignore; v1 defaults it to Fail.
deny contains k8s.finding(["webhooks", i, "failurePolicy"], msg) if {
	doc.apiVersion == "admissionregistration.k8s.io/v1beta1"
	some [i, hook] in webhooks
	object.get(hook, "failurePolicy", null) == null
	msg := sprintf("webhook %q of %s %q fails open (v1beta1 defaults failurePolicy to Ignore)", [hook_name(hook), doc.kind, name])
}
