// The app through probot.receive(): a real webhook payload from @octokit/webhooks-examples, GitHub's
// API served by strict nock mocks (an unmatched request fails the review; an unused mock fails the test).
import { privateKey } from "../support/app-key.js";
import { createRequire } from "node:module";
import nock from "nock";
import { Probot } from "probot";
import { TestOctokit } from "../support/octokit.js";
import { createApp } from "../../src/app.js";
import { runCli } from "../../src/cli/main.js";
import { gitRepo } from "../support/git-repo.js";
import { ReviewQueue } from "../../src/review/review-queue.js";
import type { ReviewTask } from "../../src/jobs/review-jobs.js";
import { POLICY_CHECK_NAME } from "../../src/render/check-run.js";
import { fingerprintOfComment } from "../../src/render/review-comments.js";
import { RULES_REQUIRING_EVERYTHING } from "../support/branch-rules.js";
import { bundle } from "../support/engine.js";
import { requestBodyErrors } from "../support/openapi.js";
import { addedPatch, PRIVILEGED_POD } from "../support/webhooks.js";

interface SentRequest {
  method: string;
  path: string;
  body: unknown;
}

/** Records every request a scope answers, to check each body against GitHub's OpenAPI description. */
function record(scope: nock.Scope): SentRequest[] {
  const sent: SentRequest[] = [];
  scope.on(
    "request",
    (req: { method: string; path: string }, _interceptor: unknown, body: string) => {
      sent.push({ method: req.method, path: req.path, body: body ? JSON.parse(body) : undefined });
    },
  );
  return sent;
}

function openApiErrors(sent: readonly SentRequest[]): string[] {
  return sent
    .filter((r) => r.method !== "GET" && r.path !== "/graphql")
    .flatMap((r) => requestBodyErrors(r.method, r.path, r.body));
}

interface WebhookExamples {
  name: string;
  examples: { action?: string; [key: string]: unknown }[];
}
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as WebhookExamples[];

