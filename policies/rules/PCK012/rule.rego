# PCK012: a tag can be moved to other content; only a digest names one exact image.
package portcullis.rules.PCK012

import data.portcullis.lib.k8s

# A well-formed digest: sha256 (the one registries use) or sha512, lower-case hex.
pinned(image) if regex.match(`@sha256:[a-f0-9]{64}$`, image)

pinned(image) if regex.match(`@sha512:[a-f0-9]{128}$`, image)

deny contains k8s.finding(path, msg) if {
	some c in k8s.containers
	image := object.get(c.container, "image", null)
	is_string(image)
	image != ""
	not pinned(image)
	path := array.concat(c.path, ["image"])
	msg := sprintf("container %q uses image %q that is not pinned by digest", [c.name, image])
}
