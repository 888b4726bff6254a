# PCK023: a secret-looking environment variable set to a literal value in the manifest.
package portcullis.rules.PCK023

import data.portcullis.lib.k8s

deny contains k8s.finding(path, msg) if {
	some c in k8s.containers
	envs := object.get(c.container, "env", [])
	is_array(envs)
	some i, env in envs
	is_object(env)
	name := env.name
	is_string(name)
	secret_looking(name)
	not reference_name(name)
	value := env.value
	is_string(value)
	literal(trim_space(value))
	path := array.concat(c.path, ["env", i, "value"])
	msg := sprintf("container %q sets the secret-looking variable %q to a literal value", [c.name, name])
}

# Case-insensitive substrings; for API_KEY and PRIVATE_KEY the separator may be "_", "-", "."
# or nothing (APIKEY, api-key). "TOKENIZER" (machine-learning settings such as
# TOKENIZERS_PARALLELISM) is not a token.
secret_looking(name) if {
	words := replace(upper(name), "TOKENIZ", "")
	some word in ["PASSWORD", "TOKEN", "SECRET"]
	contains(words, word)
}

secret_looking(name) if {
	compact := replace(replace(replace(upper(name), "_", ""), "-", ""), ".", "")
	some word in ["APIKEY", "PRIVATEKEY"]
	contains(compact, word)
}

# Names whose last word says the value points at or describes a secret rather than being one:
# PASSWORD_FILE, TOKEN_URL, SECRET_NAME, TOKEN_TTL, passwordPath...
reference_words := [
	"FILE", "FILES", "FILENAME", "PATH", "DIR", "URL", "URI", "ENDPOINT", "HOST", "PORT", "NAME",
	"NAMESPACE", "REF", "TTL", "TIMEOUT", "EXPIRY", "EXPIRATION", "LIFETIME", "SECONDS", "MINUTES",
	"HOURS", "LENGTH", "ENABLED", "DISABLED", "TYPE", "HEADER", "ALGORITHM", "ISSUER", "AUDIENCE",
	"VERSION",
]

# TOKEN_FILE, api-key.path
separated_reference := concat("", [`[_.-](`, concat("|", reference_words), `)$`])

# tokenFile, apiKeyPath
camel_reference := concat("", [`[a-z0-9](`, concat("|", [w | some word in reference_words; w := concat("", [substring(word, 0, 1), lower(substring(word, 1, -1))])]), `)$`])

reference_name(name) if regex.match(separated_reference, upper(name))

reference_name(name) if regex.match(camel_reference, name)

# Not a literal secret: empty, a boolean-like switch, an absolute file path with two or more
# segments (where a mounted secret lives), or only a reference to another variable, `$(VAR)`
# (expanded by the kubelet from the container's other variables) or `${VAR}` (Flux post-build
# substitution, filled in from a ConfigMap or Secret at apply time).
literal(value) if {
	value != ""
	not lower(value) in {"true", "false", "yes", "no", "on", "off"}
	not regex.match(`^(/[A-Za-z0-9._-]+){2,}/?$`, value)
	not regex.match(`^\$\([A-Za-z_][A-Za-z0-9_.-]*\)$`, value)
	not regex.match(`^\$\{[A-Za-z_][A-Za-z0-9_]*\}$`, value)
}
