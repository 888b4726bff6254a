// Node modules a one-file `check` does not use, loaded when first used: loading them (~8 M
// instructions for these three together, each pulling in more of Node: streams, readline, the
// worker machinery) was paid by every start (docs/decisions.md, "Start-up of a one-file check").
import type * as FsPromises from "node:fs/promises";
import { createRequire } from "node:module";
import type * as WorkerThreads from "node:worker_threads";
import type * as Zlib from "node:zlib";

const load = createRequire(import.meta.url);

/** node:worker_threads (the catalogue's and user policies' worker threads, for larger runs). */
export const workerThreads = (): typeof WorkerThreads =>
  load("node:worker_threads") as typeof WorkerThreads;

/** node:zlib (the bundles `opa build` writes for user policies, Helm chart archives). */
export const zlib = (): typeof Zlib => load("node:zlib") as typeof Zlib;

/** node:fs/promises (the folders user policies and renderers work in). */
export const fsPromises = (): typeof FsPromises => load("node:fs/promises") as typeof FsPromises;
