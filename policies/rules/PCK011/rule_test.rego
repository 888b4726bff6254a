package portcullis.rules.PCK011_test

import data.portcullis.rules.PCK011

pod(containers) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": containers}}}

images(list) := pod([{"name": sprintf("c%d", [i]), "image": image} | some i, image in list])

digest := "sha256:0d5a1e5fb4e83e5a8cf9e7b3b9d46ef7c3c0a9ed0b2a6c43c3c6a11b2e9cf1a4"

test_image_without_a_tag_is_denied_at_the_image if {
	findings := PCK011.deny with input as pod([{"name": "web", "image": "nginx"}])
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "image"]
	f.msg == `container "web" uses image "nginx" without a tag`
	object.get(f, "fix", null) == null
}

test_latest_tag_is_denied if {
	some f in PCK011.deny with input as pod([{"name": "web", "image": "docker.io/library/nginx:latest"}])
	f.msg == `container "web" uses image "docker.io/library/nginx:latest" with the latest tag`
}

test_registry_port_is_not_a_tag if {
	findings := PCK011.deny with input as images(["registry:5000/app", "localhost:5000/team/app:latest"])
	{f.msg | some f in findings} == {
		`container "c0" uses image "registry:5000/app" without a tag`,
		`container "c1" uses image "localhost:5000/team/app:latest" with the latest tag`,
	}
}

test_tagged_images_are_allowed if {
	count(PCK011.deny) == 0 with input as images([
		"nginx:1.27.2",
		"registry:5000/app:v1",
		"ghcr.io/org/team/app:2024.10.01-abc123",
		"app:latest-alpine",
		"app:stable",
	])
}

test_digest_pinned_images_are_allowed_whatever_their_tag if {
	count(PCK011.deny) == 0 with input as images([
		concat("@", ["app", digest]),
		concat("@", ["app:latest", digest]),
		concat("@", ["registry:5000/app", digest]),
	])
}

test_malformed_digest_does_not_pin if {
	findings := PCK011.deny with input as images(["app:latest@sha256:abc", "app@sha256:abc"])
	count(findings) == 2
}

test_empty_tag_counts_as_no_tag if {
	some f in PCK011.deny with input as images(["app:"])
	f.msg == `container "c0" uses image "app:" without a tag`
}

test_latest_is_case_sensitive if {
	# Tags are case-sensitive: "Latest" is an ordinary tag, not the floating default.
	count(PCK011.deny) == 0 with input as images(["app:Latest"])
}

test_missing_empty_or_non_string_image_is_ignored if {
	count(PCK011.deny) == 0 with input as pod([{"name": "a"}, {"name": "b", "image": ""}, {"name": "c", "image": 7}, {"name": "d", "image": null}])
}

test_every_container_list_is_checked if {
	doc := {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": {
		"initContainers": [{"name": "i", "image": "busybox"}],
		"containers": [{"name": "c", "image": "app:1.0"}],
		"ephemeralContainers": [{"name": "e", "image": "busybox:latest"}],
	}}}}
	findings := PCK011.deny with input as {"document": doc}
	{f.path | some f in findings} == {
		["spec", "template", "spec", "initContainers", 0, "image"],
		["spec", "template", "spec", "ephemeralContainers", 0, "image"],
	}
}

test_cronjob_path if {
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "t", "image": "task"}]}}}}}}
	some f in PCK011.deny with input as {"document": doc}
	f.path == ["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "image"]
}

test_non_workload_is_ignored if {
	count(PCK011.deny) == 0 with input as {"document": {"apiVersion": "v1", "kind": "ConfigMap", "data": {"image": "nginx"}}}
}
