// The base branch's protection read as GitHub answers an app (the loopback stand-in, its answers
// checked against GitHub's OpenAPI response schemas), and judged against the checks Portcullis posts.
import { GitHubBranchProtection } from "../../src/adapters/github/branch-protection.js";
import type { Octokit } from "../../src/adapters/github/github-source.js";
import { defaultConfig, parseConfig } from "../../src/config/config.js";
import { auditBranch } from "../../src/review/branch-audit.js";
import { renderBranchAudit } from "../../src/render/policy-change.js";
import {
  startGitHubStandIn,
  type GitHubStandIn,
  type StandInRepo,
} from "../support/github-stand-in.js";
import { TestOctokit } from "../support/octokit.js";
import { responseBodyErrors } from "../support/openapi.js";
import { RULES_REQUIRING_EVERYTHING } from "../support/branch-rules.js";

const POLICIES_ONLY = parseConfig(
  "codeOwners:\n  enabled: false\nsignedCommits:\n  enabled: false\n",
  { settingDefaults: {}, ruleIds: new Set() },
).config;
const repository = { owner: "acme", repo: "fleet" };
const WEB = "https://github.com/acme/fleet";

describe("branch protection audit", () => {
  let standIn: GitHubStandIn | undefined;
  afterEach(async () => standIn?.close());

  async function read(extra: Partial<StandInRepo>) {
    standIn = await startGitHubStandIn({
      ...repository,
      number: 1,
      files: {},
      changed: [],
      validateResponse: responseBodyErrors,
      ...extra,
    });
    const octokit = new TestOctokit({ auth: "t", baseUrl: standIn.url }) as unknown as Octokit;
    const protection = await new GitHubBranchProtection(octokit, repository, WEB).read("main");
    // Every answer the stand-in gave is in GitHub's documented shape.
    expect(standIn.requests.flatMap((r) => r.responseErrors ?? [])).toEqual([]);
    return protection;
  }

  const config = parseConfig("codeOwners:\n  enabled: true\nsignedCommits:\n  enabled: true\n", {
    settingDefaults: {},
    ruleIds: new Set(),
  }).config;

  it("says nothing is missing when rulesets require the checks, code owners' reviews and signed commits", async () => {
    const protection = await read({ branchRules: RULES_REQUIRING_EVERYTHING });
    const audit = auditBranch(protection, config);
    expect(audit).toMatchObject({ missingChecks: [], codeOwnerReviews: true, signedCommits: true });
    // Nothing to do: the summary says nothing.
    expect(renderBranchAudit(audit)).toBe("");
  });

  it("names each check, rule and the settings to fix when an unprotected branch requires nothing (classic: 404)", async () => {
    const audit = auditBranch(await read({}), config);
    expect(audit.missingChecks).toEqual([
      "Portcullis / policies",
      "Portcullis / code owners",
      "Portcullis / signed commits",
    ]);
    const text = renderBranchAudit(audit);
    expect(text).toContain("does not require `Portcullis / policies`");
    expect(text).toContain("does not require a review from code owners");
    expect(text).toContain("does not require signed commits");
    expect(text).toContain(`(${WEB}/settings/rules)`);
    expect(text).toContain(`(${WEB}/settings/branches)`);
  });

  it("reads classic protection in full when the app may (administration: read)", async () => {
    const protection = await read({
      classicProtection: {
        url: "https://api.github.com/repos/acme/fleet/branches/main/protection",
        required_status_checks: {
          url: "https://api.github.com/repos/acme/fleet/branches/main/protection/required_status_checks",
          contexts: ["Portcullis / policies"],
          contexts_url:
            "https://api.github.com/repos/acme/fleet/branches/main/protection/required_status_checks/contexts",
          checks: [{ context: "Portcullis / policies", app_id: null }],
          strict: false,
        },
        required_pull_request_reviews: {
          url: "https://api.github.com/repos/acme/fleet/branches/main/protection/required_pull_request_reviews",
          dismiss_stale_reviews: false,
          require_code_owner_reviews: true,
          required_approving_review_count: 1,
        },
        required_signatures: {
          url: "https://api.github.com/repos/acme/fleet/branches/main/protection/required_signatures",
          enabled: false,
        },
      },
    });
    const audit = auditBranch(
      protection,
      defaultConfig({ settingDefaults: {}, ruleIds: new Set() }),
    );
    // The defaults post all three checks; classic protection requires only the policies check.
    expect(audit).toMatchObject({
      missingChecks: ["Portcullis / code owners", "Portcullis / signed commits"],
      codeOwnerReviews: true,
      signedCommits: false,
    });
  });

  it("without administration: read, takes classic required checks from the branch and says what it cannot tell", async () => {
    const protection = await read({
      classicProtection: "forbidden",
      branchRequiredChecks: { contexts: ["Portcullis / policies"] },
    });
    expect(protection.classic.requiredChecks).toEqual(["Portcullis / policies"]);
    const audit = auditBranch(protection, POLICIES_ONLY);
    expect(audit.missingChecks).toEqual([]);
    // Rulesets say no; classic cannot tell: unknown, never reported as required.
    expect(audit.codeOwnerReviews).toBeUndefined();
    expect(renderBranchAudit(audit)).toMatch(/could not be read: .*administration: read/);
  });
});
