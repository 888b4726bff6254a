# PCK015: the remaining Pod Security Standards baseline controls: unsafe sysctls, unmasked /proc,
# AppArmor unconfined, SELinux type/user/role, Windows HostProcess.
package portcullis.rules.PCK015

import data.portcullis.lib.k8s
import data.portcullis.lib.workloads

default_sysctls := [
	"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
	"net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
]

default_selinux_types := ["container_t", "container_init_t", "container_kvm_t", "container_engine_t"]

allowed_sysctls := object.get(data.settings, "allowedSysctls", default_sysctls)

allowed_selinux_types := object.get(data.settings, "allowedSELinuxTypes", default_selinux_types)

pod_security_context_path := array.concat(k8s.pod_spec_path, ["securityContext"])

# Every security context that can carry AppArmor, SELinux and Windows options: the pod's and each
# container's, with its path and the words that name it in a message.
contexts contains {"path": pod_security_context_path, "sc": sc, "who": workloads.pod_owner} if {
	sc := k8s.pod_spec.securityContext
	is_object(sc)
}

contexts contains {"path": array.concat(c.path, ["securityContext"]), "sc": sc, "who": sprintf("container %q", [c.name])} if {
	some c in k8s.containers
	sc := c.container.securityContext
	is_object(sc)
}

# Sysctls are pod-level only.
deny contains k8s.finding(path, msg) if {
	sysctls := object.get(k8s.pod_spec, ["securityContext", "sysctls"], [])
	is_array(sysctls)
	some i, s in sysctls
	sysctl := s.name
	is_string(sysctl)
	not sysctl_allowed(sysctl)
	path := array.concat(pod_security_context_path, ["sysctls", i, "name"])
	msg := sprintf("%s sets sysctl %q, which is not in the allowed sysctls", [workloads.pod_owner, sysctl])
}

deny contains k8s.finding(path, msg) if {
	some c in k8s.containers
	c.container.securityContext.procMount == "Unmasked"
	path := array.concat(c.path, ["securityContext", "procMount"])
	msg := sprintf("container %q sets procMount to Unmasked", [c.name])
}

deny contains k8s.finding(path, msg) if {
	some ctx in contexts
	ctx.sc.appArmorProfile.type == "Unconfined"
	path := array.concat(ctx.path, ["appArmorProfile", "type"])
	msg := sprintf("%s runs with the AppArmor profile Unconfined", [ctx.who])
}

apparmor_prefix := "container.apparmor.security.beta.kubernetes.io/"

deny contains k8s.finding(path, msg) if {
	k8s.is_workload
	annotations := object.get(k8s.doc, array.concat(k8s.pod_metadata_path, ["annotations"]), {})
	is_object(annotations)
	some key, value in annotations
	startswith(key, apparmor_prefix)
	value == "unconfined"
	path := array.concat(k8s.pod_metadata_path, ["annotations", key])
	msg := sprintf("container %q runs unconfined by AppArmor through the annotation %q", [trim_prefix(key, apparmor_prefix), key])
}

deny contains k8s.finding(path, msg) if {
	some ctx in contexts
	selinux_type := ctx.sc.seLinuxOptions.type
	is_string(selinux_type)
	selinux_type != ""
	not selinux_type in allowed_selinux_types
	path := array.concat(ctx.path, ["seLinuxOptions", "type"])
	msg := sprintf("%s uses SELinux type %q, which is not in the allowed types", [ctx.who, selinux_type])
}

deny contains k8s.finding(path, msg) if {
	some ctx in contexts
	some field in ["user", "role"]
	value := ctx.sc.seLinuxOptions[field]
	is_string(value)
	value != ""
	path := array.concat(ctx.path, ["seLinuxOptions", field])
	msg := sprintf("%s sets the SELinux %s %q", [ctx.who, field, value])
}

deny contains k8s.finding(path, msg) if {
	some ctx in contexts
	ctx.sc.windowsOptions.hostProcess == true
	path := array.concat(ctx.path, ["windowsOptions", "hostProcess"])
	msg := sprintf("%s runs as a Windows HostProcess container", [ctx.who])
}

# Kubernetes also accepts "/" as the separator when it comes first ("kernel/shm_rmid_forced"); a
# "." inside a segment is then written "/" in the dotted form, so the two are swapped.
canonical(s) := concat(".", [replace(part, ".", "/") | some part in split(s, "/")]) if regex.match(`^[^./]*/`, s)

canonical(s) := s if not regex.match(`^[^./]*/`, s)

sysctl_allowed(s) if canonical(s) in allowed_sysctls

# An entry ending in "*" allows a prefix, as the kubelet's --allowed-unsafe-sysctls does.
sysctl_allowed(s) if {
	some entry in allowed_sysctls
	is_string(entry)
	endswith(entry, "*")
	startswith(canonical(s), trim_suffix(entry, "*"))
}
