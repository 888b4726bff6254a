// The seed scenario in the app: the real server on loopback, talking to the GitHub stand-in. A pull
// request adds a privileged Deployment; the repository's Kyverno policy (read at the base commit
// from policies.admission) fails the policy check on the `privileged: true` line, and the review
// carries the built-in fix as a one-click suggestion on that line.
import { POLICY_CHECK_NAME } from "../../../src/render/check-run.js";
import { startE2eServer, type E2eServer } from "../../support/e2e-server.js";
import {
  lastCompletedCheck,
  startGitHubStandIn,
  type GitHubStandIn,
} from "../../support/github-stand-in.js";
import { describeWithKyverno } from "../../support/kyverno.js";
import { webhookExample } from "../../support/webhooks.js";
import { DISALLOW_PRIVILEGED, PRIVILEGED_DEPLOYMENT } from "./fixtures.js";

const CONFIG = "policies:\n  admission: [policies/admission]\n";
const PATCH = `@@ -0,0 +1,17 @@\n${PRIVILEGED_DEPLOYMENT.trimEnd()
  .split("\n")
  .map((l) => `+${l}`)
  .join("\n")}`;

interface Annotation {
  path: string;
  start_line: number;
  annotation_level: string;
  title?: string;
  message: string;
}

describeWithKyverno("Kyverno policies in the app", () => {
  const opened = webhookExample("pull_request", "opened", 93);
  const { number, base, head } = opened.pull_request;
  let standIn: GitHubStandIn | undefined;
  let server: E2eServer | undefined;
  afterEach(async () => {
    await server?.close();
    await standIn?.close();
  });

  async function review(baseFiles: Record<string, string>, headExtra: Record<string, string> = {}) {
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files: {
        [base.sha]: baseFiles,
        [head.sha]: { ...baseFiles, ...headExtra, "apps/cart.yaml": PRIVILEGED_DEPLOYMENT },
      },
      changed: [{ filename: "apps/cart.yaml", status: "added", patch: PATCH }],
    });
    server = await startE2eServer(standIn.url);
    expect(await server.send("pull_request", opened)).toBe(200);
    await server.queue.idle();
    const check = lastCompletedCheck<{
      conclusion: string;
      output: { annotations?: Annotation[]; summary: string; text?: string };
    }>(standIn.requests, POLICY_CHECK_NAME)!;
    const reviews = standIn.requests.filter(
      (r) => r.method === "POST" && r.path.endsWith("/reviews"),
    );
    return { check, reviews: JSON.stringify(reviews.map((r) => r.body)) };
  }

  it("fails the check on the privileged: true line with Kyverno's message, with the built-in fix as a suggestion", async () => {
    const { check, reviews } = await review({
      ".github/portcullis.yml": CONFIG,
      "policies/admission/disallow-privileged.yaml": DISALLOW_PRIVILEGED,
    });
    expect(check.conclusion).toBe("failure");
    const kyverno = (check.output.annotations ?? []).filter((a) =>
      JSON.stringify(a).includes("disallow-privileged-containers/privileged-containers"),
    );
    expect(kyverno).toEqual([
      expect.objectContaining({
        path: "apps/cart.yaml",
        start_line: 17,
        annotation_level: "failure",
        message: expect.stringContaining("Privileged mode is not allowed.") as string,
      }),
    ]);
    // The catalogue's PCK001 fix on the same line: privileged: true -> false, one click.
    const comments = (JSON.parse(reviews) as { comments: { line: number; body: string }[] }[])
      .flatMap((r) => r.comments)
      .filter((c) => c.line === 17);
    expect(comments.find((c) => c.body.includes("privileged-containers"))?.body).toMatch(
      /\/policies\/admission\/disallow-privileged\.yaml#L9\)/,
    );
    expect(comments.find((c) => c.body.includes("PCK001"))?.body).toContain(
      "```suggestion\n            privileged: false\n",
    );
  }, 90_000);

  it("reads the policies at the base: a change that brings its own Kyverno policy is not judged by it", async () => {
    const { check } = await review(
      { ".github/portcullis.yml": CONFIG },
      { "policies/admission/disallow-privileged.yaml": DISALLOW_PRIVILEGED },
    );
    expect(JSON.stringify(check)).not.toContain("disallow-privileged-containers/");
  }, 90_000);
});
