// The embedded review queue: webhooks are acknowledged at once, reviews run here with bounded
// concurrency, one pull request at a time, and a newer head supersedes older work.

export interface ReviewJob {
  /** One queue lane per pull request, e.g. "owner/repo#12". */
  readonly key: string;
  readonly headSha: string;
  /** GitHub's X-GitHub-Delivery: the same delivery is processed once. */
  readonly deliveryId?: string;
  /** Runs the review; `isCurrent()` turns false once a newer head of the same pull request arrives. */
  run(isCurrent: () => boolean): Promise<void>;
}

export type EnqueueResult = "queued" | "duplicate-delivery" | "already-queued";

/** Delivery ids remembered for de-duplication (GitHub redelivers with the same id). */
const REMEMBERED_DELIVERIES = 10_000;

export class ReviewQueue {
  private readonly waiting = new Map<string, ReviewJob>();
  private readonly running = new Set<string>();
  private readonly latest = new Map<string, string>();
  private readonly deliveries = new Set<string>();
  private active = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency = 2,
    private readonly onError: (job: ReviewJob, err: unknown) => void = () => undefined,
  ) {}

  enqueue(job: ReviewJob): EnqueueResult {
    if (job.deliveryId !== undefined) {
      if (this.deliveries.has(job.deliveryId)) return "duplicate-delivery";
      this.deliveries.add(job.deliveryId);
      if (this.deliveries.size > REMEMBERED_DELIVERIES)
        this.deliveries.delete(this.deliveries.values().next().value!);
    }
    const queued = this.waiting.get(job.key);
    if (queued && queued.headSha === job.headSha) return "already-queued";
    // A newer head replaces the queued one, and tells the running one it is no longer current.
    this.latest.set(job.key, job.headSha);
    this.waiting.delete(job.key);
    this.waiting.set(job.key, job);
    this.pump();
    return "queued";
  }

  /** Reviews waiting or running. */
  get depth(): number {
    return this.waiting.size + this.active;
  }

  /** Resolves when nothing is queued or running (for tests and graceful shutdown). */
  idle(): Promise<void> {
    if (this.active === 0 && this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.active < this.concurrency) {
      // Take the oldest waiting job whose pull request is not being reviewed right now.
      const next = [...this.waiting.values()].find((j) => !this.running.has(j.key));
      if (!next) break;
      this.waiting.delete(next.key);
      this.running.add(next.key);
      this.active++;
      const isCurrent = () => this.latest.get(next.key) === next.headSha;
      void next
        .run(isCurrent)
        .catch((err: unknown) => this.onError(next, err))
        .finally(() => {
          this.running.delete(next.key);
          this.active--;
          if (!this.waiting.has(next.key) && isCurrent()) this.latest.delete(next.key);
          this.pump();
          if (this.active === 0 && this.waiting.size === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }
}
