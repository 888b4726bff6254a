package portcullis.rules.PCK013_test

import data.portcullis.rules.PCK013

pod(containers) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": containers}}}

one(image) := pod([{"name": "a", "image": image}])

allow := ["ghcr.io/acme", "registry.example.com:5000", "docker.io/library", "quay.io"]

denied(image, registries) if {
	count(PCK013.deny) == 1 with input as one(image) with data.settings.allowedRegistries as registries
}

allowed(image, registries) if {
	count(PCK013.deny) == 0 with input as one(image) with data.settings.allowedRegistries as registries
}

test_no_allow_list_reports_nothing if {
	count(PCK013.deny) == 0 with input as one("evil.example.net/miner:1.0") with data.settings.allowedRegistries as []
}

test_default_settings_report_nothing if {
	count(PCK013.deny) == 0 with input as one("evil.example.net/miner:1.0")
}

test_foreign_registry_is_denied_at_the_image if {
	findings := PCK013.deny with input as one("evil.example.net/miner:1.0") with data.settings.allowedRegistries as allow
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "image"]
	f.msg == "container \"a\" uses image \"evil.example.net/miner:1.0\" from registry \"evil.example.net\", which is not in the allowed registries"
}

test_host_entry_allows_every_path_on_that_host if {
	allowed("quay.io/prometheus/node-exporter:v1.8.0", allow)
	allowed("quay.io/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", allow)
}

test_host_with_port_must_match_exactly if {
	allowed("registry.example.com:5000/team/app:2.0", allow)
	denied("registry.example.com/team/app:2.0", allow)
	denied("registry.example.com:5001/team/app:2.0", allow)
}

test_prefix_entry_respects_path_segments if {
	allowed("ghcr.io/acme/app:1.0", allow)
	allowed("ghcr.io/acme/team/app:1.0", allow)
	denied("ghcr.io/acme-evil/app:1.0", allow)
	denied("ghcr.io/other/app:1.0", allow)
}

test_prefix_entry_equal_to_the_repository_without_tag_is_allowed if {
	allowed("ghcr.io/acme:1.0", ["ghcr.io/acme"])
}

test_one_word_images_are_docker_hub_library if {
	allowed("nginx:1.27", allow)
	allowed("nginx", allow)
	allowed("docker.io/nginx:1.27", allow)
	allowed("index.docker.io/library/nginx:1.27", allow)
	denied("bitnami/nginx:1.27", allow)
}

test_docker_hub_user_images_need_docker_hub_entries if {
	findings := PCK013.deny with input as one("bitnami/nginx:1.27") with data.settings.allowedRegistries as allow
	some f in findings
	contains(f.msg, "from registry \"docker.io\"")
	allowed("bitnami/nginx:1.27", ["docker.io"])
	allowed("bitnami/nginx:1.27", ["index.docker.io/bitnami"])
}

test_first_segment_without_dot_or_port_is_not_a_registry if {
	# "acme/app" is docker.io/acme/app, not a registry called "acme".
	denied("acme/app:1.0", ["acme"])
}

test_localhost_is_a_registry if {
	allowed("localhost/app:1.0", ["localhost"])
	allowed("localhost:5000/app:1.0", ["localhost:5000"])
	denied("localhost:5000/app:1.0", ["docker.io"])
}

test_entries_are_normalised if {
	allowed("ghcr.io/acme/app:1.0", ["https://GHCR.io/acme/"])
	allowed("GHCR.IO/acme/app:1.0", ["ghcr.io"])
}

test_wildcard_host_entry_matches_one_label if {
	ecr := ["*.dkr.ecr.eu-west-1.amazonaws.com"]
	allowed("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.0", ecr)
	denied("a.b.dkr.ecr.eu-west-1.amazonaws.com/app:1.0", ecr)
	denied("dkr.ecr.eu-west-1.amazonaws.com.evil.net/app:1.0", ecr)
}

test_unresolved_registry_variable_is_denied_unless_listed if {
	findings := PCK013.deny with input as one("${REGISTRY}/app:1.0") with data.settings.allowedRegistries as allow
	some f in findings
	contains(f.msg, "from registry \"${registry}\"")
	allowed("${REGISTRY}/app:1.0", ["${registry}"])
}

test_every_container_list_and_cronjob_is_checked if {
	spec := {
		"initContainers": [{"name": "i", "image": "evil.example.net/i:1"}],
		"containers": [{"name": "c", "image": "ghcr.io/acme/c:1"}],
		"ephemeralContainers": [{"name": "e", "image": "evil.example.net/e:1"}],
	}
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}
	paths := {f.path | some f in PCK013.deny} with input as {"document": doc} with data.settings.allowedRegistries as allow
	paths == {
		["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "image"],
		["spec", "jobTemplate", "spec", "template", "spec", "ephemeralContainers", 0, "image"],
	}
}

test_deployment_path if {
	doc := {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "ok", "image": "quay.io/a:1"}, {"name": "bad", "image": "gcr.io/b/c:1"}]}}}}
	findings := PCK013.deny with input as {"document": doc} with data.settings.allowedRegistries as allow
	{f.path | some f in findings} == {["spec", "template", "spec", "containers", 1, "image"]}
}

test_missing_or_non_string_image_is_ignored if {
	count(PCK013.deny) == 0 with input as pod([{"name": "a"}, {"name": "b", "image": 42}, {"name": "c", "image": ""}]) with data.settings.allowedRegistries as allow
}

test_non_string_allow_list_entries_are_ignored if {
	denied("evil.example.net/x:1", [42, "", "quay.io"])
}

test_non_workloads_are_ignored if {
	doc := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"image": "evil.example.net/x:1"}}
	count(PCK013.deny) == 0 with input as {"document": doc} with data.settings.allowedRegistries as allow
}
