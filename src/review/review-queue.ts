// Where reviews wait: webhooks are acknowledged at once and their reviews run from a queue, one pull
// request at a time, a newer head superseding older work, each delivery processed once, failed
// jobs retried with backoff. Two implementations: this embedded one (one process) and BullMQ on
// Redis (src/adapters/redis/redis-review-queue.ts) for several replicas. Jobs are plain data, so
// a job can outlive the process that queued it.

export {
  DEFAULT_RETRY,
  PermanentJobError,
  type EnqueueResult,
  type GiveUp,
  type JobControl,
  type QueuedJob,
  type RetryPolicy,
  type TaskProcessor,
  type TaskQueue,
} from "../ports/task-queue.js";
import {
  DEFAULT_RETRY,
  PermanentJobError,
  type JobControl,
  type QueuedJob,
  type RetryPolicy,
  type TaskProcessor,
  type TaskQueue,
  type GiveUp,
  type EnqueueResult,
} from "../ports/task-queue.js";
import { messageOf } from "../core/errors.js";

/** Delivery ids remembered for de-duplication (GitHub redelivers with the same id). */
export const REMEMBERED_DELIVERIES = 10_000;

export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return policy.backoffMs * 2 ** (attempt - 1);
}

interface Entry<T> {
  readonly job: QueuedJob<T>;
  attempt: number;
  checkRunId?: number;
}

export interface EmbeddedQueueOptions<T> {
  /** Told about a job that failed for good (after its last attempt). */
  readonly onError?: (job: QueuedJob<T>, err: unknown) => void;
  readonly retry?: RetryPolicy;
}

/** The in-process queue: bounded concurrency, nothing survives a restart. */
export class ReviewQueue<T> implements TaskQueue<T> {
  private readonly waiting = new Map<string, Entry<T>>();
  private readonly running = new Set<string>();
  private readonly latest = new Map<string, string>();
  private readonly deliveries = new Set<string>();
  /** Failed jobs waiting for their next attempt: timer -> key. */
  private readonly retrying = new Map<ReturnType<typeof setTimeout>, string>();
  private processor: TaskProcessor<T> | undefined;
  private onGiveUp: GiveUp<T> | undefined;
  private active = 0;
  private givingUp = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency = 2,
    private readonly options: EmbeddedQueueOptions<T> = {},
  ) {}

  enqueue(job: QueuedJob<T>): Promise<EnqueueResult> {
    return Promise.resolve(this.add(job));
  }

  private add(job: QueuedJob<T>): EnqueueResult {
    if (job.deliveryId !== undefined) {
      if (this.deliveries.has(job.deliveryId)) return "duplicate-delivery";
      this.deliveries.add(job.deliveryId);
      if (this.deliveries.size > REMEMBERED_DELIVERIES)
        this.deliveries.delete(this.deliveries.values().next().value!);
    }
    const queued = this.waiting.get(job.key);
    if (queued && queued.job.headSha === job.headSha) return "already-queued";
    // A newer head replaces the queued one, and tells the running one it is no longer current.
    this.latest.set(job.key, job.headSha);
    this.waiting.delete(job.key);
    this.waiting.set(job.key, { job, attempt: 1 });
    this.pump();
    return "queued";
  }

  process(processor: TaskProcessor<T>, onGiveUp?: GiveUp<T>): void {
    this.processor = processor;
    this.onGiveUp = onGiveUp;
    this.pump();
  }

  depth(): Promise<number> {
    return Promise.resolve(this.size);
  }

  /** Synchronous depth, for the metrics gauge. */
  get size(): number {
    return this.waiting.size + this.active + this.retrying.size + this.givingUp;
  }

  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Nothing else would run them: queued jobs and pending retries are finished first. */
  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
  }

  private pump(): void {
    const processor = this.processor;
    if (!processor || this.closed) return;
    while (this.active < this.concurrency) {
      // Take the oldest waiting job whose pull request is not being reviewed right now.
      const next = [...this.waiting.values()].find((e) => !this.running.has(e.job.key));
      if (!next) break;
      const { key, headSha } = next.job;
      this.waiting.delete(key);
      this.running.add(key);
      this.active++;
      const isCurrent = () => this.latest.get(key) === headSha;
      const control: JobControl = {
        isCurrent: () => Promise.resolve(isCurrent()),
        checkRunId: next.checkRunId,
        rememberCheckRun: (id) => {
          next.checkRunId = id;
          return Promise.resolve();
        },
        attempt: next.attempt,
      };
      void processor(next.job.task, control)
        .catch((err: unknown) => this.failed(next, err, isCurrent()))
        .finally(() => {
          this.running.delete(key);
          this.active--;
          if (!this.waiting.has(key) && isCurrent() && !this.retryPending(key))
            this.latest.delete(key);
          this.pump();
          this.notifyIdle();
        });
    }
  }

  private retryPending(key: string): boolean {
    return [...this.retrying.values()].includes(key);
  }

  private failed(entry: Entry<T>, err: unknown, current: boolean): void {
    const policy = this.options.retry ?? DEFAULT_RETRY;
    if (!current || entry.attempt >= policy.attempts || err instanceof PermanentJobError) {
      this.options.onError?.(entry.job, err);
      const error = messageOf(err);
      if (this.onGiveUp) {
        // Counted in the depth until done: shutdown and idle() wait for the check to be closed.
        this.givingUp++;
        const permanent = err instanceof PermanentJobError;
        void this.onGiveUp(entry.job.task, { checkRunId: entry.checkRunId, error, permanent })
          .catch(() => undefined)
          .finally(() => {
            this.givingUp--;
            this.notifyIdle();
          });
      }
      return;
    }
    const timer = setTimeout(
      () => {
        this.retrying.delete(timer);
        // A newer head queued meanwhile wins; otherwise the same job runs again. A job of the
        // same head queued meanwhile (a re-run) takes over the check run this one started.
        const queued = this.waiting.get(entry.job.key);
        if (this.latest.get(entry.job.key) === entry.job.headSha) {
          if (!queued) this.waiting.set(entry.job.key, { ...entry, attempt: entry.attempt + 1 });
          else queued.checkRunId ??= entry.checkRunId;
        }
        this.pump();
        this.notifyIdle();
      },
      backoffDelay(policy, entry.attempt),
    );
    this.retrying.set(timer, entry.job.key);
  }

  private notifyIdle(): void {
    if (this.size !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
