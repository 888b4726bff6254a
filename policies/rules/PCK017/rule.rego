# PCK017: the pod template lacks a label the organisation requires (requiredLabels).
package portcullis.rules.PCK017

import data.portcullis.lib.k8s
import data.portcullis.lib.workloads

required_labels contains label if {
	some label in object.get(data.settings, "requiredLabels", ["app.kubernetes.io/name"])
	is_string(label)
	label != ""
}

labels := l if {
	l := object.get(k8s.doc, array.concat(k8s.pod_metadata_path, ["labels"]), {})
	is_object(l)
} else := {}

deny contains k8s.finding(path, msg) if {
	workloads.has_pod_spec
	some label in required_labels
	not label in object.keys(labels)
	path := array.concat(k8s.pod_metadata_path, ["labels", label])
	msg := sprintf("%s lacks the required label %q", [workloads.pod_owner, label])
}

deny contains k8s.finding(path, msg) if {
	workloads.has_pod_spec
	some label in required_labels
	labels[label] in {null, ""}
	path := array.concat(k8s.pod_metadata_path, ["labels", label])
	msg := sprintf("%s has an empty value for the required label %q", [workloads.pod_owner, label])
}
