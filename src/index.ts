// Composition root of the server: real dependencies in, Probot's runner out.
import { run } from "probot";
import { createApp } from "./app.js";
import { loadPolicyBundle } from "./adapters/fs/policy-bundle.js";
import { ReviewQueue, type TaskQueue } from "./review/review-queue.js";
import { RedisReviewQueue } from "./adapters/redis/redis-review-queue.js";
import type { ReviewTask } from "./jobs/review-jobs.js";
import { Metrics } from "./ops/metrics.js";
import { portcullisOctokit, WriteLanes } from "./adapters/github/octokit.js";
import { ContentCache } from "./adapters/github/content-cache.js";
import { HelmRenderer, withHelm } from "./gitops/adapters/helm.js";
import { KustomizeRenderer } from "./gitops/adapters/kustomize.js";
import { IsolatedPolicyCompiler, PolicyWorkerPool } from "./engines/opa/isolated-policies.js";
import { applyDotEnv, serverEnv, ServerEnvError } from "./ops/server-env.js";
import { opsHandler } from "./ops/ops-handler.js";
import { notConfigured, serveWhileUnconfigured } from "./ops/setup-mode.js";
import { messageOf } from "./core/errors.js";

// The variables of docs/app.md, read before anything starts: a bad value is one line and exit 2.
let env: ReturnType<typeof serverEnv>;
try {
  // Probot's .env first, as Probot applies it, so that what it sets is checked too.
  applyDotEnv(process.env, process.cwd());
  env = serverEnv(process.env);
} catch (err) {
  if (!(err instanceof ServerEnvError)) throw err;
  process.stderr.write(`portcullis: ${err.message}\n`);
  process.exit(2);
}

const bundle = loadPolicyBundle();
const workers = env.concurrency;
const lockMs = env.lockMs ?? 0;
// REDIS_URL: jobs in Redis (BullMQ), shared by every replica; Probot's throttling uses it too.
const queue: TaskQueue<ReviewTask> = process.env.REDIS_URL
  ? new RedisReviewQueue<ReviewTask>({
      url: process.env.REDIS_URL,
      concurrency: workers,
      // Several deployments (or test runs) can share one Redis under different prefixes.
      prefix: process.env.PORTCULLIS_QUEUE_PREFIX || undefined,
      // How long a job stays with a replica that stopped answering before another takes it.
      ...(lockMs > 0 ? { lockDurationMs: lockMs, stalledIntervalMs: Math.ceil(lockMs / 2) } : {}),
    })
  : new ReviewQueue<ReviewTask>(workers);
// Opt-in: the app was granted `contents: write` (see app.yml) and may commit fixes.
const fixCommits = env.fixCommits;
const metrics = new Metrics(() => queue.depth());
// Repository policies run in worker threads with a time limit (a runaway policy is stopped).
const policyWorkers = new PolicyWorkerPool({ size: workers, timeLimitMs: env.policyTimeLimitMs });

// Graceful shutdown: stop being ready, let running reviews finish (embedded: queued ones too; on
// Redis they wait for another replica), bounded by the grace period, then exit. A review cut
// short on Redis is taken again by another replica once its lock expires.
let ready = true;
const SHUTDOWN_GRACE_MS = 25_000;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    ready = false;
    const timer = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
    void queue
      .close()
      .then(() => policyWorkers.close())
      .then(
        () => {
          clearTimeout(timer);
          process.exit(0);
        },
        (err: unknown) => {
          process.stderr.write(`portcullis: shutdown did not finish cleanly: ${String(err)}\n`);
          process.exit(1);
        },
      );
  });
}

const Octokit = portcullisOctokit(new WriteLanes(env.writeBurst));

const app = createApp({
  bundle,
  queue,
  fixCommits,
  metrics,
  // Repository policies are compiled with the opa next to the app (the image ships it).
  policyCompiler: new IsolatedPolicyCompiler(policyWorkers),
  // Contents at commit SHAs never change: kept across reviews (bounded), fewer GitHub requests.
  contentCache: new ContentCache(),
  // The kustomizations and Helm releases a change affects are rendered with the pinned
  // kustomize and helm (no network).
  renderer: withHelm(new KustomizeRenderer(), new HelmRenderer()),
  lifecycle: { ready: () => ready },
  today: () => new Date().toISOString().slice(0, 10),
});

// Without APP_ID and a private key Probot serves its setup pages and loads no app: the probes
// answer there too (alive; not ready: not configured).
let appLoaded = false;
const unconfigured = notConfigured(process.env);
serveWhileUnconfigured(
  opsHandler(metrics, { ready: () => false, notReady: () => unconfigured }),
  () => appLoaded,
);
try {
  await run(
    (probot, options) => {
      appLoaded = true;
      return app(probot, options);
    },
    { Octokit },
  );
} catch (err) {
  // Unconfigured in production mode, the port taken...: one line, exit 2, as a bad variable.
  process.stderr.write(`portcullis: ${messageOf(err).split("\n")[0]}\n`);
  process.exit(2);
}
