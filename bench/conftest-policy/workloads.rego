# Pod security and resource hygiene for workloads, written the way conftest users write them:
# Rego v0, package main, sprintf messages.
package main

import data.lib.kubernetes as k8s
import future.keywords.in

deny_privileged[msg] {
	c := k8s.containers[_]
	c.securityContext.privileged == true
	msg := sprintf("%s: container %s must not run privileged", [k8s.display, c.name])
}

deny_host_namespaces[msg] {
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	k8s.pod_spec[field] == true
	msg := sprintf("%s must not share the host's namespaces (%s)", [k8s.display, field])
}

# node-exporter reads the host's network and processes by design.
exception[rules] {
	input.kind == "DaemonSet"
	input.metadata.name == "node-exporter"
	rules := ["host_namespaces"]
}

runs_as_non_root(c) {
	c.securityContext.runAsNonRoot == true
}

runs_as_non_root(_) {
	k8s.pod_spec.securityContext.runAsNonRoot == true
}

deny[msg] {
	c := k8s.containers[_]
	not runs_as_non_root(c)
	msg := sprintf("%s: container %s must set runAsNonRoot", [k8s.display, c.name])
}

deny[msg] {
	c := k8s.containers[_]
	c.securityContext.allowPrivilegeEscalation == true
	msg := sprintf("%s: container %s allows privilege escalation", [k8s.display, c.name])
}

deny[msg] {
	c := k8s.containers[_]
	k8s.image_tag(c.image) == "latest"
	msg := sprintf("%s: container %s uses the mutable image %s", [k8s.display, c.name, c.image])
}

deny[msg] {
	c := k8s.pod_spec.containers[_]
	some resource in ["cpu", "memory"]
	not c.resources.limits[resource]
	msg := sprintf("%s: container %s has no %s limit", [k8s.display, c.name, resource])
}

warn[msg] {
	input.kind in k8s.long_running_kinds
	c := k8s.pod_spec.containers[_]
	not c.readinessProbe
	msg := sprintf("%s: container %s has no readinessProbe", [k8s.display, c.name])
}

warn[msg] {
	c := k8s.containers[_]
	env := c.env[_]
	regex.match(`(?i)(password|secret|token|api_?key)`, env.name)
	env.value
	msg := sprintf("%s: container %s sets %s in plain text; use a Secret", [k8s.display, c.name, env.name])
}
