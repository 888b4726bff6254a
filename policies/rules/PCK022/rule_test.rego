package portcullis.rules.PCK022_test

import data.portcullis.rules.PCK022

secret(extra) := {"document": object.union({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "type": "Opaque"}, extra)}

sops := {"kms": null, "age": [{"recipient": "age1qqq", "enc": "-----BEGIN AGE ENCRYPTED FILE-----"}], "lastmodified": "2024-05-01T10:00:00Z", "mac": "ENC[AES256_GCM,data:abc,type:str]", "encrypted_regex": "^(data|stringData)$", "version": "3.9.0"}

test_plaintext_data_is_denied_at_data if {
	findings := PCK022.deny with input as secret({"data": {"password": "aHVudGVyMg=="}})
	count(findings) == 1
	some f in findings
	f.path == ["data"]
	f.msg == "Secret \"db\" holds plaintext data that is not encrypted with SOPS"
}

test_plaintext_string_data_is_denied_at_string_data if {
	some f in PCK022.deny with input as secret({"stringData": {"password": "hunter2"}})
	f.path == ["stringData"]
}

test_both_fields_give_two_findings if {
	paths := {f.path | some f in PCK022.deny} with input as secret({"data": {"a": "eA=="}, "stringData": {"b": "y"}})
	paths == {["data"], ["stringData"]}
}

test_sops_encrypted_secret_is_allowed if {
	count(PCK022.deny) == 0 with input as secret({"data": {"password": "ENC[AES256_GCM,data:Zm9v,iv:YmFy,tag:YmF6,type:str]"}, "sops": sops})
}

test_sops_key_that_is_not_a_map_does_not_count if {
	count(PCK022.deny) == 1 with input as secret({"stringData": {"password": "hunter2"}, "sops": true})
	count(PCK022.deny) == 1 with input as secret({"stringData": {"password": "hunter2"}, "sops": null})
}

test_sops_key_inside_metadata_does_not_count if {
	doc := {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "sops": sops}, "stringData": {"password": "hunter2"}}
	count(PCK022.deny) == 1 with input as {"document": doc}
}

test_empty_or_missing_data_is_allowed if {
	count(PCK022.deny) == 0 with input as secret({})
	count(PCK022.deny) == 0 with input as secret({"data": {}, "stringData": null})
	sa_token := {"type": "kubernetes.io/service-account-token", "metadata": {"name": "t", "annotations": {"kubernetes.io/service-account.name": "web"}}}
	count(PCK022.deny) == 0 with input as secret(sa_token)
}

test_every_secret_type_is_checked if {
	every t in ["Opaque", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson", "kubernetes.io/basic-auth"] {
		count(PCK022.deny) == 1 with input as secret({"type": t, "data": {"k": "dg=="}})
	}
}

test_only_core_v1_secrets_are_checked if {
	sealed := {"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "metadata": {"name": "db"}, "spec": {"encryptedData": {"password": "AgB..."}}}
	count(PCK022.deny) == 0 with input as {"document": sealed}
	other := {"apiVersion": "example.com/v1", "kind": "Secret", "metadata": {"name": "db"}, "data": {"password": "x"}}
	count(PCK022.deny) == 0 with input as {"document": other}
	cm := {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"password": "x"}}
	count(PCK022.deny) == 0 with input as {"document": cm}
}

test_secret_manager_references_are_not_plaintext if {
	count(PCK022.deny) == 0 with input as secret({"stringData": {"password": "op://infra/db/password"}})
	count(PCK022.deny) == 0 with input as secret({"stringData": {"password": "vault:secret/data/db#password"}})
	count(PCK022.deny) == 0 with input as secret({"stringData": {"password": "ref+vault://secret/db#/password"}})
	count(PCK022.deny) == 0 with input as secret({"stringData": {"password": "<path:secret/data/db#password>"}})
	count(PCK022.deny) == 0 with input as secret({"data": {"password": base64.encode("op://infra/db/password")}})
}

test_avp_placeholder_needs_the_path_annotation if {
	count(PCK022.deny) == 1 with input as secret({"stringData": {"password": "<password>"}})
	with_path := {"metadata": {"name": "db", "annotations": {"avp.kubernetes.io/path": "secret/data/db"}}, "stringData": {"password": "<password>"}}
	count(PCK022.deny) == 0 with input as secret(with_path)
}

test_a_reference_beside_plaintext_is_still_plaintext if {
	count(PCK022.deny) == 1 with input as secret({"stringData": {"a": "op://infra/db/password", "b": "hunter2"}})
	count(PCK022.deny) == 1 with input as secret({"stringData": {"url": "postgres://app:hunter2@db/<path:secret/data/db#name>"}})
	count(PCK022.deny) == 1 with input as secret({"stringData": {"password": "op://"}})
}
