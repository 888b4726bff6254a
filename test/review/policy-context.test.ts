import { policyPullRequestOf } from "../../src/review/policy-context.js";
import type { PullRequestContext } from "../../src/owners/git-checks.js";

const HEAD = "h".repeat(40);

function context(overrides: Partial<PullRequestContext> = {}): PullRequestContext {
  return {
    author: "Dev",
    headSha: HEAD,
    changedPaths: ["apps/web.yaml", "clusters/prod/kustomization.yaml"],
    reviews: [],
    codeowners: {
      path: ".github/CODEOWNERS",
      text: "* @acme/platform\n/clusters/prod/ @acme/security @sam\n",
    },
    teamMembers: new Map([
      ["acme/security", new Set(["sam"])],
      ["acme/platform", new Set(["paula", "sam"])],
    ]),
    emailLogins: new Map(),
    commits: [],
    commitsComplete: true,
    commitCount: 0,
    ...overrides,
  };
}

describe("policyPullRequestOf", () => {
  it("lists each reviewer's latest approval with its teams, never the author's, stale ones marked", () => {
    const pr = policyPullRequestOf(
      context({
        reviews: [
          { login: "sam", state: "APPROVED", commitId: "old", submittedAt: "2026-01-01T09:00:00Z" },
          { login: "sam", state: "COMMENTED", commitId: HEAD, submittedAt: "2026-01-01T10:00:00Z" },
          {
            login: "paula",
            state: "APPROVED",
            commitId: HEAD,
            submittedAt: "2026-01-01T09:00:00Z",
          },
          {
            login: "paula",
            state: "CHANGES_REQUESTED",
            commitId: HEAD,
            submittedAt: "2026-01-01T11:00:00Z",
          },
          { login: "dev", state: "APPROVED", commitId: HEAD, submittedAt: "2026-01-01T12:00:00Z" },
          { login: "ola", state: "APPROVED", commitId: HEAD, submittedAt: "2026-01-01T12:00:00Z" },
        ],
      }),
      { number: 7, baseSha: "b".repeat(40) },
    );
    // sam's comment does not revoke the approval; paula's later request for changes does.
    expect(pr.approvals).toEqual([
      { login: "sam", commit_id: "old", stale: true, teams: ["acme/platform", "acme/security"] },
      { login: "ola", commit_id: HEAD, stale: false, teams: [] },
    ]);
    expect(pr.changes_requested).toEqual(["paula"]);
    expect(pr.teams_checked).toEqual(["acme/platform", "acme/security"]);
  });

  it("gives the base's owners of each changed file and each commit's verification", () => {
    const pr = policyPullRequestOf(
      context({
        commits: [
          {
            sha: "c1",
            verified: true,
            reason: "valid",
            author: "dev",
            authorIsBot: false,
            parents: 1,
            signatureType: "ssh",
          },
          {
            sha: "c2",
            verified: false,
            reason: "unsigned",
            author: undefined,
            authorIsBot: false,
            parents: 1,
          },
        ],
      }),
      { number: 7, baseSha: "b" },
    );
    expect(pr.owners).toEqual({
      "apps/web.yaml": ["@acme/platform"],
      "clusters/prod/kustomization.yaml": ["@acme/security", "@sam"],
    });
    expect(pr.commits).toEqual([
      { sha: "c1", author: "dev", verified: true, reason: "valid", signature_type: "ssh" },
      { sha: "c2", author: null, verified: false, reason: "unsigned", signature_type: null },
    ]);
    expect(pr).toMatchObject({
      source: "github",
      number: 7,
      author: "Dev",
      head_sha: HEAD,
      commits_complete: true,
      changed_files_complete: true,
    });
    // A cut list is said so: a policy must not read 250 commits as "all of them".
    const cut = policyPullRequestOf(
      context({ commitsComplete: false, changedPathsComplete: false }),
      { number: 7, baseSha: "b" },
    );
    expect(cut).toMatchObject({ commits_complete: false, changed_files_complete: false });
  });
});
