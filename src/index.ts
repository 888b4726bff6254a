// Composition root of the server: real dependencies in, Probot's runner out.
import { run } from "probot";
import { createApp } from "./app.js";
import { loadPolicyBundle } from "./adapters/fs/policy-bundle.js";
import { ReviewQueue } from "./review/review-queue.js";

const bundle = loadPolicyBundle();
const concurrency = Number(process.env.PORTCULLIS_CONCURRENCY ?? "2");
const queue = new ReviewQueue(Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 2);
// Opt-in: the app was granted `contents: write` (see app.yml) and may commit fixes.
const fixCommits = process.env.PORTCULLIS_FIX_COMMITS === "true";
await run(
  createApp({ bundle, queue, fixCommits, today: () => new Date().toISOString().slice(0, 10) }),
);
