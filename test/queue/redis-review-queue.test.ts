// The Redis (BullMQ) review queue against a real Redis: dedupe across replicas, supersede, retry,
// and crash recovery (a worker process killed mid-review; another completes the check it started).
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { RedisReviewQueue } from "../../src/adapters/redis/redis-review-queue.js";
import type { JobControl } from "../../src/review/review-queue.js";
import { startTestRedis, type TestRedis } from "../support/redis.js";

interface Task {
  readonly name: string;
  readonly failures?: number;
}

let redis: TestRedis | undefined;
beforeAll(async () => {
  redis = await startTestRedis();
  if (!redis)
    process.stderr.write(
      `redis-review-queue: skipped: no REDIS_URL and no redis-server on PATH (.ci/run installs one)\n`,
    );
}, 20_000);
afterAll(async () => redis?.stop());

const queues: RedisReviewQueue<Task>[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

/** A queue (one "replica") on a prefix of its own, so tests never see each other's jobs. */
function replica(
  prefix: string,
  options: { lockDurationMs?: number; stalledIntervalMs?: number } = {},
) {
  const queue = new RedisReviewQueue<Task>({
    url: redis!.url,
    concurrency: 2,
    prefix,
    retry: { attempts: 3, backoffMs: 20 },
    ...options,
  });
  queues.push(queue);
  return queue;
}

function recorder(log: string[], gate?: Promise<void>) {
  return async (task: Task, control: JobControl) => {
    log.push(`start ${task.name}#${control.attempt}`);
    await gate;
    if (control.attempt <= (task.failures ?? 0)) {
      await control.rememberCheckRun(700 + control.attempt);
      throw new Error(`boom ${task.name}`);
    }
    log.push(
      `end ${task.name} current=${await control.isCurrent()} check=${control.checkRunId ?? "-"}`,
    );
  };
}

const job = (key: string, headSha: string, deliveryId?: string, extra: Partial<Task> = {}) => ({
  key,
  headSha,
  deliveryId,
  task: { name: `${key}@${headSha}`, ...extra },
});

const maybe = (name: string, fn: () => Promise<void>, timeout = 30_000) =>
  it(
    name,
    async () => {
      if (!redis) return;
      await fn();
    },
    timeout,
  );

describe("RedisReviewQueue", () => {
  maybe("processes a delivery once across replicas", async () => {
    const prefix = `t-${randomUUID()}`;
    const a = replica(prefix);
    const b = replica(prefix);
    expect(await a.enqueue(job("r#1", "a", "d-1"))).toBe("queued");
    expect(await b.enqueue(job("r#1", "a", "d-1"))).toBe("duplicate-delivery");
    const log: string[] = [];
    b.process(recorder(log));
    await b.idle();
    expect(log).toEqual(["start r#1@a#1", "end r#1@a current=true check=-"]);
  });

  maybe(
    "lets a newer head replace a queued one and tells a running one it is superseded",
    async () => {
      const prefix = `t-${randomUUID()}`;
      const q = replica(prefix);
      await q.enqueue(job("r#1", "a", "d-1"));
      expect(await q.enqueue(job("r#1", "b", "d-2"))).toBe("queued"); // replaces a
      expect(await q.enqueue(job("r#1", "b", "d-3"))).toBe("already-queued");
      expect(await q.depth()).toBe(1);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const log: string[] = [];
      q.process(recorder(log, gate));
      while (log.length === 0) await new Promise((r) => setTimeout(r, 20));
      // b is running; a newer push arrives on another replica.
      await replica(prefix).enqueue(job("r#1", "c", "d-4"));
      release();
      await q.idle();
      expect(log).toEqual([
        "start r#1@b#1",
        "end r#1@b current=false check=-",
        "start r#1@c#1",
        "end r#1@c current=true check=-",
      ]);
    },
  );

  maybe(
    "retries a failed job with backoff, handing the retry the check run it started",
    async () => {
      const q = replica(`t-${randomUUID()}`);
      const log: string[] = [];
      q.process(recorder(log));
      await q.enqueue(job("r#1", "a", "d-1", { failures: 1 }));
      await q.idle();
      expect(log).toEqual(["start r#1@a#1", "start r#1@a#2", "end r#1@a current=true check=701"]);
    },
  );

  maybe(
    "completes the check of a worker process killed mid-review, from another worker",
    async () => {
      const prefix = `t-${randomUUID()}`;
      const fast = { lockDurationMs: 1_000, stalledIntervalMs: 300 };
      await replica(prefix, fast).enqueue(job("r#1", "a", "d-1"));
      // A worker in another process takes the job, starts its check (id 4242), then hangs.
      const module = join(packageRoot(), "dist", "adapters", "redis", "redis-review-queue.js");
      const child = spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { RedisReviewQueue } from ${JSON.stringify(module)};
           const q = new RedisReviewQueue({ url: ${JSON.stringify(redis!.url)}, concurrency: 1,
             prefix: ${JSON.stringify(prefix)}, lockDurationMs: 1000, stalledIntervalMs: 300 });
           q.process(async (task, control) => {
             await control.rememberCheckRun(4242);
             process.stdout.write("started\\n");
             await new Promise(() => {});
           });`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => d.toString().includes("started") && resolve());
        child.on("exit", (code) => reject(new Error(`worker exited early (${code})`)));
      });
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));

      // Another worker finds the job stalled once its lock expires, and completes check 4242.
      const log: string[] = [];
      const survivor = replica(prefix, fast);
      survivor.process(recorder(log));
      const deadline = Date.now() + 20_000;
      while (!log.some((l) => l.startsWith("end")) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(log).toEqual(["start r#1@a#1", "end r#1@a current=true check=4242"]);
    },
    40_000,
  );

  maybe("runs one job per pull request at a time, even with room for more", async () => {
    const q = replica(`t-${randomUUID()}`, { lockDurationMs: 1_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const log: string[] = [];
    q.process(async (task, control) => {
      log.push(`start ${task.name}`);
      if (task.name.endsWith("@a")) await gate;
      log.push(`end ${task.name} current=${await control.isCurrent()}`);
    });
    await q.enqueue(job("r#1", "a", "d-1"));
    while (log.length === 0) await new Promise((r) => setTimeout(r, 20));
    await q.enqueue(job("r#1", "b", "d-2")); // a re-run or a push while a runs
    await new Promise((r) => setTimeout(r, 300));
    expect(log).toEqual(["start r#1@a"]); // b waits although the worker has a free slot
    release();
    await q.idle();
    expect(log).toEqual([
      "start r#1@a",
      "end r#1@a current=false",
      "start r#1@b",
      "end r#1@b current=true",
    ]);
  });

  maybe("tells the app when a job gives up, with the check run it started", async () => {
    const q = replica(`t-${randomUUID()}`);
    const gaveUp: unknown[] = [];
    q.process(recorder([]), async (task, info) => {
      gaveUp.push({ task: task.name, ...info });
    });
    await q.enqueue(job("r#1", "a", "d-1", { failures: 5 }));
    await q.idle();
    while (gaveUp.length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(gaveUp).toEqual([
      { task: "r#1@a", checkRunId: 703, error: "boom r#1@a", permanent: false },
    ]);
  });
});
