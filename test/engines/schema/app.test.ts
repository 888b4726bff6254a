// The app posts schema findings (PCV) like any other: as check-run annotations and inline review
// comments, through the real server on loopback talking to the GitHub stand-in. Needs kube-schema.
import { ENGINES } from "../../../src/engines/registry.js";
import { POLICY_CHECK_NAME } from "../../../src/render/check-run.js";
import { startE2eServer, type E2eServer } from "../../support/e2e-server.js";
import {
  lastCompletedCheck,
  startGitHubStandIn,
  type GitHubStandIn,
} from "../../support/github-stand-in.js";
import { webhookExample } from "../../support/webhooks.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      securityContex:
        runAsNonRoot: true
      containers:
        - name: web
          image: nginx:1.27
`;
const PATCH = `@@ -0,0 +1,16 @@\n${DEPLOYMENT.trimEnd()
  .split("\n")
  .map((l) => `+${l}`)
  .join("\n")}`;

describe("schema findings in the app", () => {
  const opened = webhookExample("pull_request", "opened", 93);
  const { number, base, head } = opened.pull_request;
  let standIn: GitHubStandIn | undefined;
  let server: E2eServer | undefined;
  afterEach(async () => {
    await server?.close();
    await standIn?.close();
  });

  it("annotates the unknown field's line and comments on it in the review", async () => {
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files: { [base.sha]: {}, [head.sha]: { "deploy.yaml": DEPLOYMENT } },
      changed: [{ filename: "deploy.yaml", status: "added", patch: PATCH }],
    });
    server = await startE2eServer(standIn.url, { engines: [...ENGINES] });
    expect(await server.send("pull_request", opened)).toBe(200);
    await server.queue.idle();
    const body = lastCompletedCheck<{
      conclusion: string;
      output: { annotations: { path: string; start_line: number; title: string }[] };
    }>(standIn.requests, POLICY_CHECK_NAME)!;
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations).toContainEqual(
      expect.objectContaining({
        path: "deploy.yaml",
        start_line: 13,
        title: expect.stringMatching(/^PCV002/),
      }),
    );
    const reviews = standIn.requests.filter(
      (r) => r.method === "POST" && /\/pulls\/\d+\/reviews$/.test(r.path),
    );
    const comments = reviews.flatMap(
      (r) =>
        (r.body as { comments?: { path: string; line: number; body: string }[] }).comments ?? [],
    );
    expect(comments).toContainEqual(
      expect.objectContaining({
        path: "deploy.yaml",
        start_line: 13,
        body: expect.stringContaining("PCV002"),
      }),
    );
  }, 60_000);

  it("is a PCV005 error on a copy the change adds of an unchanged file's object in its folder", async () => {
    const configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\ndata:\n  x: y\n";
    const patch = `@@ -0,0 +1,6 @@\n${configMap
      .trimEnd()
      .split("\n")
      .map((l) => `+${l}`)
      .join("\n")}`;
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files: {
        [base.sha]: { "apps/a.yaml": configMap },
        [head.sha]: { "apps/a.yaml": configMap, "apps/b.yaml": configMap },
      },
      changed: [{ filename: "apps/b.yaml", status: "added", patch }],
    });
    server = await startE2eServer(standIn.url, { engines: [...ENGINES] });
    expect(await server.send("pull_request", opened)).toBe(200);
    await server.queue.idle();
    const body = lastCompletedCheck<{
      conclusion: string;
      output: { annotations: { path: string; start_line: number; message: string }[] };
    }>(standIn.requests, POLICY_CHECK_NAME)!;
    expect(body.conclusion).toBe("failure");
    const twice = body.output.annotations.filter((a) => a.message.includes("is also defined"));
    expect(twice).toEqual([
      expect.objectContaining({
        path: "apps/b.yaml",
        start_line: 4,
        message: expect.stringContaining("in apps/a.yaml line 4"),
      }),
    ]);
  }, 60_000);
});
