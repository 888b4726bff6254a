// The contract of the review queue (jobs are plain data, so a job can outlive the process that
// queued it); implemented in process (src/review/review-queue.ts) and on Redis (src/adapters/redis).

export type EnqueueResult = "queued" | "duplicate-delivery" | "already-queued";

export interface QueuedJob<T> {
  /** One lane per pull request (and check), e.g. "owner/repo#12". */
  readonly key: string;
  readonly headSha: string;
  /** GitHub's X-GitHub-Delivery: the same delivery is processed once. */
  readonly deliveryId?: string;
  /** What to do: plain, serialisable data. */
  readonly task: T;
}

export interface JobControl {
  /** False once a newer head of the same pull request was queued. */
  isCurrent(): Promise<boolean>;
  /** The check run an earlier attempt of this job created: complete it rather than start another. */
  readonly checkRunId?: number;
  /** Records the check run this attempt created, for a retry after a crash. */
  rememberCheckRun(id: number): Promise<void>;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

export type TaskProcessor<T> = (task: T, control: JobControl) => Promise<void>;

/**
 * Told about a job that will not run again (its last attempt failed, its error is permanent, or
 * its workers kept dying): the app completes the check run it started, so none stays in progress.
 */
export type GiveUp<T> = (
  task: T,
  info: {
    readonly checkRunId?: number;
    readonly error: string;
    /** The error was permanent (no access): posting anything new would fail the same way. */
    readonly permanent: boolean;
  },
) => Promise<void>;

export interface TaskQueue<T> {
  enqueue(job: QueuedJob<T>): Promise<EnqueueResult>;
  /** Starts taking jobs (once; the app registers its processor when it loads). */
  process(processor: TaskProcessor<T>, onGiveUp?: GiveUp<T>): void;
  /** Jobs waiting, running or waiting for a retry. */
  depth(): Promise<number>;
  /** Resolves when nothing is queued or running (tests, graceful shutdown). */
  idle(): Promise<void>;
  /**
   * Shuts down: running jobs finish; embedded, queued ones too (nothing else would run them); on
   * Redis, queued ones stay for the other replicas.
   */
  close(): Promise<void>;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Delay before the second attempt; it doubles for each further one. */
  readonly backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 2_000 };

/** A job failure that another attempt cannot fix (installation suspended, repository gone). */
export class PermanentJobError extends Error {
  override readonly name = "PermanentJobError";
}
