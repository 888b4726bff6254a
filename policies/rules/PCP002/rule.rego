# PCP002: a Kyverno policy whose validation rules only report violations (Audit) instead of
# blocking them (Enforce).
package portcullis.rules.PCP002

import data.portcullis.lib.k8s

doc := input.document

is_policy if {
	is_string(doc.apiVersion)
	startswith(doc.apiVersion, "kyverno.io/")
	doc.kind in {"ClusterPolicy", "Policy"}
}

name := object.get(doc, ["metadata", "name"], "")

label := sprintf("policy %q", [name])

rules := r if {
	is_policy
	r := doc.spec.rules
	is_array(r)
}

rule_name(rule, _) := rule.name if is_string(rule.name)

rule_name(rule, i) := sprintf("#%d", [i]) if not is_string(object.get(rule, "name", null))

audit(action) if {
	is_string(action)
	lower(trim_space(action)) == "audit"
}

# What takes a failure action: each validate rule (its own `validate.failureAction`, Kyverno 1.13,
# or `validate.validationFailureAction`, Kyverno 1.12) and each `verifyImages` entry (its own
# `failureAction`). `own` is false when the unit sets none and inherits
# `spec.validationFailureAction`.
units contains {"rule": rule_name(rule, i), "own": true, "path": ["spec", "rules", i, "validate", key], "action": rule.validate[key]} if {
	some i, rule in rules
	is_object(rule)
	key := validate_key(rule.validate)
}

units contains {"rule": rule_name(rule, i), "own": false} if {
	some i, rule in rules
	is_object(rule)
	is_object(rule.validate)
	not validate_key(rule.validate)
}

units contains {"rule": rule_name(rule, i), "own": true, "path": ["spec", "rules", i, "verifyImages", j, "failureAction"], "action": entry.failureAction} if {
	some i, rule in rules
	is_object(rule)
	some j, entry in rule.verifyImages
	object.get(entry, "failureAction", null) != null
}

units contains {"rule": rule_name(rule, i), "own": false} if {
	some i, rule in rules
	is_object(rule)
	some entry in rule.verifyImages
	is_object(entry)
	object.get(entry, "failureAction", null) == null
}

validate_key(v) := "failureAction" if {
	is_object(v)
	object.get(v, "failureAction", null) != null
}

validate_key(v) := "validationFailureAction" if {
	is_object(v)
	object.get(v, "failureAction", null) == null
	object.get(v, "validationFailureAction", null) != null
}

inheriting := {u.rule | some u in units; u.own == false}

# A rule or image check that sets Audit itself.
deny contains k8s.finding(u.path, msg) if {
	some u in units
	u.own == true
	audit(u.action)
	msg := sprintf("rule %q of %s runs in Audit mode, so violations are reported but not blocked", [u.rule, label])
}

# The policy-wide Audit, reported when at least one rule inherits it.
deny contains k8s.finding(["spec", "validationFailureAction"], msg) if {
	count(inheriting) > 0
	audit(doc.spec.validationFailureAction)
	msg := sprintf("%s runs in Audit mode, so violations of %s are reported but not blocked", [label, rule_list])
}

# Kyverno defaults spec.validationFailureAction to Audit.
deny contains k8s.finding(["spec", "validationFailureAction"], msg) if {
	count(inheriting) > 0
	object.get(doc.spec, "validationFailureAction", null) == null
	msg := sprintf("%s sets no validationFailureAction, so Kyverno's default Audit mode applies to %s", [label, rule_list])
}

rule_list := concat("", ["rule ", concat(", ", [sprintf("%q", [r]) | some r in sort(inheriting)])]) if count(inheriting) == 1

rule_list := concat("", ["rules ", concat(", ", [sprintf("%q", [r]) | some r in sort(inheriting)])]) if count(inheriting) > 1
