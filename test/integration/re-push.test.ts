// A new push after an approval, through probot.receive() against the loopback GitHub stand-in: with
// `dismissStaleApprovals` the code-owners check asks again; without, the approval still counts.
import { CODE_OWNERS_CHECK } from "../../src/owners/git-checks.js";
import { ReviewQueue } from "../../src/review/review-queue.js";
import type { ReviewTask } from "../../src/jobs/review-jobs.js";
import { bundle } from "../support/engine.js";
import { appOn, webhookExample } from "../support/webhooks.js";
import { startGitHubStandIn, type GitHubStandIn } from "../support/github-stand-in.js";

const find = (action: string) => webhookExample("pull_request", action, 5);

const FIRST = "1".repeat(40);
const SECOND = "2".repeat(40);
const MANIFEST = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n";

interface CheckBody {
  name: string;
  conclusion: string;
  output: { title: string; summary: string };
}

describe("a push after an approval", () => {
  const opened = find("opened");
  const { number } = opened.pull_request;
  const base = opened.pull_request.base.sha;
  let standIn: GitHubStandIn;

  async function start(config: string): Promise<void> {
    const tree = (extra: Record<string, string>) => ({
      ".github/portcullis.yml": config,
      ".github/CODEOWNERS": "/apps/ @paula\n",
      ...extra,
    });
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files: {
        [base]: tree({}),
        [FIRST]: tree({ "apps/settings.yaml": MANIFEST }),
        [SECOND]: tree({ "apps/settings.yaml": `${MANIFEST}data: {mode: fast}\n` }),
      },
      changed: [{ filename: "apps/settings.yaml", status: "added" }],
      // Paula approved the first push.
      reviews: [
        {
          user: { login: "paula" },
          state: "APPROVED",
          commit_id: FIRST,
          submitted_at: "2026-06-01T10:00:00Z",
        },
      ],
    });
  }
  afterEach(async () => standIn.close());

  /** Delivers the event for a head commit and returns the code-owners check it posted. */
  async function deliver(action: "opened" | "synchronize", headSha: string): Promise<CheckBody> {
    const payload = find(action);
    payload.pull_request = {
      ...opened.pull_request,
      head: { ...opened.pull_request.head, sha: headSha },
    };
    const queue = new ReviewQueue<ReviewTask>(1);
    const probot = appOn(standIn.url, {
      bundle: bundle(),
      queue,
      fixCommits: false,
      today: () => "2026-06-01",
    });
    const before = standIn.requests.length;
    await probot.receive({
      id: `${action}-${headSha}`,
      name: "pull_request",
      payload,
    } as never);
    await queue.idle();
    const check = standIn.requests
      .slice(before)
      .map((r) => r.body as CheckBody)
      .find((b) => b?.name === CODE_OWNERS_CHECK);
    if (!check) throw new Error("no code-owners check was posted");
    return check;
  }

  it("asks the owner again after a new push when stale approvals are dismissed", async () => {
    await start("signedCommits: { enabled: false }\ncodeOwners: { dismissStaleApprovals: true }\n");
    const first = await deliver("opened", FIRST);
    expect(first.conclusion).toBe("success");
    expect(first.output.summary).toContain(
      "| apps/settings.yaml | `@paula` | approved by `paula` |",
    );

    const second = await deliver("synchronize", SECOND);
    expect(second.conclusion).toBe("failure");
    expect(second.output.title).toBe("1 file(s) wait for a code owner");
    expect(second.output.summary).toContain("approvals of older commits do not count");
  });

  it("keeps the approval across a push by default, as GitHub does without branch protection's dismissal", async () => {
    await start("signedCommits: { enabled: false }\n");
    expect((await deliver("opened", FIRST)).conclusion).toBe("success");
    expect((await deliver("synchronize", SECOND)).conclusion).toBe("success");
  });
});
