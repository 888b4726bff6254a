import { ReviewQueue, type JobControl } from "../../src/review/review-queue.js";

interface Task {
  readonly name: string;
  readonly gate?: Promise<void>;
  /** Attempts that throw before one succeeds. */
  readonly failures?: number;
}

/** A processor that records when each task ran and whether it was still current when it finished. */
function recorder(log: string[]) {
  return async (task: Task, control: JobControl) => {
    log.push(`start ${task.name}#${control.attempt}`);
    await task.gate;
    if (control.attempt <= (task.failures ?? 0)) {
      if (control.checkRunId === undefined) await control.rememberCheckRun(control.attempt * 100);
      log.push(`fail ${task.name}#${control.attempt}`);
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

const FAST_RETRY = { attempts: 3, backoffMs: 5 };

describe("ReviewQueue (embedded)", () => {
  it("processes a delivery once, even when GitHub redelivers it", async () => {
    const log: string[] = [];
    const queue = new ReviewQueue<Task>(2);
    queue.process(recorder(log));
    expect(await queue.enqueue(job("r#1", "a", "d-1"))).toBe("queued");
    expect(await queue.enqueue(job("r#1", "a", "d-1"))).toBe("duplicate-delivery");
    await queue.idle();
    expect(log).toEqual(["start r#1@a#1", "end r#1@a current=true check=-"]);
  });

  it("lets a newer head replace a queued one and mark a running one as superseded", async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new ReviewQueue<Task>(2);
    queue.process(recorder(log));
    await queue.enqueue(job("r#1", "a", "d-1", { gate })); // runs, blocked on the gate
    await queue.enqueue(job("r#1", "b", "d-2")); // waits: the PR is being reviewed
    await queue.enqueue(job("r#1", "c", "d-3")); // replaces b
    release();
    await queue.idle();
    expect(log).toEqual([
      "start r#1@a#1",
      "end r#1@a current=false check=-",
      "start r#1@c#1",
      "end r#1@c current=true check=-",
    ]);
  });

  it("reviews different pull requests in parallel up to its concurrency", async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new ReviewQueue<Task>(2);
    queue.process(recorder(log));
    for (const key of ["r#1", "r#2", "r#3"])
      await queue.enqueue(job(key, "a", undefined, { gate }));
    await Promise.resolve();
    expect(log).toEqual(["start r#1@a#1", "start r#2@a#1"]);
    expect(await queue.depth()).toBe(3);
    release();
    await queue.idle();
    expect(log.filter((l) => l.startsWith("start"))).toEqual([
      "start r#1@a#1",
      "start r#2@a#1",
      "start r#3@a#1",
    ]);
  });

  it("retries a failed job with backoff, handing the next attempt the check run it started", async () => {
    const log: string[] = [];
    const queue = new ReviewQueue<Task>(1, { retry: FAST_RETRY });
    queue.process(recorder(log));
    await queue.enqueue(job("r#1", "a", "d-1", { failures: 2 }));
    await queue.idle();
    expect(log).toEqual([
      "start r#1@a#1",
      "fail r#1@a#1",
      "start r#1@a#2",
      "fail r#1@a#2",
      "start r#1@a#3",
      "end r#1@a current=true check=100",
    ]);
  });

  it("gives up after the last attempt, reports the failure and keeps going", async () => {
    const errors: unknown[] = [];
    const log: string[] = [];
    const queue = new ReviewQueue<Task>(1, {
      retry: FAST_RETRY,
      onError: (_job, err) => errors.push(err),
    });
    queue.process(recorder(log));
    await queue.enqueue(job("r#1", "a", undefined, { failures: 5 }));
    await queue.enqueue(job("r#2", "a"));
    await queue.idle();
    expect(errors).toEqual([new Error("boom r#1@a")]);
    expect(log.filter((l) => l.startsWith("start r#1"))).toHaveLength(3);
    expect(log).toContain("end r#2@a current=true check=-");
  });

  it("does not retry a job whose pull request got a newer head meanwhile", async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new ReviewQueue<Task>(1, { retry: FAST_RETRY });
    queue.process(recorder(log));
    await queue.enqueue(job("r#1", "a", undefined, { gate, failures: 1 }));
    await queue.enqueue(job("r#1", "b"));
    release();
    await queue.idle();
    expect(log).toEqual([
      "start r#1@a#1",
      "fail r#1@a#1",
      "start r#1@b#1",
      "end r#1@b current=true check=-",
    ]);
  });
});
