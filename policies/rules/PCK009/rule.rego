# PCK009: a container without cpu and memory limits can starve the other pods of its node.
package portcullis.rules.PCK009

import data.portcullis.lib.k8s

resource_keys := ["cpu", "memory"]

# Values the repository config gives for missing limits, e.g. {"cpu": "500m", "memory": "256Mi"}.
defaults := object.get(data.settings, ["resourceDefaults", "limits"], {})

present(value) if {
	value != null
	value != ""
}

# Ephemeral containers may not set resources at all (the API server rejects them).
checked contains c if {
	some c in k8s.containers
	c.list != "ephemeralContainers"
}

has_limit(c, key) if present(object.get(c.container, ["resources", "limits", key], null))

# Pod-level resources (spec.resources, PodLevelResources) bound all containers of the pod together.
has_limit(_, key) if present(object.get(k8s.pod_spec, ["resources", "limits", key], null))

limits_path(c) := array.concat(c.path, ["resources", "limits"])

finding_path(c, missing) := array.concat(limits_path(c), missing) if count(missing) == 1

finding_path(c, missing) := limits_path(c) if count(missing) > 1

message(name, missing) := sprintf("container %q has no %s limit", [name, missing[0]]) if count(missing) == 1

message(name, missing) := sprintf("container %q has no cpu and memory limits", [name]) if count(missing) > 1

# The configured default of every missing key that can be used: one below the container's own
# request would make the API server refuse the object. A fix is made only when every missing key
# has a usable default.
default_values(c, missing) := {key: value |
	some key in missing
	value := object.get(defaults, key, null)
	present(value)
	not below_request(c, key, value)
}

below_request(c, key, limit) if {
	quantity(limit) < quantity(object.get(c.container, ["resources", "requests", key], null))
}

# Resource quantities ("500m", "1.5", "256Mi", "2G", 2) in thousandths, to compare a default
# limit with a request without fractions. A form this does not read (e.g. "1e3") compares as
# nothing: the fix is then kept.
milli_multipliers := {
	"m": 1, "": 1000, "k": 1000000, "M": 1000000000, "G": 1000000000000,
	"T": 1000000000000000, "P": 1000000000000000000, "E": 1000000000000000000000,
	"Ki": 1024000, "Mi": 1048576000, "Gi": 1073741824000, "Ti": 1099511627776000,
	"Pi": 1125899906842624000, "Ei": 1152921504606846976000,
}

quantity(q) := q * 1000 if is_number(q)

quantity(q) := to_number(digits) * factor if {
	is_string(q)
	some suffix, factor in milli_multipliers
	endswith(q, suffix)
	digits := trim_suffix(q, suffix)
	regex.match(`^[0-9]+(\.[0-9]+)?$`, digits)
}

limits_fix(c, missing) := k8s.set_fix(finding_path(c, missing), values[missing[0]]) if {
	count(missing) == 1
	values := default_values(c, missing)
	count(values) == 1
}

limits_fix(c, missing) := k8s.set_fix(limits_path(c), object.union(current, values)) if {
	count(missing) > 1
	values := default_values(c, missing)
	count(values) == count(missing)
	current := object.get(c.container, ["resources", "limits"], {})
	is_object(current)
}

limits_fix(c, missing) := k8s.set_fix(limits_path(c), values) if {
	count(missing) > 1
	values := default_values(c, missing)
	count(values) == count(missing)
	not is_object(object.get(c.container, ["resources", "limits"], {}))
}

with_fix(f, c, missing) := object.union(f, {"fix": limits_fix(c, missing)})

with_fix(f, c, missing) := f if not limits_fix(c, missing)

deny contains with_fix(k8s.finding(finding_path(c, missing), message(c.name, missing)), c, missing) if {
	some c in checked
	missing := [key | some key in resource_keys; not has_limit(c, key)]
	count(missing) > 0
}
