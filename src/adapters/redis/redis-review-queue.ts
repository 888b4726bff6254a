// The review queue on Redis (BullMQ), for several replicas: jobs survive the process that queued
// them, a delivery is processed once across replicas, a newer head supersedes queued and running
// work of the same pull request, failed jobs retry with backoff, and a job whose worker died (its
// lock expired) is picked up by another worker, which completes the check run the dead one started.
import { randomUUID } from "node:crypto";
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import {
  DEFAULT_RETRY,
  PermanentJobError,
  type EnqueueResult,
  type GiveUp,
  type JobControl,
  type QueuedJob,
  type RetryPolicy,
  type TaskProcessor,
  type TaskQueue,
} from "../../ports/task-queue.js";

export interface RedisQueueOptions {
  readonly url: string;
  /** Jobs this process runs at once. */
  readonly concurrency: number;
  readonly retry?: RetryPolicy;
  /** Key prefix (several deployments can share one Redis). */
  readonly prefix?: string;
  /** How long a worker holds a job without renewing its lock; after that another worker takes it. */
  readonly lockDurationMs?: number;
  /** How often workers look for jobs whose lock expired. */
  readonly stalledIntervalMs?: number;
}

/** How long deliveries and heads are remembered. */
const MEMORY_SECONDS = 3 * 24 * 3600;
const QUEUE_NAME = "reviews";

interface JobData<T> {
  readonly key: string;
  readonly headSha: string;
  readonly task: T;
  readonly checkRunId?: number;
}

export class RedisReviewQueue<T> implements TaskQueue<T> {
  readonly #redis: Redis;
  readonly #queue: Queue<JobData<T>>;
  readonly #prefix: string;
  readonly #retry: RetryPolicy;
  #worker: Worker<JobData<T>> | undefined;
  #workerRedis: Redis | undefined;

