package portcullis.rules.PCK012_test

import data.portcullis.rules.PCK012

pod(containers) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": containers}}}

images(list) := pod([{"name": sprintf("c%d", [i]), "image": image} | some i, image in list])

sha256 := "sha256:0d5a1e5fb4e83e5a8cf9e7b3b9d46ef7c3c0a9ed0b2a6c43c3c6a11b2e9cf1a4"

test_tagged_image_is_reported_at_the_image if {
	findings := PCK012.deny with input as pod([{"name": "web", "image": "nginx:1.27.2"}])
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "image"]
	f.msg == `container "web" uses image "nginx:1.27.2" that is not pinned by digest`
	object.get(f, "fix", null) == null
}

test_untagged_and_latest_images_are_reported if {
	count(PCK012.deny) == 2 with input as images(["nginx", "nginx:latest"])
}

test_digest_pinned_images_are_allowed if {
	count(PCK012.deny) == 0 with input as images([
		concat("@", ["nginx", sha256]),
		concat("@", ["nginx:1.27.2", sha256]),
		concat("@", ["registry.example.com:5000/team/app:latest", sha256]),
	])
}

test_sha512_digest_pins if {
	count(PCK012.deny) == 0 with input as images([concat("", ["app@sha512:", concat("", [x | some _ in numbers.range(1, 128); x := "a"])])])
}

test_malformed_digest_does_not_pin if {
	count(PCK012.deny) == 3 with input as images([
		"app@sha256:abc",
		"app@sha256:0D5A1E5FB4E83E5A8CF9E7B3B9D46EF7C3C0A9ED0B2A6C43C3C6A11B2E9CF1A4",
		"app@md5:0d5a1e5fb4e83e5a8cf9e7b3b9d46ef7",
	])
}

test_every_container_list_is_checked if {
	doc := {"apiVersion": "apps/v1", "kind": "DaemonSet", "spec": {"template": {"spec": {
		"initContainers": [{"name": "i", "image": "busybox:1.36"}],
		"containers": [{"name": "c", "image": concat("@", ["app", sha256])}],
		"ephemeralContainers": [{"name": "e", "image": "busybox:1.36"}],
	}}}}
	findings := PCK012.deny with input as {"document": doc}
	{f.path | some f in findings} == {
		["spec", "template", "spec", "initContainers", 0, "image"],
		["spec", "template", "spec", "ephemeralContainers", 0, "image"],
	}
}

test_cronjob_path if {
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "t", "image": "task:1"}]}}}}}}
	some f in PCK012.deny with input as {"document": doc}
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "image"]
}

test_missing_empty_or_non_string_image_is_ignored if {
	count(PCK012.deny) == 0 with input as pod([{"name": "a"}, {"name": "b", "image": ""}, {"name": "c", "image": ["x"]}])
}

test_non_workload_is_ignored if {
	count(PCK012.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "ConfigMap", "data": {"image": "nginx:1"}}}
}
