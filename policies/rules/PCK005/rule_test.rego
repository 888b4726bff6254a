package portcullis.rules.PCK005_test

import data.portcullis.rules.PCK005

pod(spec) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}}

test_host_path_volume_is_denied_at_the_host_path_key if {
	findings := PCK005.deny with input as pod({"containers": [{"name": "a"}], "volumes": [
		{"name": "cfg", "configMap": {"name": "cfg"}},
		{"name": "docker", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}},
	]})
	count(findings) == 1
	some f in findings
	f.path == ["spec", "volumes", 1, "hostPath"]
	f.msg == `volume "docker" mounts the host path "/var/run/docker.sock"`
	object.get(f, "fix", null) == null
}

test_every_host_path_volume_is_reported if {
	doc := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": {"volumes": [
		{"name": "a", "hostPath": {"path": "/var/log"}},
		{"name": "b", "hostPath": {"path": "/"}},
	]}}}}
	findings := PCK005.deny with input as {"document": doc}
	{f.path | some f in findings} == {["spec", "template", "spec", "volumes", 0, "hostPath"], ["spec", "template", "spec", "volumes", 1, "hostPath"]}
}

test_host_path_without_a_path_is_still_reported if {
	some f in PCK005.deny with input as pod({"volumes": [{"name": "x", "hostPath": {}}]})
	f.msg == `volume "x" is a hostPath volume`
}

test_null_host_path_is_not_a_volume_source if {
	count(PCK005.deny) == 0 with input as pod({"volumes": [{"name": "x", "hostPath": null, "emptyDir": {}}]})
}

test_other_volume_types_are_allowed if {
	count(PCK005.deny) == 0 with input as pod({"volumes": [
		{"name": "a", "emptyDir": {}},
		{"name": "b", "persistentVolumeClaim": {"claimName": "data"}},
		{"name": "c", "projected": {"sources": []}},
	]})
}

test_cronjob_host_path_is_denied if {
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"volumes": [{"name": "h", "hostPath": {"path": "/etc"}}]}}}}}}
	some f in PCK005.deny with input as {"document": doc}
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "volumes", 0, "hostPath"]
}

test_persistent_volume_host_path_is_not_a_workload if {
	doc := {"apiVersion": "v1", "kind": "PersistentVolume", "spec": {"hostPath": {"path": "/data"}, "volumes": [{"name": "x", "hostPath": {"path": "/"}}]}}
	count(PCK005.deny) == 0 with input as {"document": doc}
}

test_volumes_of_the_wrong_type_are_ignored if {
	count(PCK005.deny) == 0 with input as pod({"volumes": "none"})
}

test_host_path_of_the_wrong_type_is_still_reported if {
	some f in PCK005.deny with input as pod({"volumes": [{"name": "x", "hostPath": "/etc"}]})
	f.path == ["spec", "volumes", 0, "hostPath"]
	f.msg == `volume "x" is a hostPath volume`
}

test_host_path_in_pod_template_is_denied if {
	doc := {"apiVersion": "v1", "kind": "PodTemplate", "template": {"spec": {"volumes": [{"name": "h", "hostPath": {"path": "/etc"}}]}}}
	some f in PCK005.deny with input as {"document": doc}
	f.path == ["template", "spec", "volumes", 0, "hostPath"]
}
