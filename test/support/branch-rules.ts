// Branch rules as GitHub answers GET /repos/{owner}/{repo}/rules/branches/{branch} (shapes checked
// against @octokit/openapi by the tests that serve them through the stand-in).

/** Rules as GET /repos/{owner}/{repo}/rules/branches/{branch} answers them. */
export const RULES_REQUIRING_EVERYTHING = [
  {
    type: "required_status_checks",
    ruleset_source_type: "Repository",
    ruleset_source: "acme/fleet",
    ruleset_id: 7,
    parameters: {
      strict_required_status_checks_policy: false,
      required_status_checks: [
        { context: "Portcullis / policies" },
        { context: "Portcullis / code owners" },
        { context: "Portcullis / signed commits" },
      ],
    },
  },
  {
    type: "pull_request",
    ruleset_source_type: "Repository",
    ruleset_source: "acme/fleet",
    ruleset_id: 7,
    parameters: {
      dismiss_stale_reviews_on_push: true,
      require_code_owner_review: true,
      require_last_push_approval: false,
      required_approving_review_count: 1,
      required_review_thread_resolution: false,
    },
  },
  {
    type: "required_signatures",
    ruleset_source_type: "Repository",
    ruleset_source: "acme/fleet",
    ruleset_id: 7,
  },
];
