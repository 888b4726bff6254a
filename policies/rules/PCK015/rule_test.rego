package portcullis.rules.PCK015_test

import data.portcullis.rules.PCK015

pod(spec) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}}

deployment(template) := {"document": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"template": template}}}

paths(inp) := ps if {
	ps := {f.path | some f in PCK015.deny} with input as inp
}

test_unsafe_sysctl_is_denied_at_its_name if {
	spec := {"securityContext": {"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}, {"name": "kernel.msgmax", "value": "65536"}]}, "containers": [{"name": "a"}]}
	findings := PCK015.deny with input as deployment({"spec": spec})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "spec", "securityContext", "sysctls", 1, "name"]
	f.msg == "pod template of Deployment \"web\" sets sysctl \"kernel.msgmax\", which is not in the allowed sysctls"
}

test_safe_sysctls_are_allowed if {
	spec := {"securityContext": {"sysctls": [
		{"name": "kernel.shm_rmid_forced", "value": "0"},
		{"name": "net.ipv4.ip_local_port_range", "value": "1024 65535"},
		{"name": "net.ipv4.ip_unprivileged_port_start", "value": "80"},
	]}}
	count(PCK015.deny) == 0 with input as pod(spec)
}

test_slash_separated_sysctl_names_are_normalised if {
	count(PCK015.deny) == 0 with input as pod({"securityContext": {"sysctls": [{"name": "net/ipv4/tcp_syncookies", "value": "1"}]}})
	paths(pod({"securityContext": {"sysctls": [{"name": "kernel/msgmax", "value": "1"}]}})) == {["spec", "securityContext", "sysctls", 0, "name"]}
}

test_sysctl_allow_list_comes_from_settings_and_supports_prefixes if {
	spec := {"securityContext": {"sysctls": [{"name": "kernel.msgmax", "value": "1"}, {"name": "net.core.somaxconn", "value": "1024"}]}}
	count(PCK015.deny) == 0 with input as pod(spec) with data.settings.allowedSysctls as ["kernel.msg*", "net.core.somaxconn"]
	count(PCK015.deny) == 2 with input as pod(spec) with data.settings.allowedSysctls as []
}

test_proc_mount_unmasked_is_denied_per_container if {
	spec := {"containers": [{"name": "a", "securityContext": {"procMount": "Unmasked"}}, {"name": "b", "securityContext": {"procMount": "Default"}}]}
	findings := PCK015.deny with input as pod(spec)
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "securityContext", "procMount"]
	f.msg == "container \"a\" sets procMount to Unmasked"
}

test_apparmor_unconfined_at_pod_and_container_level if {
	spec := {
		"securityContext": {"appArmorProfile": {"type": "Unconfined"}},
		"initContainers": [{"name": "i", "securityContext": {"appArmorProfile": {"type": "Unconfined"}}}],
		"containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}],
	}
	paths(deployment({"spec": spec})) == {
		["spec", "template", "spec", "securityContext", "appArmorProfile", "type"],
		["spec", "template", "spec", "initContainers", 0, "securityContext", "appArmorProfile", "type"],
	}
}

test_apparmor_localhost_and_runtime_default_are_allowed if {
	spec := {"securityContext": {"appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-web"}}, "containers": [{"name": "a", "securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}}}]}
	count(PCK015.deny) == 0 with input as pod(spec)
}

test_legacy_apparmor_annotation_unconfined_is_denied_on_the_annotation if {
	template := {
		"metadata": {"annotations": {
			"container.apparmor.security.beta.kubernetes.io/web": "unconfined",
			"container.apparmor.security.beta.kubernetes.io/sidecar": "runtime/default",
			"container.apparmor.security.beta.kubernetes.io/tool": "localhost/k8s-tool",
		}},
		"spec": {"containers": [{"name": "web"}, {"name": "sidecar"}, {"name": "tool"}]},
	}
	findings := PCK015.deny with input as deployment(template)
	count(findings) == 1
	some f in findings
	f.path == ["spec", "template", "metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/web"]
	f.msg == "container \"web\" runs unconfined by AppArmor through the annotation \"container.apparmor.security.beta.kubernetes.io/web\""
}

test_legacy_apparmor_annotation_on_a_bare_pod if {
	doc := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}}, "spec": {"containers": [{"name": "a"}]}}
	paths({"document": doc}) == {["metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/a"]}
}

