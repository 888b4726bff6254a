// Repository policies evaluated in worker threads: each evaluation has a time limit and each worker
// a heap ceiling (wasm memory is capped separately), so a runaway policy is stopped and reported
// as an evaluation error while other pull requests keep being reviewed. Compilation stays in the
// calling thread (its errors carry file and line); the worker gets a recipe to build the engine.
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Worker } from "node:worker_threads";
import { POLICY_TIME_LIMIT_MS, POLICY_WORKER_HEAP_MB } from "../../core/limits.js";
import type {
  ConftestPolicies,
  GatekeeperPolicies,
  PolicySource,
  RepositoryPolicyCompiler,
} from "../../ports/policy-compiler.js";
import type { IsolatedPolicyEngine, PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import { packageRoot } from "../../adapters/fs/policy-bundle.js";
import { setLauncherFlags } from "../launcher-flags.js";
import { workerThreads } from "../../adapters/lazy-builtins.js";
import { defaultOpaTools, type OpaTools } from "./opa-build.js";
import type { WorkerRequest, WorkerResponse } from "./policy-worker.js";
import { loadGatekeeper } from "./gatekeeper.js";
import { compilePolicies, type CompiledPolicies } from "./user-policies.js";

/** How a worker builds an engine: plain data, cloned into the worker. */
export type EngineRecipe =
  | {
      readonly kind: "conftest";
      readonly key: string;
      readonly compiled: CompiledPolicies;
      readonly data: Record<string, unknown>;
    }
  | {
      readonly kind: "gatekeeper";
      readonly key: string;
      readonly files: readonly PolicySource[];
      readonly inventory: readonly unknown[];
      readonly previousNamespaces: readonly unknown[];
      readonly tools: OpaTools;
    };

export interface PoolOptions {
  /** Workers (evaluations at once). */
  readonly size: number;
  readonly timeLimitMs?: number;
  readonly heapMb?: number;
}

interface Pending {
  readonly request: WorkerRequest;
  readonly resolve: (results: PolicyResult[] | string) => void;
}

interface Slot {
  worker: Worker;
  busy?: { id: number; resolve: (r: PolicyResult[] | string) => void; timer: NodeJS.Timeout };
}

const WORKER_FILE = join(packageRoot(), "dist", "engines", "opa", "policy-worker.js");

/** A fixed set of worker threads; a worker that runs over its time or memory is replaced. */
export class PolicyWorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  readonly timeLimitMs: number;
  private readonly heapMb: number;

  constructor(private readonly options: PoolOptions) {
    this.timeLimitMs = options.timeLimitMs ?? POLICY_TIME_LIMIT_MS;
    this.heapMb = options.heapMb ?? POLICY_WORKER_HEAP_MB;
  }

  private spawn(): Slot {
    const worker = new (workerThreads().Worker)(WORKER_FILE, {
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
      // The same limits for a policy the pinned opa evaluates (a child process of the worker).
      workerData: { timeLimitMs: this.timeLimitMs, heapMb: this.heapMb },
    });
    worker.unref();
    worker.once("online", setLauncherFlags);
    const slot: Slot = { worker };
    worker.on("message", (response: WorkerResponse) => {
      const busy = slot.busy;
      if (!busy || busy.id !== response.id) return;
      clearTimeout(busy.timer);
      slot.busy = undefined;
      busy.resolve("results" in response ? response.results : response.error);
      this.pump();
    });
    worker.on("error", (err: Error & { code?: string }) => {
      const why =
        err.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? `repository policy stopped: it used more than ${this.heapMb} MiB`
          : `repository policy worker failed: ${err.message}`;
      this.replace(slot, why);
    });
    worker.on("exit", () => {
      if (slot.busy) this.replace(slot, "repository policy worker exited");
    });
    return slot;
  }

  /** Ends the slot's evaluation with `why`, and puts a fresh worker in its place. */
  private replace(slot: Slot, why: string): void {
    const busy = slot.busy;
    slot.busy = undefined;
    if (busy) {
      clearTimeout(busy.timer);
      busy.resolve(why);
    }
    void slot.worker.terminate();
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    this.pump();
  }

  /** The results per input, or why there are none. */
  run(recipe: EngineRecipe, inputs: readonly PolicyInput[]): Promise<PolicyResult[] | string> {
    if (this.closed) return Promise.resolve("the policy workers are shut down");
    return new Promise((resolve) => {
      this.queue.push({ request: { id: this.nextId++, recipe, inputs }, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.options.size) {
        slot = this.spawn();
        this.slots.push(slot);
      }
      if (!slot) return;
      const next = this.queue.shift()!;
      const timer = setTimeout(
        () =>
          this.replace(
            slot,
            `repository policy stopped: it ran longer than ${this.timeLimitMs / 1000} s`,
          ),
        this.timeLimitMs,
      );
      slot.busy = { id: next.request.id, resolve: next.resolve, timer };
      slot.worker.postMessage(next.request);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.resolve("the policy workers are shut down");
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }
}

/** An engine whose evaluations run in the pool. */
class IsolatedEngine implements IsolatedPolicyEngine {
  constructor(
    private readonly pool: PolicyWorkerPool,
    private readonly recipe: EngineRecipe,
  ) {}

  async evaluateIsolated(inputs: readonly PolicyInput[]): Promise<PolicyResult[]> {
    const results = await this.pool.run(this.recipe, inputs);
    if (typeof results === "string") return inputs.map(() => ({ ok: false, error: results }));
    return results;
  }
}

function keyOf(...parts: unknown[]): string {
  const hash = createHash("sha256");
  for (const p of parts)
    hash.update(p instanceof Uint8Array ? p : JSON.stringify(p)).update("\u0000");
  return hash.digest("hex");
}

/** Compiles here, evaluates in the pool. */
export class IsolatedPolicyCompiler implements RepositoryPolicyCompiler {
  #tools: OpaTools | undefined;

  constructor(
    private readonly pool: PolicyWorkerPool,
    private readonly tools: () => OpaTools = () => defaultOpaTools(),
  ) {}

  private resolveTools(): OpaTools {
    return (this.#tools ??= this.tools());
  }

  async conftest(policies: ConftestPolicies): Promise<IsolatedPolicyEngine> {
    const compiled = await compilePolicies(
      policies.modules,
      { namespaces: policies.namespaces, regoVersion: policies.regoVersion },
      this.resolveTools(),
    );
    return new IsolatedEngine(this.pool, {
      kind: "conftest",
      key: keyOf(compiled.wasm ?? compiled.program.sources, compiled.rules, policies.data),
      compiled,
      data: policies.data,
    });
  }

  async gatekeeper(
    files: readonly PolicySource[],
    inventory: readonly unknown[],
    previousNamespaces: readonly unknown[] = [],
  ): Promise<GatekeeperPolicies> {
    // Loaded here for its errors (and to fill the compile cache the worker then reads).
    const loaded = await loadGatekeeper(
      files,
      inventory,
      () => this.resolveTools(),
      previousNamespaces,
    );
    if (!loaded.engine) return loaded;
    const tools = this.resolveTools();
    return {
      ...loaded,
      engine: new IsolatedEngine(this.pool, {
        kind: "gatekeeper",
        key: keyOf(files, inventory, previousNamespaces),
        files,
        inventory,
        previousNamespaces,
        tools,
      }),
    };
  }
}
