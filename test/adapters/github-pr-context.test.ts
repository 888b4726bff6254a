// The Git-layer facts read from GitHub against strict nock mocks: an email owner is matched to its
// account through user search, and that account's approval then counts.
import nock from "nock";
import { mockedOctokit, pullRequestRef } from "../support/octokit.js";
import { loadPullRequestContext } from "../../src/adapters/github/github-pr-context.js";
import { DEFAULT_CODE_OWNERS } from "../../src/config/config.js";
import { codeOwnersCheck } from "../../src/owners/git-checks.js";

const ref = pullRequestRef({ changedFiles: 2 });
const octokit = mockedOctokit;
const CODEOWNERS = "/apps/ ana@acme.example\n/infra/ ops@acme.example\n";

describe("loadPullRequestContext", () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("maps an email owner with a public email to its account, and reports the one it cannot map", async () => {
    const api = nock("https://api.github.com")
      .get("/repos/acme/fleet/contents/.github%2FCODEOWNERS")
      .query({ ref: ref.baseSha })
      .reply(200, {
        type: "file",
        encoding: "base64",
        content: Buffer.from(CODEOWNERS).toString("base64"),
        sha: "c",
      })
      .get("/repos/acme/fleet/codeowners/errors")
      .query({ ref: ref.baseSha })
      .reply(404, { message: "Not Found" })
      .get("/search/users")
      .query({ q: "ana@acme.example in:email", per_page: 2 })
      .reply(200, { total_count: 1, incomplete_results: false, items: [{ login: "Ana" }] })
      .get("/users/Ana")
      .reply(200, { login: "Ana", email: "ANA@acme.example" })
      .get("/search/users")
      .query({ q: "ops@acme.example in:email", per_page: 2 })
      // A loose match: the account's public email is another one, so it does not count.
      .reply(200, { total_count: 1, incomplete_results: false, items: [{ login: "opsy" }] })
      .get("/users/opsy")
      .reply(200, { login: "opsy", email: "opsy@elsewhere.example" })
      .get("/repos/acme/fleet/pulls/3/reviews")
      .query({ per_page: 100 })
      .reply(200, [
        {
          user: { login: "ana" },
          state: "APPROVED",
          commit_id: ref.headSha,
          submitted_at: "2026-06-01T10:00:00Z",
        },
      ]);
    const context = await loadPullRequestContext(
      octokit(),
      ref,
      ["apps/web.yaml", "infra/net.yaml"],
      { codeOwners: true, signedCommits: false },
    );
    expect(api.pendingMocks()).toEqual([]);
    expect([...context.emailLogins]).toEqual([["ana@acme.example", "Ana"]]);

    const check = codeOwnersCheck(context, DEFAULT_CODE_OWNERS);
    expect(check.conclusion).toBe("failure");
    expect(check.summary).toContain("| apps/web.yaml | `ana@acme.example` | approved by `Ana` |");
    expect(check.summary).toContain(
      "Email owners matched to no GitHub account (only public profile emails can be looked up); their approval cannot be seen, name them as `@login` in CODEOWNERS:\n\n- `ops@acme.example`",
    );
  });
});