  constructor(private readonly options: RedisQueueOptions) {
    // BullMQ's blocking commands need no per-request retry limit.
    this.#redis = new Redis(options.url, { maxRetriesPerRequest: null });
    this.#prefix = options.prefix ?? "portcullis";
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#queue = new Queue<JobData<T>>(QUEUE_NAME, {
      connection: this.#redis,
      prefix: this.#prefix,
    });
  }

  #latestKey(key: string): string {
    return `${this.#prefix}:latest:${key}`;
  }

  #waitingKey(key: string): string {
    return `${this.#prefix}:waiting:${key}`;
  }

  async enqueue(job: QueuedJob<T>): Promise<EnqueueResult> {
    if (job.deliveryId !== undefined) {
      const fresh = await this.#redis.set(
        `${this.#prefix}:delivery:${job.deliveryId}`,
        "1",
        "EX",
        MEMORY_SECONDS,
        "NX",
      );
      if (fresh === null) return "duplicate-delivery";
    }
    const waitingId = await this.#redis.get(this.#waitingKey(job.key));
    if (waitingId) {
      const waiting = await this.#queue.getJob(waitingId);
      const state = waiting ? await waiting.getState() : undefined;
      if (waiting && (state === "waiting" || state === "delayed" || state === "prioritized")) {
        if (waiting.data.headSha === job.headSha) return "already-queued";
        // A newer head replaces the queued one (a job already taken is told by `latest`).
        await waiting.remove().catch(() => undefined);
      }
    }
    await this.#redis.set(this.#latestKey(job.key), job.headSha, "EX", MEMORY_SECONDS);
    // BullMQ ids may not contain ":"; the id is unique, the key travels in the data.
    const id = randomUUID();
    await this.#add(id, job).catch(async (err: unknown) => {
      // Not stored: forget the delivery, so that GitHub's redelivery is taken.
      if (job.deliveryId !== undefined)
        await this.#redis.del(`${this.#prefix}:delivery:${job.deliveryId}`).catch(() => 0);
      throw err;
    });
    await this.#redis.set(this.#waitingKey(job.key), id, "EX", MEMORY_SECONDS);
    return "queued";
  }

  async #add(id: string, job: QueuedJob<T>): Promise<void> {
    await this.#queue.add(
      "review",
      { key: job.key, headSha: job.headSha, task: job.task },
      {
        jobId: id,
        attempts: this.#retry.attempts,
        backoff: { type: "exponential", delay: this.#retry.backoffMs },
        removeOnComplete: 1000,
        removeOnFail: 5000,
      },
    );
  }

  #runningKey(key: string): string {
    return `${this.#prefix}:running:${key}`;
  }

  process(processor: TaskProcessor<T>, onGiveUp?: GiveUp<T>): void {
    if (this.#worker) throw new Error("the queue already has a processor");
    const lockMs = this.options.lockDurationMs ?? 30_000;
    this.#worker = new Worker<JobData<T>>(
      QUEUE_NAME,
      async (job: Job<JobData<T>>, token?: string) => {
        const { key } = job.data;
        // One job per pull request at a time across replicas (as the embedded queue does): a
        // second one (a re-run arriving mid-review) waits its turn instead of racing the first.
        const running = this.#runningKey(key);
        const owned = await this.#redis.set(running, job.id!, "PX", lockMs, "NX");
        if (owned === null) {
          await job.moveToDelayed(Date.now() + Math.min(2_000, lockMs), token);
          throw new DelayedError();
        }
        const renew = setInterval(
          () => {
            void this.#redis.pexpire(running, lockMs).catch(() => 0);
          },
          Math.ceil(lockMs / 3),
        );
        renew.unref();
        try {
          await this.#run(job, processor);
        } finally {
          clearInterval(renew);
          if ((await this.#redis.get(running).catch(() => null)) === job.id)
            await this.#redis.del(running).catch(() => 0);
        }
      },
      {
        connection: (this.#workerRedis = this.#redis.duplicate({ maxRetriesPerRequest: null })),
        prefix: this.#prefix,
        concurrency: this.options.concurrency,
        lockDuration: lockMs,
        stalledInterval: this.options.stalledIntervalMs ?? 30_000,
        // A job whose worker died is taken again (twice), not failed at once.
        maxStalledCount: 2,
      },
    );
    // Connection errors are retried by ioredis; a job's own failure is logged by the processor.
    this.#worker.on("error", () => undefined);
    if (!onGiveUp) return;
    const giveUp = (job: Job<JobData<T>>, error: string, permanent: boolean) =>
      void onGiveUp(job.data.task, { checkRunId: job.data.checkRunId, error, permanent }).catch(
        () => 0,
      );
    this.#worker.on("failed", (job, err) => {
      if (!job) return;
      const permanent = err instanceof UnrecoverableError;
      if (permanent || job.attemptsMade >= (job.opts.attempts ?? 1))
        giveUp(job, err.message, permanent);
    });
    // A job whose workers kept dying is failed by BullMQ itself (no "failed" event here).
    this.#worker.on("stalled", (jobId) => {
      void this.#queue.getJob(jobId).then(async (job) => {
        if (job && (await job.getState()) === "failed")
          giveUp(job, "the review's worker stopped answering, again and again", false);
      });
    });
  }

  /** Runs one job: the queue's view of the pull request (current head, the check it started). */
  async #run(job: Job<JobData<T>>, processor: TaskProcessor<T>): Promise<void> {
    const { key, headSha } = job.data;
    if ((await this.#redis.get(this.#waitingKey(key))) === job.id)
      await this.#redis.del(this.#waitingKey(key));
    const control: JobControl = {
      // Forgotten heads (after MEMORY_SECONDS) count as current: never drop a review for that.
      isCurrent: async () => {
        const latest = await this.#redis.get(this.#latestKey(key));
        return latest === null || latest === headSha;
      },
      checkRunId: job.data.checkRunId,
      rememberCheckRun: async (checkRunId) => {
        await job.updateData({ ...job.data, checkRunId });
      },
      attempt: job.attemptsMade + 1,
    };
    try {
      await processor(job.data.task, control);
    } catch (err) {
      // BullMQ does not retry an UnrecoverableError.
      if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
      throw err;
    }
  }

  async depth(): Promise<number> {
    const counts = await this.#queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    return Object.values(counts).reduce((a, b) => a + b, 0);
  }

  async idle(): Promise<void> {
    while ((await this.depth()) > 0) await new Promise((r) => setTimeout(r, 50));
  }

  async close(): Promise<void> {
    await this.#worker?.close();
    await this.#queue.close();
    await this.#workerRedis?.quit().catch(() => undefined);
    await this.#redis.quit().catch(() => undefined);
  }
}
