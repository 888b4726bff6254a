# PCA003: an Application source whose repository is outside the configured allow-list.
package portcullis.rules.PCA003

import data.portcullis.lib.argocd
import data.portcullis.lib.k8s

allowed := [argocd.normalize_url(entry) |
	some entry in object.get(data.settings, "argocdAllowedRepoURLs", [])
	is_string(entry)
	trim_space(entry) != ""
]

permitted(url) if {
	some entry in allowed
	argocd.url_permitted(url, entry)
}

# An ApplicationSet template URL with a placeholder: reported only when no value of the
# placeholder could make it an allowed URL.
permitted(url) if {
	contains(url, "{{")
	some entry in allowed
	argocd.template_may_permit(url, entry)
}

deny contains k8s.finding(path, msg) if {
	count(allowed) > 0
	some s in argocd.sources
	url := s.source.repoURL
	is_string(url)
	trim_space(url) != ""
	not permitted_for(s.app, argocd.normalize_url(url))
	path := array.concat(s.path, ["repoURL"])
	msg := sprintf("%s takes manifests from %q, which matches no entry of argocdAllowedRepoURLs", [s.app.label, url])
}

permitted_for(_, url) if {
	not contains(url, "{{")
	permitted(url)
}

permitted_for(app, url) if {
	app.templated
	permitted(url)
}
