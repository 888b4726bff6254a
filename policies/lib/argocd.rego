# Shared helpers for the Argo CD rules (PCA001-PCA008): the Application specs a document holds,
# their sources, and repository URL matching.
package portcullis.lib.argocd

doc := input.document

name := object.get(doc, ["metadata", "name"], "")

# Argo CD's API group (argoproj.io/v1alpha1 today; any version is accepted).
is_argocd if {
	is_string(doc.apiVersion)
	startswith(doc.apiVersion, "argoproj.io/")
}

is_kind(k) if {
	is_argocd
	doc.kind == k
}

# A core ConfigMap with the given name (Argo CD finds its settings by name in its namespace).
is_configmap(cm_name) if {
	doc.apiVersion == "v1"
	doc.kind == "ConfigMap"
	doc.metadata.name == cm_name
}

# Every Application spec in the document, with its JSON path and how messages name it:
# - an Application's own `spec`;
# - the Application template of an ApplicationSet (`spec.template.spec`).
# `patched` is true for an ApplicationSet whose `templatePatch` may add fields the template lacks:
# rules do not report a missing field there.
apps contains {"spec": spec, "path": ["spec"], "label": sprintf("application %q", [name]), "templated": false, "patched": false} if {
	is_kind("Application")
	spec := object.get(doc, "spec", {})
	is_object(spec)
}

apps contains {"spec": spec, "path": ["spec", "template", "spec"], "label": sprintf("the template of applicationset %q", [name]), "templated": true, "patched": patched} if {
	is_kind("ApplicationSet")
	spec := doc.spec.template.spec
	is_object(spec)
	patched := has_template_patch
}

default has_template_patch := false

has_template_patch if {
	is_string(doc.spec.templatePatch)
	trim_space(doc.spec.templatePatch) != ""
}

# `spec.sources` replaces `spec.source` when it is a non-empty list (Argo CD ignores `source` then).
multi_source(spec) if {
	is_array(spec.sources)
	count(spec.sources) > 0
}

# Every source of every Application spec, with its path: `source`, each `sources[i]`, and the
# dry source of the source hydrator (`sourceHydrator.drySource`).
sources contains {"app": app, "source": src, "path": array.concat(app.path, ["sources", i])} if {
	some app in apps
	multi_source(app.spec)
	some i, src in app.spec.sources
	is_object(src)
}

sources contains {"app": app, "source": app.spec.source, "path": array.concat(app.path, ["source"])} if {
	some app in apps
	not multi_source(app.spec)
	is_object(app.spec.source)
}

sources contains {"app": app, "source": app.spec.sourceHydrator.drySource, "path": array.concat(app.path, ["sourceHydrator", "drySource"])} if {
	some app in apps
	is_object(app.spec.sourceHydrator.drySource)
}

# How a message names a source: by its repoURL when it has one.
source_label(src) := sprintf("source %q", [src.repoURL]) if is_string(src.repoURL)

source_label(src) := "a source without repoURL" if not is_string(object.get(src, "repoURL", null))

# A repository URL as compared against an allow-list: scheme and host in lower case, the path as
# written, without a trailing `/` or `.git`. SCP-like SSH URLs (`git@host:org/repo`) and URLs
# without a scheme (OCI registries) have their host before the first `:` or `/`.
normalize_url(url) := lower_host(strip_url(trim_space(url)))

strip_url(s) := trim_suffix(trim_suffix(trim_suffix(s, "/"), ".git"), "/")

lower_host(s) := concat("", [lower(substring(s, 0, cut)), substring(s, cut, count(s) - cut)]) if {
	cut := authority_end(s)
}

authority_end(s) := n if {
	i := indexof(s, "://")
	i >= 0
	start := i + 3
	n := start + first_of(substring(s, start, count(s) - start), ["/"])
} else := first_of(s, ["/", ":"])

# The index of the first of the separators in s, or count(s) when there is none.
first_of(s, seps) := min(hits) if {
	hits := [i | some sep in seps; i := indexof(s, sep); i >= 0]
	count(hits) > 0
} else := count(s)

# An allow-list entry (normalized) permits the URL itself and everything below it on whole
# segments: `https://github.com/acme` permits `https://github.com/acme/app` and
# `git@github.com:acme/app` is permitted by `git@github.com:acme`, but `https://github.com/acme`
# does not permit `https://github.com/acme-evil`. An entry that ends in `:` (`git@github.com:`)
# is a plain prefix. An entry with `*` is a glob, as in an AppProject's sourceRepos.
url_permitted(url, entry) if {
	not contains(entry, "*")
	url == entry
}

url_permitted(url, entry) if {
	not contains(entry, "*")
	entry != ""
	startswith(url, entry)
	endswith(entry, ":")
}

url_permitted(url, entry) if {
	not contains(entry, "*")
	entry != ""
	startswith(url, entry)
	substring(url, count(entry), 1) in {"/", ":"}
}

url_permitted(url, entry) if {
	contains(entry, "*")
	glob.match(entry, [], url)
}

# For an ApplicationSet template: a URL with a `{{ ... }}` placeholder may still become an allowed
# URL when its literal part before the placeholder is a prefix of an entry (the placeholder may
# complete it), or already lies below an entry.
template_may_permit(url, entry) if startswith(literal_prefix(entry), literal_prefix(url))

template_may_permit(url, entry) if {
	not contains(entry, "*")
	prefix := literal_prefix(url)
	entry != ""
	startswith(prefix, entry)
	substring(prefix, count(entry), 1) in {"/", ":"}
}

template_may_permit(url, entry) if {
	contains(entry, "*")
	startswith(literal_prefix(url), literal_prefix(entry))
}

# The part of a string before its first template placeholder or glob star.
literal_prefix(s) := substring(s, 0, first_of(s, ["{{", "*"]))
