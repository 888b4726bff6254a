# PCK021: a long-running container without a liveness or readiness probe.
package portcullis.rules.PCK021

import data.portcullis.lib.k8s

# Jobs and CronJobs run to completion; so does a bare Pod whose restartPolicy is not Always.
# A PodTemplate runs nothing itself: whoever uses it decides how long its pods live.
long_running if {
	k8s.is_workload
	not k8s.kind in {"Job", "CronJob", "PodTemplate"}
	not run_to_completion_pod
}

run_to_completion_pod if {
	k8s.kind == "Pod"
	k8s.pod_spec.restartPolicy in {"Never", "OnFailure"}
}

deny contains k8s.finding(path, msg) if {
	long_running
	some c in k8s.app_containers
	some probe in ["livenessProbe", "readinessProbe"]
	object.get(c.container, probe, null) == null
	path := array.concat(c.path, [probe])
	msg := sprintf("container %q has no %s", [c.name, probe])
}
