# Helpers shared by the workload rules (PCK013-PCK023): how a message names the object and its pod.
package portcullis.lib.workloads

import data.portcullis.lib.k8s

# The object's name, "" when it has none (generateName, kustomize patches without one).
name := object.get(k8s.doc, ["metadata", "name"], "")

# The words that name the pod in a message: `pod "p"` for a bare Pod, otherwise
# `pod template of Deployment "web"`.
pod_owner := sprintf("pod %q", [name]) if k8s.kind == "Pod"

pod_owner := sprintf("pod template of %s %q", [k8s.kind, name]) if {
	k8s.is_workload
	k8s.kind != "Pod"
}

# The workload carries a pod spec of its own (an Argo Rollout with workloadRef does not).
has_pod_spec if is_object(object.get(k8s.doc, k8s.pod_spec_path, null))
