// The buttons of GitHub's UI end to end, with GitHub's validation: "Apply fixes" on the policy
// check (check_run.requested_action) commits the safe fixes through the Git data API, and
// "Re-run all checks" (check_suite.rerequested) reviews the head again. Signed webhooks to the
// real server; the loopback stand-in answers 422 to any body GitHub's OpenAPI schema or limits
// refuse, and only fast-forwards a branch.
import { POLICY_CHECK_NAME } from "../../src/render/check-run.js";
import { CODE_OWNERS_CHECK, SIGNED_COMMITS_CHECK } from "../../src/owners/git-checks.js";
import { startE2eServer, type E2eServer } from "../support/e2e-server.js";
import {
  startGitHubStandIn,
  type GitHubStandIn,
  type StandInRepo,
} from "../support/github-stand-in.js";
import { schemaRefusals } from "../support/openapi.js";
import { addedPatch, PRIVILEGED_POD, webhookExample } from "../support/webhooks.js";

const opened = webhookExample("pull_request", "opened", 92);
const { number, base, head } = opened.pull_request;
const pullRequest = { ...opened.pull_request, changed_files: 1, commits: 1 };
const MANIFEST = PRIVILEGED_POD;
const PATCH = addedPatch(MANIFEST);

function repository(): StandInRepo {
  return {
    owner: "Codertocat",
    repo: "Hello-World",
    number,
    files: { [base.sha]: {}, [head.sha]: { "apps/web.yaml": MANIFEST } },
    changed: [{ filename: "apps/web.yaml", status: "added", patch: PATCH }],
    pullRequest,
    commits: [
      {
        sha: head.sha,
        parents: [{ sha: base.sha }],
        author: { login: "dev", type: "User" },
        commit: { verification: { verified: false, reason: "unsigned", signature: null } },
      },
    ],
    validate: schemaRefusals,
  };
}

interface CheckBody {
  name?: string;
  status?: string;
  conclusion?: string;
  actions?: { label: string; identifier: string }[];
  output?: { title: string };
}

/** "Re-run all checks" on the head's check suite, listing `pulls` (none for a fork's head). */
function rerunOf(pulls: { number: number }[]) {
  const rerun = webhookExample("check_suite", "rerequested", 92) as unknown as Record<
    string,
    unknown
  > & { check_suite: Record<string, unknown> };
  rerun.check_suite = { ...rerun.check_suite, head_sha: head.sha, pull_requests: pulls };
  return rerun;
}

describe("GitHub's buttons, end to end", () => {
  let standIn: GitHubStandIn;
  let server: E2eServer;
  afterEach(async () => {
    await server.close();
    await standIn.close();
  });

  async function start(fixCommits: boolean) {
    standIn = await startGitHubStandIn(repository());
    server = await startE2eServer(standIn.url, { fixCommits });
  }

  /** The checks completed on the head, by name (the last completion of each). */
  function completed(): Map<string, CheckBody> {
    const out = new Map<string, CheckBody>();
    for (const r of standIn.requests) {
      const body = r.body as CheckBody | undefined;
      if (r.fault || r.refused || body?.status !== "completed") continue;
      out.set(body.name ?? r.checkRun!.name, body);
    }
    return out;
  }

  it("offers Apply fixes on the policy check, then commits the fix as a fast-forward of the branch", async () => {
    await start(true);
    expect(await server.send("pull_request", { ...opened, pull_request: pullRequest })).toBe(200);
    await server.queue.idle();
    const policy = completed().get(POLICY_CHECK_NAME)!;
    expect(policy.actions).toEqual([expect.objectContaining({ identifier: "apply-fixes" })]);

    const clicked = webhookExample("check_run", "requested_action", 92) as unknown as Record<
      string,
      unknown
    > & { check_run: Record<string, unknown> };
    clicked.repository = (opened as unknown as { repository: unknown }).repository;
    clicked.requested_action = { identifier: "apply-fixes" };
    clicked.check_run = { ...clicked.check_run, head_sha: head.sha, pull_requests: [{ number }] };
    expect(await server.send("check_run", clicked)).toBe(200);
    await server.queue.idle();

    expect(standIn.requests.filter((r) => r.refused)).toEqual([]);
    const [sha, commit] = [...standIn.created.commits][0]!;
    expect(commit!.parents).toEqual([head.sha]);
    expect(commit!.message).toMatch(/^Apply Portcullis fixes\n/);
    const tree = standIn.created.trees.get(commit!.tree)!;
    expect(tree.base_tree).toBe(`tree-of-${head.sha}`);
    expect(tree.tree.map((t) => t.path)).toEqual(["apps/web.yaml"]);
    expect(tree.tree[0]!.content).toContain("privileged: false");
    const branch = (pullRequest.head as unknown as { ref: string }).ref;
    expect(standIn.created.refs.get(`heads/${branch}`)).toBe(sha);
  });

  it("reviews the head again on Re-run all checks: the three checks, each completed", async () => {
    await start(false);
    expect(await server.send("check_suite", rerunOf([{ number }]))).toBe(200);
    await server.queue.idle();
    expect(standIn.requests.filter((r) => r.refused)).toEqual([]);
    const checks = completed();
    expect([...checks.keys()].sort()).toEqual(
      [POLICY_CHECK_NAME, CODE_OWNERS_CHECK, SIGNED_COMMITS_CHECK].sort(),
    );
    expect(checks.get(POLICY_CHECK_NAME)!.conclusion).toBe("failure");
    expect(checks.get(SIGNED_COMMITS_CHECK)!.conclusion).toBe("failure");
    for (const run of standIn.checkRuns.values()) expect(run.head_sha).toBe(head.sha);
  });

  it("finds the pull request of a re-run whose payload lists none (a fork's head)", async () => {
    await start(false);
    expect(await server.send("check_suite", rerunOf([]))).toBe(200);
    await server.queue.idle();
    expect(standIn.requests.filter((r) => r.refused)).toEqual([]);
    expect(standIn.requests.some((r) => r.path.endsWith(`/commits/${head.sha}/pulls`))).toBe(true);
    expect(completed().has(POLICY_CHECK_NAME)).toBe(true);
  });
});
