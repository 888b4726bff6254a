// The built-in catalogue evaluated in worker threads, for a `check` large enough to gain from it:
// the main thread reads, parses and reports the files while the policies (wasm) run beside it.
// The results are those of the catalogue in this thread (the same module, settings and batching);
// a worker that fails (cannot start, runs out of memory, exits) fails the run, never its findings.
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { packageRoot } from "../../adapters/fs/policy-bundle.js";
import {
  CATALOGUE_WORKER_HEAP_MB,
  CATALOGUE_WORKER_MIN_FILES,
  CATALOGUE_WORKERS_MAX,
} from "../../core/limits.js";
import type { IsolatedPolicyEngine, PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import { sizeYoungGenerationForLargeRun } from "../launcher-flags.js";
import { cachedModule } from "../opa/wasm-code-cache.js";
import { workerThreads } from "../../adapters/lazy-builtins.js";

export interface CatalogueWorkerData {
  /** The module's bytes, or the module read from its code cache (shared, not compiled again). */
  readonly wasm: Uint8Array | WebAssembly.Module;
  readonly settings: Record<string, unknown>;
}

export interface CatalogueRequest {
  readonly id: number;
  /** Each input as JSON (a string is copied to the worker, an object graph would be cloned). */
  readonly inputs: readonly string[];
}

export type CatalogueResponse =
  | { readonly id: number; readonly results: PolicyResult[] }
  | { readonly id: number; readonly error: string };

export interface CatalogueWorkersOptions {
  /** Worker threads (default: one fewer than the machine's cores, at least one). */
  readonly size?: number;
  /** The worker's script (a test may give one that fails). */
  readonly workerFile?: string;
  readonly heapMb?: number;
}

/** Why the run cannot go on: a worker of the catalogue failed (reported at the process boundary). */
export class CatalogueWorkerError extends Error {}

interface Waiting {
  readonly resolve: (results: PolicyResult[]) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly waiting: Map<number, Waiting>;
}

const WORKER_FILE = join(packageRoot(), "dist", "engines", "catalogue", "catalogue-worker.js");

/** One fewer worker than cores (the main thread parses meanwhile), at least one. */
export function catalogueWorkerCount(): number {
  return Math.max(1, Math.min(CATALOGUE_WORKERS_MAX, availableParallelism() - 1));
}

/**
 * How many worker threads evaluate the catalogue for a run of `files` files: `PORTCULLIS_WORKERS`
 * when set (0: none, in the main thread), else catalogueWorkerCount() for a run of at least
 * CATALOGUE_WORKER_MIN_FILES files and none for a smaller one (a one-file check starts no worker).
 * A value that is not a whole number is refused (a string: the message).
 */
export function catalogueWorkersFor(
  files: number,
  env: Readonly<Record<string, string | undefined>>,
): number | string {
  const asked = env.PORTCULLIS_WORKERS;
  if (asked === undefined || asked === "")
    return files >= CATALOGUE_WORKER_MIN_FILES ? catalogueWorkerCount() : 0;
  if (!/^\d{1,2}$/.test(asked))
    return `PORTCULLIS_WORKERS must be a number of worker threads from 0 to 99 (0: none), not "${asked}"`;
  return Number(asked);
}

/**
 * The catalogue's evaluator, in `size` worker threads started when the settings are given; each
 * evaluation goes to the next worker in turn, and its results come back in input order.
 */
export class CatalogueWorkers implements IsolatedPolicyEngine {
  #slots: Slot[] = [];
  #next = 0;
  #id = 1;
  #failure: CatalogueWorkerError | undefined;

  constructor(
    private readonly wasm: Uint8Array,
    private readonly options: CatalogueWorkersOptions = {},
  ) {}

  /** Starts the workers with these settings (again, if they were running with others). */
  setSettings(settings: Record<string, unknown>): void {
    void this.close();
    const size = this.options.size ?? catalogueWorkerCount();
    const data: CatalogueWorkerData = { wasm: cachedModule(this.wasm) ?? this.wasm, settings };
    for (let i = 0; i < size; i++) this.#slots.push(this.#spawn(data));
    sizeYoungGenerationForLargeRun();
  }

  #spawn(data: CatalogueWorkerData): Slot {
    const heapMb = this.options.heapMb ?? CATALOGUE_WORKER_HEAP_MB;
    const worker = new (workerThreads().Worker)(this.options.workerFile ?? WORKER_FILE, {
      workerData: data,
      // A small young generation: what a worker allocates lives for one slice (V8's default
      // would let it take 30 MiB more of the process's memory for no gain).
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 8 },
      stdout: false,
      stderr: false,
    });
    worker.unref(); // kept alive only while it owes an answer
    // Its isolate resets V8's growth factor of the young generation: set again (launcher-flags.ts).
    worker.once("online", sizeYoungGenerationForLargeRun);
    const slot: Slot = { worker, waiting: new Map() };
    worker.on("message", (response: CatalogueResponse) => {
      const w = slot.waiting.get(response.id);
      if (!w) return;
      slot.waiting.delete(response.id);
      if (slot.waiting.size === 0) worker.unref();
      if ("results" in response) w.resolve(response.results);
      else w.reject(new CatalogueWorkerError(`the built-in policies failed: ${response.error}`));
    });
    worker.on("error", (err: Error & { code?: string }) =>
      this.#fail(
        err.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? `its worker thread used more than ${heapMb} MiB`
          : `its worker thread failed: ${err.message.split("\n")[0]}`,
      ),
    );
    worker.on("exit", (code) => this.#fail(`its worker thread exited (code ${code})`));
    return slot;
  }

  /** Every evaluation owed fails, and every later one: the run cannot be completed truthfully. */
  #fail(why: string): void {
    this.#failure ??= new CatalogueWorkerError(
      `the built-in policies could not be evaluated: ${why}`,
    );
    for (const slot of this.#slots) {
      for (const w of slot.waiting.values()) w.reject(this.#failure);
      slot.waiting.clear();
    }
  }

  evaluateIsolated(inputs: readonly PolicyInput[]): Promise<PolicyResult[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#slots.length === 0)
      return Promise.reject(new CatalogueWorkerError("the catalogue's workers were not started"));
    sizeYoungGenerationForLargeRun();
    const slot = this.#slots[this.#next++ % this.#slots.length]!;
    const request: CatalogueRequest = {
      id: this.#id++,
      inputs: inputs.map((input) => JSON.stringify(input)),
    };
    return new Promise<PolicyResult[]>((resolve, reject) => {
      slot.waiting.set(request.id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage(request);
    });
  }

  /** Stops the workers (an evaluation still owed fails). */
  async close(): Promise<void> {
    const slots = this.#slots.splice(0);
    for (const slot of slots) slot.worker.removeAllListeners("exit");
    for (const slot of slots) {
      for (const w of slot.waiting.values())
        w.reject(new CatalogueWorkerError("the catalogue's workers were stopped"));
      slot.waiting.clear();
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
