# PCK013: images must come from a configured registry (only when an allow-list is configured).
package portcullis.rules.PCK013

import data.portcullis.lib.k8s

# Each allow-list entry as {host, path}: a registry host ("ghcr.io", "registry.example.com:5000")
# has path ""; a host/path prefix ("ghcr.io/acme") allows that path and everything under it.
allowed_registries contains entry if {
	some raw in object.get(data.settings, "allowedRegistries", [])
	is_string(raw)
	s := lower(trim_suffix(trim_prefix(trim_prefix(trim_space(raw), "https://"), "http://"), "/"))
	s != ""
	parts := split(s, "/")
	entry := {"host": normalise_host(parts[0]), "path": concat("/", array.slice(parts, 1, count(parts)))}
}

deny contains k8s.finding(path, msg) if {
	count(allowed_registries) > 0
	some c in k8s.containers
	image := c.container.image
	is_string(image)
	trim_space(image) != ""
	ref := parse(image)
	not allowed(ref)
	path := array.concat(c.path, ["image"])
	msg := sprintf("container %q uses image %q from registry %q, which is not in the allowed registries", [c.name, image, ref.registry])
}

normalise_host("index.docker.io") := "docker.io"

normalise_host(h) := h if h != "index.docker.io"

# Splits an image reference as distribution/reference does: the part before the first "/" is
# the registry when it looks like a host (has "." or ":", or is "localhost"), otherwise the image
# is on Docker Hub, where one-word names live under "library/". Tag and digest are dropped. An
# unresolved variable ("${REGISTRY}/app") is kept as the registry: it matches no real host, only
# an entry that names the same variable.
parse(image) := {"registry": registry, "path": path} if {
	parts := split(lower(trim_space(split(image, "@")[0])), "/")
	n := count(parts)
	untagged := array.concat(array.slice(parts, 0, n - 1), [split(parts[n - 1], ":")[0]])
	explicit := explicit_registry(parts)
	registry := host_of(explicit, parts)
	path := hub_path(registry, repository_path(explicit, untagged))
}

explicit_registry(parts) if {
	count(parts) > 1
	host_like(parts[0])
} else := false

host_like(s) if contains(s, ".")

host_like(s) if contains(s, ":")

host_like("localhost")

host_like(s) if contains(s, "$")

host_of(true, parts) := normalise_host(parts[0])

host_of(false, _) := "docker.io"

repository_path(true, untagged) := concat("/", array.slice(untagged, 1, count(untagged)))

repository_path(false, untagged) := concat("/", untagged)

hub_path("docker.io", p) := concat("/", ["library", p]) if not contains(p, "/")

hub_path(registry, p) := p if {
	registry == "docker.io"
	contains(p, "/")
}

hub_path(registry, p) := p if registry != "docker.io"

allowed(ref) if {
	some entry in allowed_registries
	host_matches(entry.host, ref.registry)
	path_matches(entry.path, ref.path)
}

host_matches(h, h)

# "*" in an entry's host stands for one DNS label ("*.dkr.ecr.eu-west-1.amazonaws.com").
host_matches(pattern, host) if {
	contains(pattern, "*")
	glob.match(pattern, ["."], host)
}

path_matches("", _)

path_matches(p, p)

path_matches(prefix, path) if {
	prefix != ""
	startswith(path, concat("", [prefix, "/"]))
}