test_apparmor_annotation_on_the_deployment_itself_is_ignored if {
	# Only the pod template's annotations reach the pod.
	doc := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}
	count(PCK015.deny) == 0 with input as {"document": doc}
}

test_selinux_type_outside_the_allowed_set_is_denied if {
	spec := {
		"securityContext": {"seLinuxOptions": {"type": "spc_t"}},
		"containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"type": "container_t", "level": "s0:c123,c456"}}}],
	}
	findings := PCK015.deny with input as pod(spec)
	count(findings) == 1
	some f in findings
	f.path == ["spec", "securityContext", "seLinuxOptions", "type"]
	f.msg == "pod \"p\" uses SELinux type \"spc_t\", which is not in the allowed types"
}

test_selinux_allowed_types_come_from_settings if {
	spec := {"containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"type": "my_app_t"}}}]}
	count(PCK015.deny) == 1 with input as pod(spec)
	count(PCK015.deny) == 0 with input as pod(spec) with data.settings.allowedSELinuxTypes as ["my_app_t"]
}

test_selinux_user_and_role_are_denied if {
	spec := {"containers": [{"name": "a", "securityContext": {"seLinuxOptions": {"user": "system_u", "role": "system_r", "type": ""}}}]}
	paths(pod(spec)) == {
		["spec", "containers", 0, "securityContext", "seLinuxOptions", "user"],
		["spec", "containers", 0, "securityContext", "seLinuxOptions", "role"],
	}
}

test_selinux_level_only_is_allowed if {
	spec := {"securityContext": {"seLinuxOptions": {"level": "s0:c1,c2", "user": "", "role": ""}}, "containers": [{"name": "a"}]}
	count(PCK015.deny) == 0 with input as pod(spec)
}

test_windows_host_process_is_denied_at_pod_and_container_level if {
	spec := {
		"securityContext": {"windowsOptions": {"hostProcess": true, "runAsUserName": "NT AUTHORITY\\SYSTEM"}},
		"containers": [{"name": "a", "securityContext": {"windowsOptions": {"hostProcess": true}}}, {"name": "b", "securityContext": {"windowsOptions": {"hostProcess": false}}}],
	}
	paths(pod(spec)) == {
		["spec", "securityContext", "windowsOptions", "hostProcess"],
		["spec", "containers", 0, "securityContext", "windowsOptions", "hostProcess"],
	}
}

test_cronjob_paths if {
	spec := {"securityContext": {"sysctls": [{"name": "vm.swappiness", "value": "10"}]}, "containers": [{"name": "t", "securityContext": {"procMount": "Unmasked"}}]}
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}
	paths({"document": doc}) == {
		["spec", "jobTemplate", "spec", "template", "spec", "securityContext", "sysctls", 0, "name"],
		["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "securityContext", "procMount"],
	}
}

test_missing_and_malformed_fields_are_ignored if {
	count(PCK015.deny) == 0 with input as pod({"containers": [{"name": "a"}]})
	count(PCK015.deny) == 0 with input as pod({"securityContext": "x", "containers": [{"name": "a", "securityContext": null}]})
	count(PCK015.deny) == 0 with input as pod({"securityContext": {"sysctls": [{"value": "1"}], "windowsOptions": {"hostProcess": "true"}}})
	count(PCK015.deny) == 0 with input as pod({"securityContext": {"sysctls": {"x": {"name": "kernel.msgmax"}}}})
}

test_non_workloads_are_ignored if {
	doc := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}}}
	count(PCK015.deny) == 0 with input as {"document": doc}
}