function example(event: string, action: string): Record<string, unknown> {
  const found = examples.find((e) => e.name === event)?.examples.find((x) => x.action === action);
  if (!found) throw new Error(`no ${event}.${action} example`);
  // The public examples carry no installation; an app receives one with every event.
  return {
    ...structuredClone(found),
    installation: { id: 4242, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" },
  };
}

const MANIFEST = PRIVILEGED_POD;
const PATCH = addedPatch(MANIFEST);

let queue: ReviewQueue<ReviewTask>;

/** A base config that leaves only the policy check (the Git-layer checks have tests of their own). */
const POLICY_ONLY_CONFIG = {
  type: "file",
  encoding: "base64",
  sha: "cfg",
  content: Buffer.from(
    "codeOwners: { enabled: false }\nsignedCommits: { enabled: false }\n",
  ).toString("base64"),
};

function newProbot(fixCommits = false): Probot {
  queue = new ReviewQueue<ReviewTask>(2);
  const probot = new Probot({
    appId: 1,
    privateKey,
    Octokit: TestOctokit,
    logLevel: "fatal",
  });
  void probot.load(createApp({ bundle: bundle(), queue, fixCommits, today: () => "2026-06-01" }));
  return probot;
}

describe("the app on pull_request.opened", () => {
  // Strict mocks: a request no mock matches fails the test (handlers turn errors into checks).
  let unmatched: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string }) =>
    unmatched.push(`${req.method} ${req.path}`);
  beforeEach(() => {
    unmatched = [];
    nock.disableNetConnect();
    nock.emitter.on("no match", onNoMatch);
    // The base branch requires everything (its audit is tested in test/policy-change/).
    nock("https://api.github.com")
      .persist()
      .get(/\/rules\/branches\//)
      .query(true)
      .reply(200, RULES_REQUIRING_EVERYTHING)
      .get(/\/branches\/[^/]+\/protection$/)
      .reply(404, { message: "Branch not protected" });
  });
  afterEach(() => {
    nock.emitter.removeListener("no match", onNoMatch);
    nock.cleanAll();
    nock.enableNetConnect();
    expect(unmatched).toEqual([]);
  });

  it("posts an in-progress check, completes it with annotations, and reviews the changed line", async () => {
    const payload = example("pull_request", "opened");
    const pr = payload.pull_request as {
      number: number;
      base: { sha: string };
      head: { sha: string };
    };
    const repo = "/repos/Codertocat/Hello-World";
    const bodies: Record<string, unknown[]> = { create: [], update: [], review: [] };
    const graphql: { query: string; variables: Record<string, string> }[] = [];
    const api = nock("https://api.github.com")
      .post("/app/installations/4242/access_tokens")
      .reply(201, { token: "test-token", expires_at: "2099-01-01T00:00:00Z", permissions: {} })
      .post(`${repo}/check-runs`, (b) => (bodies.create!.push(b), true))
      .reply(201, { id: 99 })
      .get(`${repo}/contents/.github%2Fportcullis.yml`)
      .query({ ref: pr.base.sha })
      .reply(200, POLICY_ONLY_CONFIG)
      .get(`${repo}/pulls/${pr.number}/files`)
      .query({ per_page: 100 })
      .reply(200, [{ filename: "apps/web.yaml", status: "added", patch: PATCH, sha: "abc" }])
      .get(`${repo}/git/trees/${pr.head.sha}`)
      .query({ recursive: "true" })
      .reply(200, {
        sha: pr.head.sha,
        truncated: false,
        tree: [{ path: "apps/web.yaml", type: "blob" }],
      })
      .get(`${repo}/git/trees/${pr.base.sha}`)
      .query({ recursive: "true" })
      .reply(200, { sha: pr.base.sha, truncated: false, tree: [] })
      .post("/graphql", (b: { query: string; variables: Record<string, string> }) => {
        if (!b.query.includes("object(expression")) return false;
        graphql.push(b);
        return true;
      })
      .reply(200, {
        data: {
          repository: { f0: { oid: "abc", isBinary: false, isTruncated: false, text: MANIFEST } },
        },
      })
      .patch(`${repo}/check-runs/99`, (b) => (bodies.update!.push(b), true))
      .reply(200, { id: 99 })
      .get(`${repo}/pulls/${pr.number}/comments`)
      .query({ per_page: 100 })
      .reply(200, [])
      .post(`${repo}/pulls/${pr.number}/reviews`, (b) => (bodies.review!.push(b), true))
      .reply(200, { id: 1 });

    const sent = record(api);
    await newProbot().receive({ id: "delivery-1", name: "pull_request", payload } as never);
    await queue.idle();
    const requests = sent.length;
    expect(openApiErrors(sent)).toEqual([]);

    expect(api.pendingMocks()).toEqual([]);
    // Token, check create, config, file list, two trees, contents (one GraphQL query), check
    // update, existing review comments, review: 10 requests for the whole review.
    expect(requests).toBe(10);
    expect(graphql[0]!.variables.e0).toBe(`${pr.head.sha}:apps/web.yaml`);
    expect(bodies.create).toEqual([
      expect.objectContaining({
        name: POLICY_CHECK_NAME,
        head_sha: pr.head.sha,
        status: "in_progress",
      }),
    ]);
    const update = bodies.update![0] as {
      status: string;
      conclusion: string;
      output: {
        title: string;
        annotations: { path: string; start_line: number; annotation_level: string }[];
      };
    };
    expect(update.status).toBe("completed");
    expect(update.conclusion).toBe("failure");
    expect(update.output.annotations).toContainEqual(
      expect.objectContaining({
        path: "apps/web.yaml",
        start_line: 11,
        annotation_level: "failure",
      }),
    );
    const review = bodies.review![0] as {
      commit_id: string;
      event: string;
      comments: { path: string; line: number; body: string }[];
    };
    expect(review.commit_id).toBe(pr.head.sha);
    expect(review.event).toBe("COMMENT");
    const privileged = review.comments.find((c) => c.line === 11);
    expect(privileged?.path).toBe("apps/web.yaml");
    expect(fingerprintOfComment(privileged!.body)).toBeDefined();

    // The local twin prints exactly what the app posted, for the same change.
    const local = gitRepo();
    local.write("README.md", "base\n");
    local.commit("base");
    local.git("checkout", "-q", "-b", "feature");
    local.write("apps/web.yaml", MANIFEST);
    local.commit("add web");
    let stdout = "";
    await runCli(["review", local.dir, "--base", "main", "--format", "json"], {
      cwd: local.dir,
      env: { PORTCULLIS_TODAY: "2026-06-01" },
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => true },
      version: "test",
      bundle: bundle(),
    });
    const twin = JSON.parse(stdout) as {
      check: { conclusion: string; title: string; summary: string; annotations: unknown[] };
      review: { comments: { path: string; line: number; body: string }[] };
    };
    const sha = (text: string) => text.replace(/[0-9a-f]{12}/g, "<sha>");
    const posted = update as unknown as {
      conclusion: string;
      output: { title: string; summary: string; annotations: unknown[] };
    };
    expect(twin.check.conclusion).toBe(posted.conclusion);
    expect(twin.check.title).toBe(posted.output.title);
    expect(sha(twin.check.summary)).toBe(sha(posted.output.summary));
    expect(twin.check.annotations).toEqual(posted.output.annotations);
    expect(twin.review.comments.map(({ path, line, body }) => ({ path, line, body }))).toEqual(
      review.comments.map(({ path, line, body }) => ({ path, line, body })),
    );
  });

  it("completes the check as a failure when the review breaks, never leaving it in progress", async () => {
    const payload = example("pull_request", "opened");
    const pr = payload.pull_request as { number: number; base: { sha: string } };
    const repo = "/repos/Codertocat/Hello-World";
    let completed: { conclusion?: string; output?: { title: string } } = {};
    const gitChecks: { name?: string; status?: string; conclusion?: string }[] = [];
    const api = nock("https://api.github.com")
      .post("/app/installations/4242/access_tokens")
      .reply(201, { token: "test-token", expires_at: "2099-01-01T00:00:00Z", permissions: {} })
      .post(`${repo}/check-runs`)
      .reply(201, { id: 100 })
      .get(`${repo}/contents/.github%2Fportcullis.yml`)
      .query({ ref: pr.base.sha })
      .reply(500, { message: "Server Error" })
      .patch(`${repo}/check-runs/100`, (b) => ((completed = b), true))
      .reply(200, { id: 100 })
      // The Git-layer checks still appear, completed as failures with the same reason.
      .get(`${repo}/contents/.github%2Fportcullis.yml`)
      .query({ ref: pr.base.sha })
      .reply(500, { message: "Server Error" })
      .post(`${repo}/check-runs`, (b) => (gitChecks.push(b), true))
      .reply(201, { id: 101 })
      .post(`${repo}/check-runs`, (b) => (gitChecks.push(b), true))
      .reply(201, { id: 102 });

    const sent = record(api);
    await newProbot().receive({ id: "delivery-2", name: "pull_request", payload } as never);
    await queue.idle();
    expect(openApiErrors(sent)).toEqual([]);

    expect(api.pendingMocks()).toEqual([]);
    expect(completed.conclusion).toBe("failure");
    expect(completed.output?.title).toBe("Portcullis could not complete the review");
    expect(gitChecks.map((c) => [c.name, c.status, c.conclusion])).toEqual([
      ["Portcullis / code owners", "completed", "failure"],
      ["Portcullis / signed commits", "completed", "failure"],
    ]);
  });

  it("re-runs from the UI for a fork pull request (no pull_requests in the payload)", async () => {
    const payload = example("check_run", "rerequested") as {
      check_run: { head_sha: string };
      installation: unknown;
    };
    const sha = payload.check_run.head_sha;
    const repo = "/repos/github/hello-world";
    const pr = {
      number: 5,
      state: "open",
      changed_files: 0,
      base: { sha: "b".repeat(40) },
      head: { sha },
    };
    let completed: { conclusion?: string } = {};
    const api = nock("https://api.github.com")
      .post(/^\/app\/installations\/\d+\/access_tokens$/)
      .reply(201, { token: "test-token", expires_at: "2099-01-01T00:00:00Z", permissions: {} })
      .get(`${repo}/commits/${sha}/pulls`)
      .reply(200, [{ number: 5, state: "open" }])
      .get(`${repo}/pulls/5`)
      .reply(200, pr)
      .post(`${repo}/check-runs`)
      .reply(201, { id: 300 })
      .get(`${repo}/contents/.github%2Fportcullis.yml`)
      .query({ ref: pr.base.sha })
      .reply(200, POLICY_ONLY_CONFIG)
      .get(`${repo}/pulls/5/files`)
      .query({ per_page: 100 })
      .reply(200, [])
      .get(`${repo}/git/trees/${sha}`)
      .query({ recursive: "true" })
      .reply(200, { sha, truncated: false, tree: [] })
      .get(`${repo}/git/trees/${pr.base.sha}`)
      .query({ recursive: "true" })
      .reply(200, { sha: pr.base.sha, truncated: false, tree: [] })
      .patch(`${repo}/check-runs/300`, (b) => ((completed = b), true))
      .reply(200, { id: 300 })
      .get(`${repo}/pulls/5/comments`)
      .query({ per_page: 100 })
      .reply(200, []);
    const sent = record(api);

    await newProbot().receive({ id: "delivery-3", name: "check_run", payload } as never);
    await queue.idle();

    expect(api.pendingMocks()).toEqual([]);
    expect(openApiErrors(sent)).toEqual([]);
    expect(completed.conclusion).toBe("success");
  });

  it("ignores an edit that does not change the base branch (no API call at all)", async () => {
    const payload = {
      ...example("pull_request", "opened"),
      action: "edited",
      changes: { title: { from: "old" } },
    };
    // With the network disabled and no mock, any request would make the handler (and receive) throw.
    await newProbot().receive({ id: "delivery-4", name: "pull_request", payload } as never);
    await queue.idle();
    // (the branch-protection answers of beforeEach stay unused: nothing was reviewed)
    expect(nock.pendingMocks().filter((m) => !m.includes("branches"))).toEqual([]);
  });

  describe("Apply fixes", () => {
    const repo = "/repos/electron/electron";
    const head = "5bd5f196a46b8222fb7484f05faba41a73cf34bd";
    const baseSha = "a".repeat(40);
    const payload = () => {
      const p = example("check_run", "requested_action") as Record<string, unknown> & {
        check_run: Record<string, unknown>;
      };
      p.requested_action = { identifier: "apply-fixes" };
      p.check_run = { ...p.check_run, head_sha: head, pull_requests: [{ number: 26764 }] };
      return p;
    };
    const pull = (headRepo: string) => ({
      number: 26764,
      changed_files: 1,
      base: { sha: baseSha, ref: "main", repo: { full_name: "electron/electron" } },
      head: { sha: head, ref: "feature/web", repo: { full_name: headRepo } },
    });

    it("commits every safe fix to a same-repository branch: tree, commit, fast-forward ref", async () => {
      const bodies: Record<string, { [k: string]: unknown }> = {};
      const api = nock("https://api.github.com")
        .post(/^\/app\/installations\/\d+\/access_tokens$/)
        .reply(201, { token: "test-token", expires_at: "2099-01-01T00:00:00Z", permissions: {} })
        .get(`${repo}/pulls/26764`)
        .reply(200, pull("electron/electron"))
        .get(`${repo}/contents/.github%2Fportcullis.yml`)
        .query({ ref: baseSha })
        .reply(404, { message: "Not Found" })
        .get(`${repo}/pulls/26764/files`)
        .query({ per_page: 100 })
        .reply(200, [{ filename: "apps/web.yaml", status: "added", patch: PATCH }])
        .get(`${repo}/git/trees/${head}`)
        .query({ recursive: "true" })
        .reply(200, {
          sha: head,
          truncated: false,
          tree: [{ path: "apps/web.yaml", type: "blob" }],
        })
        .get(`${repo}/git/trees/${baseSha}`)
        .query({ recursive: "true" })
        .reply(200, { sha: baseSha, truncated: false, tree: [] })
        .post("/graphql")
        .reply(200, {
          data: {
            repository: { f0: { oid: "abc", isBinary: false, isTruncated: false, text: MANIFEST } },
          },
        })
        .get(`${repo}/git/commits/${head}`)
        .reply(200, { sha: head, tree: { sha: "t".repeat(40) } })
        .post(`${repo}/git/trees`, (b) => ((bodies.tree = b), true))
        .reply(201, { sha: "u".repeat(40) })
        .post(`${repo}/git/commits`, (b) => ((bodies.commit = b), true))
        .reply(201, { sha: "c".repeat(40) })
        .patch(`${repo}/git/refs/heads%2Ffeature%2Fweb`, (b) => ((bodies.ref = b), true))
        .reply(200, { ref: "refs/heads/feature/web" });
      const sent = record(api);

      await newProbot(true).receive({
        id: "delivery-5",
        name: "check_run",
        payload: payload(),
      } as never);
      await queue.idle();

      expect(api.pendingMocks()).toEqual([]);
      expect(openApiErrors(sent)).toEqual([]);
      const tree = bodies.tree as { base_tree: string; tree: { path: string; content: string }[] };
      expect(tree.base_tree).toBe("t".repeat(40));
      expect(tree.tree.map((t) => t.path)).toEqual(["apps/web.yaml"]);
      expect(tree.tree[0]!.content).toContain("privileged: false");
      const commit = bodies.commit as { message: string; parents: string[] };
      expect(commit.parents).toEqual([head]);
      expect(commit.message).toMatch(/^Apply Portcullis fixes\n[\s\S]*- PCK001: 1 finding\n/);
      expect(bodies.ref).toEqual({ sha: "c".repeat(40), force: false });
    });

    it("refuses a branch in a fork: no commit, no write at all", async () => {
      const api = nock("https://api.github.com")
        .post(/^\/app\/installations\/\d+\/access_tokens$/)
        .reply(201, { token: "test-token", expires_at: "2099-01-01T00:00:00Z", permissions: {} })
        .get(`${repo}/pulls/26764`)
        .reply(200, pull("someone/electron-fork"));
      const sent = record(api);
      await newProbot(true).receive({
        id: "delivery-6",
        name: "check_run",
        payload: payload(),
      } as never);
      await queue.idle();
      expect(api.pendingMocks()).toEqual([]);
      expect(sent.filter((r) => r.method !== "GET" && !r.path.includes("access_tokens"))).toEqual(
        [],
      );
    });
  });

  it("re-evaluates only the code-owners check when a review is submitted (team owner approves)", async () => {
    const payload = example("pull_request_review", "submitted") as {
      pull_request: { number: number; base: { sha: string }; head: { sha: string } };
    };
    const { number, base, head } = payload.pull_request;
    const repo = "/repos/Codertocat/Hello-World";
    const codeowners = "* @acme/platform\n/clusters/prod/ @acme/security\n";
    const posted: {
      name: string;
      conclusion: string;
      output: { title: string; summary: string };
    }[] = [];
    const api = nock("https://api.github.com")
      .post(/^\/app\/installations\/\d+\/access_tokens$/)
      .reply(201, { token: "test-token", expires_at: "2099-01-01T00:00:00Z", permissions: {} })
      // The review event's pull request has no file or commit counts: the app reads it.
      .get(`${repo}/pulls/${number}`)
      .reply(200, { ...payload.pull_request, changed_files: 2, commits: 1 })
      .get(`${repo}/contents/.github%2Fportcullis.yml`)
      .query({ ref: base.sha })
      .reply(404, { message: "Not Found" })
      .get(`${repo}/pulls/${number}/files`)
      .query({ per_page: 100 })
      .reply(200, [
        { filename: "apps/web.yaml", status: "modified" },
        { filename: "clusters/prod/apps.yaml", status: "modified" },
      ])
      // The base's tree says where CODEOWNERS is: the other places are not asked for.
      .get(`${repo}/git/trees/${base.sha}`)
      .query({ recursive: "true" })
      .reply(200, {
        sha: base.sha,
        truncated: false,
        tree: [{ path: ".github/CODEOWNERS", type: "blob" }],
      })
      .get(`${repo}/contents/.github%2FCODEOWNERS`)
      .query({ ref: base.sha })
      .reply(200, {
        type: "file",
        encoding: "base64",
        content: Buffer.from(codeowners).toString("base64"),
        sha: "c",
      })
      .get(`${repo}/codeowners/errors`)
      .query({ ref: base.sha })
      .reply(200, {
        errors: [
          {
            line: 2,
            column: 17,
            kind: "Unknown owner",
            source: "/clusters/prod/ @acme/security",
            suggestion: "make sure @acme/security exists and has write access to the repository",
            message:
              "Unknown owner on line 2: make sure @acme/security exists\n\n  /clusters/prod/ @acme/security\n",
            path: ".github/CODEOWNERS",
          },
        ],
      })
      .get(`${repo}/pulls/${number}/reviews`)
      .query({ per_page: 100 })
      .reply(200, [
        {
          user: { login: "paula" },
          state: "APPROVED",
          commit_id: head.sha,
          submitted_at: "2026-06-01T10:00:00Z",
        },
        {
          user: { login: "sam" },
          state: "APPROVED",
          commit_id: head.sha,
          submitted_at: "2026-06-01T09:00:00Z",
        },
        {
          user: { login: "sam" },
          state: "DISMISSED",
          commit_id: head.sha,
          submitted_at: "2026-06-01T11:00:00Z",
        },
      ])
      .get("/orgs/acme/teams/platform/members")
      .query({ per_page: 100 })
      .reply(200, [{ login: "paula" }])
      .get("/orgs/acme/teams/security/members")
      .query({ per_page: 100 })
      .reply(200, [{ login: "sam" }])
      .post(`${repo}/check-runs`, (b) => (posted.push(b), true))
      .reply(201, { id: 400 });
    const sent = record(api);

    await newProbot().receive({ id: "delivery-7", name: "pull_request_review", payload } as never);
    await queue.idle();

    expect(api.pendingMocks()).toEqual([]);
    expect(openApiErrors(sent)).toEqual([]);
    // Only the code-owners check: no policy run, no signed-commits check, no review.
    expect(posted.map((p) => [p.name, p.conclusion])).toEqual([
      ["Portcullis / code owners", "failure"],
    ]);
    expect(posted[0]!.output.title).toBe("1 file(s) wait for a code owner");
    expect(posted[0]!.output.summary).toContain(
      "| apps/web.yaml | `@acme/platform` | approved by `paula` |",
    );
    expect(posted[0]!.output.summary).toContain(
      "| clusters/prod/apps.yaml | `@acme/security` | waiting for `@acme/security` |",
    );
    // GitHub's own view of the file (codeowners/errors) is listed with its line.
    // (mentions are defused with a zero-width joiner, so no team is pinged)
    expect(posted[0]!.output.summary).toMatch(
      /- line 2: GitHub: Unknown owner on line 2: make sure @\u200dacme\/security exists/,
    );
  });

  it("judges a PR that edits CODEOWNERS by the base's owners, and names the one unsigned commit", async () => {
    const payload = example("pull_request", "synchronize") as {
      pull_request: {
        number: number;
        base: { sha: string };
        head: { sha: string };
        commits?: number;
      };
    };
    payload.pull_request.commits = 3;
    const { number, base, head } = payload.pull_request;
    const repo = "/repos/Codertocat/Hello-World";
    // The base says the security team owns .github/; the PR's own CODEOWNERS does not matter.
    const baseCodeowners = "* @acme/platform\n/.github/ @acme/security\n";
    const signed = (sha: string) => ({
      sha,
      parents: [{ sha: "p" }],
      author: { login: "dev", type: "User" },
      commit: {
        verification: {
          verified: true,
          reason: "valid",
          signature: "-----BEGIN PGP SIGNATURE-----",
        },
      },
    });
    const posted: {
      name: string;
      conclusion: string;
      output: { title: string; summary: string };
    }[] = [];
    const api = nock("https://api.github.com")
      .post(/^\/app\/installations\/\d+\/access_tokens$/)
      .reply(201, { token: "test-token", expires_at: "2099-01-01T00:00:00Z", permissions: {} })
      .post(`${repo}/check-runs`, (b: { name: string }) => b.name === "Portcullis / policies")
      .reply(201, { id: 500 })
      .get(`${repo}/contents/.github%2Fportcullis.yml`)
      .query({ ref: base.sha })
      .reply(404, { message: "Not Found" })
      .get(`${repo}/pulls/${number}/files`)
      .query({ per_page: 100 })
      .reply(200, [
        { filename: ".github/CODEOWNERS", status: "modified", patch: "@@ -1,2 +1,2 @@\n-x\n+y" },
      ])
      .get(`${repo}/git/trees/${head.sha}`)
      .query({ recursive: "true" })
      .reply(200, { sha: head.sha, truncated: false, tree: [] })
      .get(`${repo}/git/trees/${base.sha}`)
      .query({ recursive: "true" })
      .reply(200, {
        sha: base.sha,
        truncated: false,
        tree: [{ path: ".github/CODEOWNERS", type: "blob" }],
      })
      .patch(`${repo}/check-runs/500`)
      .reply(200, { id: 500 })
      .get(`${repo}/pulls/${number}/comments`)
      .query({ per_page: 100 })
      .reply(200, [])
      .get(`${repo}/contents/.github%2FCODEOWNERS`)
      .query({ ref: base.sha })
      .reply(200, {
        type: "file",
        encoding: "base64",
        content: Buffer.from(baseCodeowners).toString("base64"),
        sha: "c",
      })
      .get(`${repo}/codeowners/errors`)
      .query({ ref: base.sha })
      .reply(200, { errors: [] })
      .get(`${repo}/pulls/${number}/commits`)
      .query({ per_page: 100 })
      .reply(200, [
        signed("1".repeat(40)),
        {
          ...signed("2".repeat(40)),
          commit: { verification: { verified: false, reason: "unsigned", signature: null } },
        },
        signed("3".repeat(40)),
      ])
      .get(`${repo}/pulls/${number}/reviews`)
      .query({ per_page: 100 })
      .reply(200, [
        {
          user: { login: "paula" },
          state: "APPROVED",
          commit_id: head.sha,
          submitted_at: "2026-06-01T10:00:00Z",
        },
      ])
      .get("/orgs/acme/teams/security/members")
      .query({ per_page: 100 })
      .reply(200, [{ login: "sam" }])
      .post(`${repo}/check-runs`, (b) => (posted.push(b), true))
      .reply(201, { id: 501 })
      .post(`${repo}/check-runs`, (b) => (posted.push(b), true))
      .reply(201, { id: 502 });
    const sent = record(api);

    await newProbot().receive({ id: "delivery-8", name: "pull_request", payload } as never);
    await queue.idle();

    expect(api.pendingMocks()).toEqual([]);
    expect(openApiErrors(sent)).toEqual([]);
    const [owners, signatures] = posted;
    expect(owners!.name).toBe("Portcullis / code owners");
    expect(owners!.conclusion).toBe("failure");
    expect(owners!.output.summary).toContain(
      "| .github/CODEOWNERS | `@acme/security` | waiting for `@acme/security` |",
    );
    expect(signatures!.name).toBe("Portcullis / signed commits");
    expect(signatures!.conclusion).toBe("failure");
    expect(signatures!.output.title).toBe("1 of 3 commits not verified");
    expect(signatures!.output.summary).toContain(
      "| `222222222222` | dev | fail | the commit is not signed |",
    );
  });
});
