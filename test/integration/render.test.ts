// The app renders the kustomizations a pull request affects, like `portcullis review` does: an overlay
// patch that sets privileged: true is reported at the patch line, the rendered diff is in the
// summary, and the app's check and the local twin's agree, annotation for annotation.
import { findKustomize, KustomizeRenderer } from "../../src/gitops/adapters/kustomize.js";
import type { ReviewTask } from "../../src/jobs/review-jobs.js";
import { ReviewQueue } from "../../src/review/review-queue.js";
import { runCommand } from "../support/cli.js";
import { bundle } from "../support/engine.js";
import { gitRepo } from "../support/git-repo.js";
import { startGitHubStandIn } from "../support/github-stand-in.js";
import { appOn, webhookExample } from "../support/webhooks.js";

const haveKustomize = findKustomize() !== undefined;
if (!haveKustomize)
  process.stderr.write("render (app): skipped, kustomize is not built (npm run build:render)\n");
const withKustomize = haveKustomize ? describe : describe.skip;

const opened = webhookExample("pull_request", "opened", 12);
const { number, base, head } = opened.pull_request;

const CONFIG = "codeOwners: { enabled: false }\nsignedCommits: { enabled: false }\n";
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
`;
const PATCH =
  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n";
const PRIVILEGED_PATCH = `${PATCH}  template:
    spec:
      containers:
        - name: web
          securityContext:
            privileged: true
`;
const BASE_FILES = {
  ".github/portcullis.yml": CONFIG,
  "apps/base/deployment.yaml": DEPLOYMENT,
  "apps/base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
  "apps/prod/kustomization.yaml":
    "resources:\n  - ../base\nnamespace: prod\npatches:\n  - path: patch.yaml\n",
  "apps/prod/patch.yaml": PATCH,
};
const HEAD_FILES = { ...BASE_FILES, "apps/prod/patch.yaml": PRIVILEGED_PATCH };

interface Annotation {
  path: string;
  start_line: number;
  title: string;
}

withKustomize("the app with rendering", () => {
  it("reports the overlay patch's privileged: true at its line, as the local twin does", async () => {
    const patchLines = PRIVILEGED_PATCH.trimEnd().split("\n");
    const standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files: { [base.sha]: BASE_FILES, [head.sha]: HEAD_FILES },
      changed: [
        {
          filename: "apps/prod/patch.yaml",
          status: "modified",
          patch: `@@ -1,6 +1,12 @@\n${patchLines.map((l, i) => `${i < 6 ? " " : "+"}${l}`).join("\n")}`,
        },
      ],
    });
    let app: { conclusion: string; output: { summary: string; annotations: Annotation[] } };
    try {
      const queue = new ReviewQueue<ReviewTask>(1);
      const probot = appOn(standIn.url, {
        bundle: bundle(),
        queue,
        fixCommits: false,
        today: () => "2026-06-01",
        renderer: new KustomizeRenderer(),
      });
      await probot.receive({ id: "render-1", name: "pull_request", payload: opened } as never);
      await queue.idle();
      app = standIn.requests
        .map((r) => r.body as typeof app & { status?: string })
        .find((b) => b?.status === "completed")!;
    } finally {
      await standIn.close();
    }
    const privileged = app.output.annotations.filter((a) => a.title.startsWith("PCK001"));
    expect(privileged.map((a) => `${a.path}:${a.start_line}`)).toEqual(["apps/prod/patch.yaml:12"]);
    expect(app.output.summary).toContain("### Rendered changes");

    // The same change as a local repository, through `portcullis review`.
    const r = gitRepo();
    for (const [path, text] of Object.entries(BASE_FILES)) r.write(path, text);
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write("apps/prod/patch.yaml", PRIVILEGED_PATCH);
    r.commit("privileged in prod");
    const { stdout } = await runCommand(
      ["review", r.dir, "--base", "main", "--format", "json"],
      r.dir,
      { PORTCULLIS_TODAY: "2026-06-01" },
    );
    const local = JSON.parse(stdout) as {
      check: { conclusion: string; annotations: Annotation[] };
    };
    const key = (a: Annotation) => `${a.path}:${a.start_line}:${a.title}`;
    expect(local.check.conclusion).toBe(app.conclusion);
    expect(local.check.annotations.map(key).sort()).toEqual(app.output.annotations.map(key).sort());
  }, 30_000);
});
