// A replica killed mid-review: two real server processes (dist/index.js) on one Redis, GitHub served
// by the loopback stand-in. The first takes the webhook, starts the check run, and is killed with
// SIGKILL while it waits for file contents; the second takes the job once its lock expires and
// completes that same check run. No check is left in progress, none is created twice.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { POLICY_CHECK_NAME } from "../../src/render/check-run.js";
import { privateKey } from "../support/app-key.js";
import { freePort } from "../support/server-process.js";
import { startGitHubStandIn, type GitHubStandIn } from "../support/github-stand-in.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";

const SECRET = "crash-secret";
interface Example {
  name: string;
  examples: Record<string, unknown>[];
}
const opened = structuredClone(
  (createRequire(import.meta.url)("@octokit/webhooks-examples") as Example[])
    .find((e) => e.name === "pull_request")!
    .examples.find((x) => x.action === "opened")!,
) as { pull_request: { number: number; base: { sha: string }; head: { sha: string } } };
const { number, base, head } = opened.pull_request;
const POD =
  "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  hostNetwork: true\n  containers:\n    - {name: web, image: 'ghcr.io/acme/web:1.0.0'}\n";
const CONFIG = "codeOwners: { enabled: false }\nsignedCommits: { enabled: false }\n";

describe("a replica killed mid-review", () => {
  let redis: TestRedis | undefined;
  let standIn: GitHubStandIn;
  const children: ChildProcess[] = [];
  // This run's own keys, should the Redis be shared (CI's).
  const prefix = `crash-${Date.now()}`;

  beforeAll(async () => {
    redis = await startTestRedis();
    if (!redis)
      process.stderr.write("crash-recovery: skipped: no REDIS_URL and no redis-server on PATH\n");
  }, 20_000);
  afterAll(async () => {
    for (const c of children) c.kill("SIGKILL");
    await standIn?.close();
    await redis?.stop();
  });

  async function replica(): Promise<{ child: ChildProcess; url: string }> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(packageRoot(), "dist", "index.js")], {
      env: {
        ...process.env,
        APP_ID: "1",
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: SECRET,
        PORT: String(port),
        HOST: "127.0.0.1",
        REDIS_URL: redis!.url,
        PORTCULLIS_QUEUE_PREFIX: prefix,
        PORTCULLIS_QUEUE_LOCK_MS: "1500",
        GHE_HOST: new URL(standIn.url).host,
        GHE_PROTOCOL: "http",
        LOG_LEVEL: "fatal",
      },
      stdio: "ignore",
    });
    children.push(child);
    for (let i = 0; i < 100; i++) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { child, url: `http://127.0.0.1:${port}/api/github/webhooks` };
  }

  it("has its job taken by another replica, which completes the check run the first one started", async () => {
    if (!redis) return;
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files: {
        [base.sha]: { ".github/portcullis.yml": CONFIG },
        [head.sha]: { ".github/portcullis.yml": CONFIG, "pod.yaml": POD },
      },
      changed: [{ filename: "pod.yaml", status: "added" }],
      // The first replica's contents query is never answered: it is killed while waiting.
      faults: [{ method: "POST", path: "graphql$", hang: true }],
    });
    const first = await replica();
    const body = JSON.stringify({ ...opened, installation: { id: 9 } });
    const response = await fetch(first.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": `crash-${Date.now()}`,
        "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
      },
      body,
    });
    expect(response.status).toBe(200);
    await standIn.waitFor((r) => r.method === "POST" && r.path.endsWith("graphql"), 15_000);
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));

    await replica();
    const completed = await standIn.waitFor(
      (r) => r.method === "PATCH" && (r.body as { status?: string })?.status === "completed",
      20_000,
    );
    const created = standIn.requests.filter(
      (r) =>
        r.method === "POST" &&
        r.path.endsWith("/check-runs") &&
        (r.body as { name?: string }).name === POLICY_CHECK_NAME,
    );
    // One check run, created by the first replica, completed by the second.
    expect(created).toHaveLength(1);
    expect(completed.path).toMatch(/\/check-runs\/1001$/);
    const output = completed.body as { conclusion: string; output: { annotations: unknown[] } };
    expect(output.conclusion).toBe("failure");
    expect(output.output.annotations.length).toBeGreaterThan(0);
  }, 60_000);
});
