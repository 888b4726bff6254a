# A second namespace (`--namespace labels` or `--all-namespaces`), reading its list from --data.
package labels

import data.lib.kubernetes as k8s
import future.keywords.contains
import future.keywords.if
import future.keywords.in

warn contains msg if {
	k8s.is_workload
	some label in data.conventions.required_labels
	not input.metadata.labels[label]
	msg := sprintf("%s should carry the label %s", [k8s.display, label])
}
