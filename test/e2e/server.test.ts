// End to end over loopback: the real HTTP server receives HMAC-signed webhooks and talks to a
// GitHub stand-in over HTTP. A bad signature is refused before anything runs.
import { createHmac } from "node:crypto";
import { privateKey } from "../support/app-key.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { createNodeMiddleware, Probot } from "probot";
import { TestOctokit } from "../support/octokit.js";
import { createApp } from "../../src/app.js";
import { ReviewQueue } from "../../src/review/review-queue.js";
import type { ReviewTask } from "../../src/jobs/review-jobs.js";
import { Metrics } from "../../src/ops/metrics.js";
import { bundle } from "../support/engine.js";
import { startGitHubStandIn, type GitHubStandIn } from "../support/github-stand-in.js";
import { schemaRefusals } from "../support/openapi.js";

const SECRET = "webhook-secret-for-tests";

interface Example {
  name: string;
  examples: Record<string, unknown>[];
}
const opened = (createRequire(import.meta.url)("@octokit/webhooks-examples") as Example[])
  .find((e) => e.name === "pull_request")!
  .examples.find((x) => x.action === "opened")!;
const payload = { ...structuredClone(opened), installation: { id: 7 } } as unknown as {
  pull_request: { number: number; base: { sha: string }; head: { sha: string } };
};
const MANIFEST =
  "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  hostNetwork: true\n  containers:\n    - {name: web, image: 'ghcr.io/acme/web:1.0.0'}\n";

describe("the server over loopback", () => {
  let standIn: GitHubStandIn;
  let server: Server;
  let url: string;
  let ready = true;
  const queue = new ReviewQueue<ReviewTask>(2);
  const metrics = new Metrics(() => queue.size, { processMetrics: false });

  beforeAll(async () => {
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number: payload.pull_request.number,
      files: {
        [payload.pull_request.head.sha]: { "pod.yaml": MANIFEST },
        [payload.pull_request.base.sha]: {},
      },
      changed: [
        {
          filename: "pod.yaml",
          status: "added",
          patch: "@@ -0,0 +1,7 @@\n+x\n+x\n+x\n+x\n+x\n+x\n+x",
        },
      ],
      // GitHub's validation: a body its schema refuses is answered 422, as GitHub would.
      validate: schemaRefusals,
    });
    const probot = new Probot({
      appId: 1,
      privateKey,
      secret: SECRET,
      baseUrl: standIn.url,
      Octokit: TestOctokit,
      logLevel: "fatal",
    });
    const middleware = await createNodeMiddleware(
      createApp({
        bundle: bundle(),
        queue,
        fixCommits: false,
        metrics,
        lifecycle: { ready: () => ready },
        today: () => "2026-06-01",
      }),
      {
        probot,
        webhooksPath: "/api/github/webhooks",
      },
    );
    server = createServer((req, res) => {
      void middleware(req, res, () => {
        res.writeHead(404);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await standIn.close();
  });

  const post = (body: string, signature: string, delivery: string) =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": delivery,
        "x-hub-signature-256": signature,
      },
      body,
    });

  it("refuses a webhook whose signature does not match, and calls no API", async () => {
    const body = JSON.stringify(payload);
    const forged = `sha256=${createHmac("sha256", "not-the-secret").update(body).digest("hex")}`;
    const response = await post(body, forged, "forged-delivery");
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(standIn.requests).toEqual([]);
  });

  it("reviews a signed pull_request webhook and completes the check on the stand-in", async () => {
    const body = JSON.stringify(payload);
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    const response = await post(body, signature, "delivery-e2e-1");
    expect(response.status).toBe(200);
    // 30 s: the review starts the schema validator too, slow on a loaded machine.
    const completed = await standIn.waitFor(
      (r) => r.method === "PATCH" && (r.body as { status?: string })?.status === "completed",
      30_000,
    );
    const output = completed.body as {
      conclusion: string;
      output: { annotations: { path: string; start_line: number }[] };
    };
    expect(output.conclusion).toBe("failure");
    expect(standIn.requests.filter((r) => r.refused)).toEqual([]);
    expect(output.output.annotations).toContainEqual(
      expect.objectContaining({ path: "pod.yaml", start_line: 5 }),
    );
  });

  it("serves Prometheus metrics, liveness and readiness next to the webhook route", async () => {
    await queue.idle();
    const base = url.replace("/api/github/webhooks", "");
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^portcullis_reviews_total\{conclusion="failure"\} 1$/m);
    expect(text).toMatch(
      /^portcullis_findings_total\{rule="PCK004",severity="error",status="open"\} 1$/m,
    );
    expect(text).toMatch(/^portcullis_github_requests_total\{method="POST",status="201"\} \d+$/m);
    expect(text).toMatch(/^portcullis_queue_depth 0$/m);
    // Two evaluations: the head, and the base (empty here: the file is new).
    expect(text).toMatch(/^portcullis_evaluation_duration_seconds_count 2$/m);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    ready = false;
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
  });
});
