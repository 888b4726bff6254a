# PCK010: a container without cpu and memory requests gives the scheduler nothing to place it by.
package portcullis.rules.PCK010

import data.portcullis.lib.k8s

resource_keys := ["cpu", "memory"]

# Values the repository config gives for missing requests, e.g. {"cpu": "100m", "memory": "128Mi"}.
defaults := object.get(data.settings, ["resourceDefaults", "requests"], {})

present(value) if {
	value != null
	value != ""
}

# Ephemeral containers may not set resources at all (the API server rejects them).
checked contains c if {
	some c in k8s.containers
	c.list != "ephemeralContainers"
}

# A request is set explicitly, or copied by Kubernetes from the limit of the same resource.
has_request(c, key) if present(object.get(c.container, ["resources", "requests", key], null))

has_request(c, key) if present(object.get(c.container, ["resources", "limits", key], null))

# Pod-level resources (spec.resources, PodLevelResources) are requested for the pod as a whole.
has_request(_, key) if present(object.get(k8s.pod_spec, ["resources", "requests", key], null))

has_request(_, key) if present(object.get(k8s.pod_spec, ["resources", "limits", key], null))

requests_path(c) := array.concat(c.path, ["resources", "requests"])

finding_path(c, missing) := array.concat(requests_path(c), missing) if count(missing) == 1

finding_path(c, missing) := requests_path(c) if count(missing) > 1

message(name, missing) := sprintf("container %q has no %s request", [name, missing[0]]) if count(missing) == 1

message(name, missing) := sprintf("container %q has no cpu and memory requests", [name]) if count(missing) > 1

# The configured default of every missing key; a fix is made only when none of them is absent.
default_values(missing) := {key: value |
	some key in missing
	value := object.get(defaults, key, null)
	present(value)
}

requests_fix(c, missing) := k8s.set_fix(finding_path(c, missing), values[missing[0]]) if {
	count(missing) == 1
	values := default_values(missing)
	count(values) == 1
}

requests_fix(c, missing) := k8s.set_fix(requests_path(c), object.union(current, values)) if {
	count(missing) > 1
	values := default_values(missing)
	count(values) == count(missing)
	current := object.get(c.container, ["resources", "requests"], {})
	is_object(current)
}

requests_fix(c, missing) := k8s.set_fix(requests_path(c), values) if {
	count(missing) > 1
	values := default_values(missing)
	count(values) == count(missing)
	not is_object(object.get(c.container, ["resources", "requests"], {}))
}

with_fix(f, c, missing) := object.union(f, {"fix": requests_fix(c, missing)})

with_fix(f, c, missing) := f if not requests_fix(c, missing)

deny contains with_fix(k8s.finding(finding_path(c, missing), message(c.name, missing)), c, missing) if {
	some c in checked
	missing := [key | some key in resource_keys; not has_request(c, key)]
	count(missing) > 0
}
