// GitHub's limits end to end: signed webhooks to the real server, which talks to the loopback
// stand-in; the stand-in refuses (422) what GitHub refuses: bodies against GitHub's OpenAPI
// schema and its limits on texts, annotations and actions. Large pull requests (3,000 files with
// long paths, and one beyond GitHub's listing), persistent 5xx answers, a check GitHub refuses.
import { POLICY_CHECK_NAME } from "../../src/render/check-run.js";
import { CODE_OWNERS_CHECK, SIGNED_COMMITS_CHECK } from "../../src/owners/git-checks.js";
import { startE2eServer, type E2eServer } from "../support/e2e-server.js";
import {
  startGitHubStandIn,
  type GitHubStandIn,
  type StandInRepo,
} from "../support/github-stand-in.js";
import { schemaRefusals } from "../support/openapi.js";
import { webhookExample } from "../support/webhooks.js";

const opened = webhookExample("pull_request", "opened", 91);
const { number, base, head } = opened.pull_request;
const OWNER = "Codertocat";
const REPO = "Hello-World";
const CONFIG = "failOn: error\n";
const CODEOWNERS = "* @acme/platform\n";
const CHECKS = [POLICY_CHECK_NAME, CODE_OWNERS_CHECK, SIGNED_COMMITS_CHECK];
const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** A path of about 100 characters, distinct for each `i`. */
const longPath = (i: number) =>
  `clusters/production/eu-west-1/tenants/team-${String(i % 40).padStart(3, "0")}/applications/payments-service/config-${String(i).padStart(5, "0")}.yaml`;
