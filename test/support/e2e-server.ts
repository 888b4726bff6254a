// The real HTTP server for end-to-end tests: Probot's node middleware on 127.0.0.1, HMAC-signed
// webhooks, production's Octokit class (retries, pacing) talking to the loopback GitHub stand-in.
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, Probot } from "probot";
import { createApp } from "../../src/app.js";
import { portcullisOctokit, WriteLanes } from "../../src/adapters/github/octokit.js";
import type { ReviewTask } from "../../src/jobs/review-jobs.js";
import { ReviewQueue, type RetryPolicy } from "../../src/review/review-queue.js";
import { privateKey } from "./app-key.js";
import { bundle } from "./engine.js";
import type { EngineDescriptor } from "../../src/engines/engine.js";
import type { RepositoryPolicyCompiler } from "../../src/ports/policy-compiler.js";

const SECRET = "e2e-webhook-secret";

export interface E2eServer {
  readonly queue: ReviewQueue<ReviewTask>;
  /** Sends a signed webhook; resolves with the HTTP status of the answer. */
  send(event: string, payload: unknown, delivery?: string): Promise<number>;
  close(): Promise<void>;
}

export interface E2eOptions {
  readonly fixCommits?: boolean;
  /** The unit of Octokit's retry waits in ms (production: 1,000; waits of 1, 4, 9 units). */
  readonly retryBaseMs?: number;
  readonly retry?: RetryPolicy;
  /** The engine registry the app loads from (the product's unless given). */
  readonly engines?: readonly EngineDescriptor[];
  /** Compiles the repository's own policies (none run without it, as in production without opa). */
  readonly policyCompiler?: RepositoryPolicyCompiler;
}

export async function startE2eServer(
  githubUrl: string,
  options: E2eOptions = {},
): Promise<E2eServer> {
  const queue = new ReviewQueue<ReviewTask>(1, {
    retry: options.retry ?? { attempts: 3, backoffMs: 10 },
  });
  const probot = new Probot({
    appId: 1,
    privateKey,
    secret: SECRET,
    baseUrl: githubUrl,
    // A bucket large enough that GitHub's write pacing (tested elsewhere) never waits here.
    Octokit: portcullisOctokit(new WriteLanes(100_000), { baseMs: options.retryBaseMs ?? 5 }),
    logLevel: "fatal",
  });
  const middleware = await createNodeMiddleware(
    createApp({
      bundle: bundle(),
      queue,
      fixCommits: options.fixCommits ?? false,
      today: () => "2026-06-01",
      ...(options.engines ? { engines: options.engines } : {}),
      ...(options.policyCompiler ? { policyCompiler: options.policyCompiler } : {}),
    }),
    { probot, webhooksPath: "/api/github/webhooks" },
  );
  const server: Server = createServer((req, res) => {
    void middleware(req, res, () => {
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  let deliveries = 0;
  return {
    queue,
    async send(event, payload, delivery = `e2e-${++deliveries}-${Date.now()}`) {
      const body = JSON.stringify(payload);
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": delivery,
          "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
        },
        body,
      });
      await response.text();
      return response.status;
    },
    async close() {
      await queue.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
