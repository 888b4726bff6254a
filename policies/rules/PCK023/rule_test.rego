package portcullis.rules.PCK023_test

import data.portcullis.rules.PCK023

pod(env) := {"document": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "app", "env": env}]}}}

flagged(name, value) if {
	count(PCK023.deny) == 1 with input as pod([{"name": name, "value": value}])
}

ignored(name, value) if {
	count(PCK023.deny) == 0 with input as pod([{"name": name, "value": value}])
}

test_literal_password_is_denied_at_the_value_without_echoing_it if {
	findings := PCK023.deny with input as pod([{"name": "LOG_LEVEL", "value": "debug"}, {"name": "DB_PASSWORD", "value": "hunter2"}])
	count(findings) == 1
	some f in findings
	f.path == ["spec", "containers", 0, "env", 1, "value"]
	f.msg == "container \"app\" sets the secret-looking variable \"DB_PASSWORD\" to a literal value"
	not contains(f.msg, "hunter2")
}

test_each_catalogue_word_matches_case_insensitively_as_a_substring if {
	every name in [
		"PASSWORD", "MYSQL_ROOT_PASSWORD", "PGPASSWORD", "adminPassword", "GITHUB_TOKEN", "accessToken",
		"JWT_SECRET", "AWS_SECRET_ACCESS_KEY", "client-secret", "API_KEY", "STRIPE_API_KEY", "ssh.private_key",
	] {
		flagged(name, "s3cr3t-value")
	}
}

test_api_key_and_private_key_accept_any_separator_or_none if {
	every name in ["APIKEY", "api-key", "Api.Key", "openaiApiKey", "PRIVATEKEY", "tls-private-key", "privateKey"] {
		flagged(name, "s3cr3t-value")
	}
}

test_unrelated_names_are_ignored if {
	every name in ["LOG_LEVEL", "API_URL", "KEYCLOAK_REALM", "PUBLIC_KEY_ID", "USERNAME", "PASS", "PWD", "CAPITAL_KEYS"] {
		ignored(name, "some-value")
	}
}

test_tokenizer_settings_are_not_tokens if {
	ignored("TOKENIZERS_PARALLELISM", "4")
	ignored("HF_TOKENIZER_MODEL", "bert-base-uncased")
	flagged("TOKENIZER_HUB_TOKEN", "hf_abcdef")
}

test_names_that_point_at_or_describe_a_secret_are_ignored if {
	every name in [
		"POSTGRES_PASSWORD_FILE", "GF_SECURITY_ADMIN_PASSWORD__FILE", "VAULT_TOKEN_PATH", "TOKEN_URL", "SECRET_NAME",
		"OIDC_TOKEN_ENDPOINT", "ACCESS_TOKEN_TTL", "PASSWORD_MIN_LENGTH", "tokenFile", "secretName", "apiKeyHeader",
	] {
		ignored(name, "something")
	}
}

test_references_switches_and_paths_are_not_literals if {
	ignored("DB_PASSWORD", "$(POSTGRES_PASSWORD)")
	ignored("DB_PASSWORD", "${DB_PASSWORD}")
	ignored("ENABLE_TOKEN_AUTH", "true")
	ignored("SECRET_ROTATION", "Off")
	ignored("SA_TOKEN", "/var/run/secrets/tokens/vault-token")
	ignored("DB_PASSWORD", "")
	ignored("DB_PASSWORD", "   ")
}

test_references_mixed_with_literal_text_are_literals if {
	flagged("DB_PASSWORD", "prefix-$(OTHER)")
	flagged("DB_PASSWORD", "${DB_PASSWORD:=changeme}")
	flagged("DB_PASSWORD", "/onlyonesegment")
}

test_value_from_is_allowed if {
	env := [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]
	count(PCK023.deny) == 0 with input as pod(env)
}

test_non_string_values_and_names_are_left_to_the_api_server if {
	count(PCK023.deny) == 0 with input as pod([{"name": "DB_PASSWORD", "value": 12345}, {"name": 7, "value": "x"}, "DB_PASSWORD=x", {"name": "TOKEN"}])
}

test_every_container_list_and_kind_is_checked if {
	env := [{"name": "API_TOKEN", "value": "abc123"}]
	spec := {"initContainers": [{"name": "i", "env": env}], "containers": [{"name": "c", "env": env}], "ephemeralContainers": [{"name": "e", "env": env}]}
	doc := {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}}}
	paths := {f.path | some f in PCK023.deny} with input as {"document": doc}
	paths == {
		["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "env", 0, "value"],
		["spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "env", 0, "value"],
		["spec", "jobTemplate", "spec", "template", "spec", "ephemeralContainers", 0, "env", 0, "value"],
	}
}

test_config_maps_are_not_checked if {
	doc := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"DB_PASSWORD": "hunter2"}}
	count(PCK023.deny) == 0 with input as {"document": doc}
}

test_env_that_is_not_a_list_is_left_to_the_api_server if {
	doc := {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "app", "env": {"x": {"name": "DB_PASSWORD", "value": "hunter2"}}}]}}
	count(PCK023.deny) == 0 with input as {"document": doc}
}
