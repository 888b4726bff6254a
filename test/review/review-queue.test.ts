import { ReviewQueue, type ReviewJob } from "../../src/review/review-queue.js";

/** A job that records when it ran and whether it was still current when it finished. */
function job(
  key: string,
  headSha: string,
  log: string[],
  deliveryId?: string,
  gate?: Promise<void>,
): ReviewJob {
  return {
    key,
    headSha,
    deliveryId,
    run: async (isCurrent) => {
      log.push(`start ${key}@${headSha}`);
      await gate;
      log.push(`end ${key}@${headSha} current=${isCurrent()}`);
    },
  };
}

describe("ReviewQueue", () => {
  it("processes a delivery once, even when GitHub redelivers it", async () => {
    const log: string[] = [];
    const queue = new ReviewQueue(2);
    expect(queue.enqueue(job("r#1", "a", log, "d-1"))).toBe("queued");
    expect(queue.enqueue(job("r#1", "a", log, "d-1"))).toBe("duplicate-delivery");
    await queue.idle();
    expect(log).toEqual(["start r#1@a", "end r#1@a current=true"]);
  });

  it("lets a newer head replace a queued one and mark a running one as superseded", async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new ReviewQueue(2);
    queue.enqueue(job("r#1", "a", log, "d-1", gate)); // runs, blocked on the gate
    queue.enqueue(job("r#1", "b", log, "d-2")); // waits: the PR is being reviewed
    queue.enqueue(job("r#1", "c", log, "d-3")); // replaces b
    release();
    await queue.idle();
    expect(log).toEqual([
      "start r#1@a",
      "end r#1@a current=false",
      "start r#1@c",
      "end r#1@c current=true",
    ]);
  });

  it("reviews different pull requests in parallel up to its concurrency", async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const queue = new ReviewQueue(2);
    for (const key of ["r#1", "r#2", "r#3"]) queue.enqueue(job(key, "a", log, undefined, gate));
    await Promise.resolve();
    expect(log).toEqual(["start r#1@a", "start r#2@a"]);
    release();
    await queue.idle();
    expect(log.filter((l) => l.startsWith("start"))).toEqual([
      "start r#1@a",
      "start r#2@a",
      "start r#3@a",
    ]);
  });

  it("keeps going after a job fails, and reports the failure", async () => {
    const errors: unknown[] = [];
    const log: string[] = [];
    const queue = new ReviewQueue(1, (_job, err) => errors.push(err));
    queue.enqueue({ key: "r#1", headSha: "a", run: () => Promise.reject(new Error("boom")) });
    queue.enqueue(job("r#2", "a", log));
    await queue.idle();
    expect(errors).toEqual([new Error("boom")]);
    expect(log).toEqual(["start r#2@a", "end r#2@a current=true"]);
  });
});
