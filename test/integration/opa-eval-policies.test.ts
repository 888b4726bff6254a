// Policies that call builtins only the pinned opa supplies, in the app (probot.receive() against
// the loopback GitHub stand-in, policies evaluated in the worker pool as the server does): the
// conftest-style ones and the Gatekeeper template give the same findings as `portcullis check`
// (test/cli/opa-eval-policies.test.ts) and the real tools' messages.
import {
  IsolatedPolicyCompiler,
  PolicyWorkerPool,
} from "../../src/engines/opa/isolated-policies.js";
import { ReviewQueue } from "../../src/review/review-queue.js";
import type { ReviewTask } from "../../src/jobs/review-jobs.js";
import { bundle } from "../support/engine.js";
import { startGitHubStandIn } from "../support/github-stand-in.js";
import {
  conftestMessages,
  gatekeeperMessages,
  opaEvalRepository,
} from "../support/opa-eval-fixtures.js";
import { appOn, webhookExample } from "../support/webhooks.js";

interface CheckBody {
  status?: string;
  conclusion?: string;
  output?: { annotations: { path: string; start_line: number; title: string; message: string }[] };
}

const CONFIG =
  "codeOwners: { enabled: false }\nsignedCommits: { enabled: false }\npolicies:\n  paths: [policy]\n  gatekeeper: [gatekeeper]\n";

describe("policies the pinned opa evaluates, in the app", () => {
  const opened = webhookExample("pull_request", "opened");
  const { number, base, head } = opened.pull_request;
  const pool = new PolicyWorkerPool({ size: 1 });
  afterAll(() => pool.close());

  /** Delivers pull_request.opened for `files` (base and head) and returns the completed check. */
  async function review(files: Record<string, string>, compiler: IsolatedPolicyCompiler) {
    const standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files: { [base.sha]: files, [head.sha]: files },
      changed: [{ filename: "apps/shop.yaml", status: "added" }],
    });
    try {
      const queue = new ReviewQueue<ReviewTask>(1);
      const probot = appOn(standIn.url, {
        bundle: bundle(),
        queue,
        fixCommits: false,
        today: () => "2026-06-01",
        policyCompiler: compiler,
      });
      await probot.receive({
        id: `opa-eval-${Math.random()}`,
        name: "pull_request",
        payload: opened,
      } as never);
      await queue.idle();
      return standIn.requests
        .map((r) => r.body as CheckBody)
        .find((b) => b?.status === "completed");
    } finally {
      await standIn.close();
    }
  }

  it("reviews a change with them: conftest's and opa eval's messages, at the objects' lines", async () => {
    const completed = await review(
      { ".github/portcullis.yml": CONFIG, ...opaEvalRepository() },
      new IsolatedPolicyCompiler(pool),
    );
    expect(completed?.conclusion).toBe("failure");
    const annotations = completed!.output!.annotations;
    const repository = annotations.filter((a) => a.title.includes("main."));
    expect(repository.map((a) => [a.path, a.start_line])).toEqual([
      ["apps/shop.yaml", 2],
      ["apps/shop.yaml", 2],
      ["apps/shop.yaml", 2],
    ]);
    const conftest = conftestMessages();
    if (conftest) expect(repository.map((a) => a.message).sort()).toEqual(conftest);
    const gatekeeper = annotations.filter((a) =>
      a.title.includes("K8sAllowedSourceRanges/office-only"),
    );
    expect(gatekeeper.map((a) => [a.path, a.start_line])).toEqual([["apps/shop.yaml", 66]]);
    // The message, then the link to the constraint.
    expect(gatekeeper.map((a) => a.message.split("\n")[0])).toEqual(gatekeeperMessages());
    expect(gatekeeper[0]!.message).toMatch(/\/gatekeeper\/constraint\.yaml#L2$/);
    // Nothing failed to load or to evaluate.
    expect(annotations.filter((a) => /could not|not evaluated|failed/.test(a.message))).toEqual([]);
  }, 60_000);

  it("stops a runaway one at the pool's time limit, its opa process with it", async () => {
    const runaway =
      'package main\n\nimport rego.v1\n\ndeny contains "never" if {\n  uri.is_valid("https://example.com")\n  r := numbers.range(1, 40000)\n  some i in r\n  some j in r\n  i == j\n  i < 0\n}\n';
    const short = new PolicyWorkerPool({ size: 1, timeLimitMs: 1_000 });
    const files = {
      ".github/portcullis.yml": CONFIG,
      "apps/shop.yaml": opaEvalRepository()["apps/shop.yaml"]!,
      "policy/runaway.rego": runaway,
    };
    try {
      const completed = await review(files, new IsolatedPolicyCompiler(short));
      expect(completed?.conclusion).toBe("failure");
      const stopped = completed!.output!.annotations.filter((a) =>
        a.message.includes("repository policy stopped: it ran longer than 1 s"),
      );
      expect(stopped.length).toBeGreaterThan(0);
    } finally {
      // The worker ends when its opa child does: at the pool's limit, not opa eval's default 20 s.
      const started = Date.now();
      await short.close();
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  }, 60_000);
});
