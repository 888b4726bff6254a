# PCK011: an image without a tag, or tagged latest, is whatever was pushed last.
package portcullis.rules.PCK011

import data.portcullis.lib.k8s

# A well-formed digest pins the image whatever its tag says (`app:latest@sha256:...` included).
pinned(image) if regex.match(`@sha256:[a-f0-9]{64}$`, image)

pinned(image) if regex.match(`@sha512:[a-f0-9]{128}$`, image)

# The tag is what follows the last ":" of the last path component, so a registry port
# (`registry:5000/app`) is never taken for a tag.
tag(image) := t if {
	name := split(image, "@")[0]
	components := split(name, "/")
	last := components[count(components) - 1]
	contains(last, ":")
	parts := split(last, ":")
	t := parts[count(parts) - 1]
	t != ""
}

message(name, image) := sprintf("container %q uses image %q with the latest tag", [name, image]) if tag(image) == "latest"

message(name, image) := sprintf("container %q uses image %q without a tag", [name, image]) if not tag(image)

deny contains k8s.finding(path, msg) if {
	some c in k8s.containers
	image := object.get(c.container, "image", null)
	is_string(image)
	image != ""
	not pinned(image)
	msg := message(c.name, image)
	path := array.concat(c.path, ["image"])
}
