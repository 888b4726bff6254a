# PCF006: a Flux source that fetches from a location outside the configured allow-list.
package portcullis.rules.PCF006

import data.portcullis.lib.flux
import data.portcullis.lib.k8s

allowed := [normalize(entry) | some entry in object.get(data.settings, "allowedSourceURLs", []); flux.is_set(entry)]

deny contains k8s.finding(["spec", field], msg) if {
	count(allowed) > 0
	some field, location in locations
	not permitted(normalize(location))
	msg := sprintf("source %q fetches from %q, which matches no entry of allowedSourceURLs", [flux.name, location])
}

locations["url"] := flux.spec.url if {
	flux.is_remote_source
	k8s.kind != "Bucket"
	flux.is_set(flux.spec.url)
}

# A Bucket's endpoint is a host (or an Azure URL with its scheme); the bucket name completes it
# to the location an allow-list entry such as `https://minio.example.com/team-a` describes.
locations["endpoint"] := concat("/", [base, flux.spec.bucketName]) if {
	flux.is_source("Bucket")
	flux.is_set(flux.spec.endpoint)
	flux.is_set(flux.spec.bucketName)
	base := trim_suffix(with_scheme(flux.spec.endpoint), "/")
}

locations["endpoint"] := with_scheme(flux.spec.endpoint) if {
	flux.is_source("Bucket")
	flux.is_set(flux.spec.endpoint)
	not flux.is_set(object.get(flux.spec, "bucketName", ""))
}

with_scheme(endpoint) := endpoint if contains(endpoint, "://")

with_scheme(endpoint) := concat("", [scheme, endpoint]) if {
	not contains(endpoint, "://")
	scheme := bucket_scheme
}

bucket_scheme := "http://" if flux.spec.insecure == true

bucket_scheme := "https://" if not object.get(flux.spec, "insecure", false) == true

# An entry permits the URL itself and everything below it, on whole path segments only:
# `https://github.com/acme` permits `https://github.com/acme/app`, not `https://github.com/acme-evil`.
permitted(url) if {
	some entry in allowed
	url == entry
}

permitted(url) if {
	some entry in allowed
	startswith(url, concat("", [entry, "/"]))
}

# Scheme and host compared case-insensitively, the path as written, without a trailing `/` or `.git`.
normalize(url) := concat("", [lower(substring(trimmed, 0, cut)), substring(trimmed, cut, -1)]) if {
	trimmed := trim_suffix(trim_suffix(trim_suffix(trim_space(url), "/"), ".git"), "/")
	cut := authority_end(trimmed)
}

authority_end(url) := count(url) if {
	start := authority_start(url)
	indexof(substring(url, start, -1), "/") < 0
}

authority_end(url) := start + i if {
	start := authority_start(url)
	i := indexof(substring(url, start, -1), "/")
	i >= 0
}

authority_start(url) := indexof(url, "://") + 3 if contains(url, "://")

authority_start(url) := 0 if not contains(url, "://")