const configMap = (i: number) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-${i}\n  namespace: payments\ndata:\n  key: value\n`;

interface CheckBody {
  name?: string;
  status?: string;
  conclusion?: string;
  output?: { title: string; summary: string; text?: string; annotations?: unknown[] };
}

/** A pull request of `count` changed files (all listed up to GitHub's 3,000), approved by an owner. */
function largePullRequest(count: number, extra: Partial<StandInRepo> = {}): StandInRepo {
  const listed = Math.min(count, 3_000);
  const headFiles: Record<string, string> = {
    ".github/portcullis.yml": CONFIG,
    ".github/CODEOWNERS": CODEOWNERS,
  };
  const changed = [];
  for (let i = 0; i < listed; i++) {
    headFiles[longPath(i)] = configMap(i);
    changed.push({ filename: longPath(i), status: "added", patch: "@@ -0,0 +1,7 @@\n+a" });
  }
  return {
    owner: OWNER,
    repo: REPO,
    number,
    files: {
      [base.sha]: { ".github/portcullis.yml": CONFIG, ".github/CODEOWNERS": CODEOWNERS },
      [head.sha]: headFiles,
    },
    changed,
    pullRequest: { ...opened.pull_request, changed_files: count, commits: 1 },
    reviews: [
      {
        user: { login: "ana" },
        state: "APPROVED",
        commit_id: head.sha,
        submitted_at: "2026-05-30T10:00:00Z",
      },
    ],
    commits: [
      {
        sha: head.sha,
        parents: [{ sha: base.sha }],
        author: { login: "dev", type: "User" },
        commit: { verification: { verified: true, reason: "valid", signature: "-----BEGIN PGP" } },
      },
    ],
    teams: { "acme/platform": ["ana"] },
    validate: schemaRefusals,
    ...extra,
  };
}

/** When each check was completed, in seconds after the first request the stand-in saw. */
function endTimes(requests: readonly { at?: number; body?: unknown; fault?: boolean }[]): string[] {
  const first = requests[0]?.at ?? 0;
  return requests
    .filter((r) => !r.fault && (r.body as CheckBody | undefined)?.status === "completed")
    .map((r) => `${(((r.at ?? first) - first) / 1000).toFixed(1)} s`);
}

describe("GitHub's limits, end to end", () => {
  let standIn: GitHubStandIn | undefined;
  let server: E2eServer | undefined;
  afterEach(async () => {
    await server?.close();
    await standIn?.close();
    server = undefined;
    standIn = undefined;
  });

  async function review(repo: StandInRepo, retryBaseMs = 5) {
    standIn = await startGitHubStandIn(repo);
    server = await startE2eServer(standIn.url, { retryBaseMs });
    const started = Date.now();
    // The webhook carries the pull request as GitHub has it (its file and commit counts).
    const payload = { ...opened, pull_request: repo.pullRequest ?? opened.pull_request };
    expect(await server.send("pull_request", payload)).toBe(200);
    await server.queue.idle();
    const elapsed = Date.now() - started;
    const requests = standIn.requests;
    /** The last body that completed each check (creation completed, or an update to completed). */
    const final = new Map<string, CheckBody>();
    for (const r of requests) {
      const body = r.body as CheckBody | undefined;
      if (r.fault || r.refused || body?.status !== "completed") continue;
      const name = body.name ?? r.checkRun?.name;
      if (name) final.set(name, body);
    }
    return { requests, final, elapsed, standIn };
  }

  it("posts all three checks within GitHub's limits for 3,000 changed files with ~100-character paths", async () => {
    const { requests, final, standIn: gh } = await review(largePullRequest(3_000));
    expect(requests.filter((r) => r.refused)).toEqual([]);
    expect([...final.keys()].sort()).toEqual([...CHECKS].sort());
    for (const run of gh.checkRuns.values()) expect(run.status).toBe("completed");
    const owners = final.get(CODE_OWNERS_CHECK)!;
    // Every file approved by an owner: the verdict passes, the table is cut with a count.
    expect(owners.conclusion).toBe("success");
    expect(owners.output!.title).toBe("Code owners approved 3000 of 3000 files");
    expect(bytes(owners.output!.summary)).toBeLessThanOrEqual(65_535);
    expect(owners.output!.summary).toMatch(
      /_… \d+ more files not shown \(\d+ approved\): the pull request's Files changed tab shows each file's owners\._$/,
    );
    const shown = owners.output!.summary.split("\n").filter((l) => l.startsWith("| clusters/"));
    const hidden = Number(/_… (\d+) more files/.exec(owners.output!.summary)![1]);
    expect(shown.length + hidden).toBe(3_000);
    expect(final.get(POLICY_CHECK_NAME)!.conclusion).toBe("success");
    expect(final.get(SIGNED_COMMITS_CHECK)!.conclusion).toBe("success");
  }, 120_000);

  it("never passes a pull request GitHub lists only in part (3,001 files): each check says why", async () => {
    const { requests, final } = await review(largePullRequest(3_001));
    expect(requests.filter((r) => r.refused)).toEqual([]);
    expect([...final.keys()].sort()).toEqual([...CHECKS].sort());
    const policies = final.get(POLICY_CHECK_NAME)!;
    expect(policies.conclusion).toBe("failure");
    expect(policies.output!.title).toBe("Incomplete: 3001 files changed, too many to review");
    const owners = final.get(CODE_OWNERS_CHECK)!;
    // Every listed file is approved, yet the 3,001st was never seen: no pass.
    expect(owners.conclusion).toBe("failure");
    expect(owners.output!.title).toMatch(/^Incomplete: GitHub listed only 3000 changed files/);
    expect(owners.output!.summary).toContain("GitHub lists at most 3,000 files of a pull request");
    expect(bytes(owners.output!.summary)).toBeLessThanOrEqual(65_535);
  }, 120_000);

  it("asks for no CODEOWNERS place the base's tree does not hold, once per commit", async () => {
    const repo = largePullRequest(3);
    const { requests } = await review({
      ...repo,
      files: { ...repo.files, [base.sha]: { ".github/portcullis.yml": CONFIG } },
    });
    expect(requests.filter((r) => /CODEOWNERS$/.test(decodeURIComponent(r.path)))).toEqual([]);
    expect(requests.filter((r) => r.path.endsWith(`/git/trees/${base.sha}`))).toHaveLength(1);
  });

  it("ends all three checks within one request's retries when GitHub keeps answering 5xx", async () => {
    // Every read fails (the contents query and every REST GET); writes still go through.
    const faults = [
      { method: "POST", path: "^/graphql$", status: 502, times: 1_000 },
      { method: "GET", path: "^/repos/", status: 503, times: 1_000 },
    ];
    // Production's unit is 1 s: `FAULT_UNIT_MS=1000` measures the real bound (docs/benchmarks.md).
    const unit = Number(process.env.FAULT_UNIT_MS ?? 20);
    const { final, requests } = await review(largePullRequest(2, { faults }), unit);
    if (process.env.FAULT_UNIT_MS)
      process.stderr.write(`checks ended ${endTimes(requests).join(", ")} after the webhook\n`);
    expect([...final.keys()].sort()).toEqual([...CHECKS].sort());
    for (const name of CHECKS) {
      expect(final.get(name)!.conclusion).toBe("failure");
      expect(final.get(name)!.output!.summary).toMatch(/50[23]/);
    }
    // Octokit's retries (waits of 1 + 4 + 9 units) run once; every later failing read is tried
    // once. (The time this takes is a benchmark: docs/benchmarks.md, not asserted here.)
    const failed = requests.filter((r) => r.fault);
    // The first failing read: 1 + 3 retries; every other failing request: once.
    const first = failed[0]!;
    const same = (r: { method: string; path: string }) =>
      r.method === first.method && r.path === first.path;
    expect(failed.slice(0, 4).every(same)).toBe(true);
    const later = failed.slice(4);
    expect(later.filter((r, i) => later.findIndex((x) => x.path === r.path) !== i)).toEqual([]);
  }, 60_000);

  it("posts the other checks when GitHub keeps failing one, and never rewrites a completed check", async () => {
    const faults = [
      { method: "POST", path: "/check-runs$", body: "code owners", status: 502, times: 1_000 },
    ];
    const { final, requests, standIn: gh } = await review(largePullRequest(2, { faults }));
    expect(final.get(POLICY_CHECK_NAME)!.conclusion).toBe("success");
    expect(final.get(SIGNED_COMMITS_CHECK)!.conclusion).toBe("success");
    expect(final.has(CODE_OWNERS_CHECK)).toBe(false);
    // The policy check was completed once and never touched again, by retries or the give-up.
    const policyId = [...gh.checkRuns.entries()].find(([, r]) => r.name === POLICY_CHECK_NAME)![0];
    const updates = requests.filter(
      (r) => r.method === "PATCH" && r.path.endsWith(`/check-runs/${policyId}`),
    );
    expect(updates).toHaveLength(1);
    expect(gh.checkRuns.get(policyId)!.conclusion).toBe("success");
  });

  it("posts the Git-layer checks when GitHub keeps failing the policy check's completion", async () => {
    const faults = [{ method: "PATCH", path: "/check-runs/\\d+$", status: 502, times: 1_000 }];
    const { final, requests } = await review(largePullRequest(2, { faults }));
    expect(final.get(CODE_OWNERS_CHECK)!.conclusion).toBe("success");
    expect(final.get(SIGNED_COMMITS_CHECK)!.conclusion).toBe("success");
    // Each of the 3 attempts posted them before it failed; the policy check stays unanswered.
    const posted = requests.filter((r) => r.method === "POST" && r.path.endsWith("/check-runs"));
    expect(posted.filter((r) => (r.body as CheckBody).name === CODE_OWNERS_CHECK)).toHaveLength(3);
    expect(final.has(POLICY_CHECK_NAME)).toBe(false);
  });

  it("posts the verdict with the reason when GitHub refuses a check's details (422)", async () => {
    const faults = [
      { method: "POST", path: "/check-runs$", body: "code owners", status: 422, times: 1 },
    ];
    const { final } = await review(largePullRequest(2, { faults }));
    expect([...final.keys()].sort()).toEqual([...CHECKS].sort());
    const owners = final.get(CODE_OWNERS_CHECK)!;
    expect(owners.conclusion).toBe("success");
    expect(owners.output!.summary).toContain("GitHub refused this check's details");
  });
});
