# A repository policy that reads the pull request: a privileged container may only be merged with
# an approval from the security team. Portcullis gives every repository policy the pull request as
# data.portcullis.pull_request (author, approvals with each approver's teams, owners per changed
# file, commit signatures); outside a pull request (portcullis check) it is null, so the rule
# denies. List the team under `policies.teams` in .github/portcullis.yml so that the app looks up
# its members.
package main

import rego.v1

security_team := "acme/security"

workload_containers contains [path, container] if {
	some i, container in input.spec.template.spec.containers
	path := ["spec", "template", "spec", "containers", i]
}

workload_containers contains [path, container] if {
	input.kind == "Pod"
	some i, container in input.spec.containers
	path := ["spec", "containers", i]
}

deny contains {"msg": msg, "path": array.concat(path, ["securityContext", "privileged"])} if {
	some [path, container] in workload_containers
	container.securityContext.privileged == true
	not approved_by_security
	msg := sprintf(
		"%s %s: container %q is privileged, which needs an approval from @%s on the latest commit",
		[input.kind, input.metadata.name, container.name, security_team],
	)
}

approved_by_security if {
	some approval in data.portcullis.pull_request.approvals
	not approval.stale
	security_team in approval.teams
}
