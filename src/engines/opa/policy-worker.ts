// A worker thread that evaluates repository policies: the pool (isolated-policies.ts) sends it a
// recipe (how to build the engine: compiled wasm and data, or Gatekeeper files) and the inputs; a
// runaway policy is stopped by terminating this thread, not the server.
import { parentPort, workerData } from "node:worker_threads";
import type { PolicyEngine, PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import type { EngineRecipe } from "./isolated-policies.js";
import { loadGatekeeper } from "./gatekeeper.js";
import { UserPolicyEngine } from "./user-policies.js";
import { messageOf } from "../../core/errors.js";
import { setOpaEvalLimits, type OpaEvalLimits } from "./opa-eval.js";

// The pool's time limit and memory ceiling, for policies `opa eval` runs in a child process.
if (workerData) setOpaEvalLimits(workerData as OpaEvalLimits);

export interface WorkerRequest {
  readonly id: number;
  readonly recipe: EngineRecipe;
  readonly inputs: readonly PolicyInput[];
}

export type WorkerResponse =
  | { readonly id: number; readonly results: PolicyResult[] }
  | { readonly id: number; readonly error: string };

// The last few engines, by recipe key: a pull request's head and base evaluations share one.
const engines = new Map<string, Promise<PolicyEngine>>();
const KEEP = 4;

async function build(recipe: EngineRecipe): Promise<PolicyEngine> {
  if (recipe.kind === "conftest") return new UserPolicyEngine(recipe.compiled, recipe.data);
  const loaded = await loadGatekeeper(
    recipe.files,
    recipe.inventory,
    recipe.tools,
    recipe.previousNamespaces,
  );
  if (!loaded.engine) throw new Error("no Gatekeeper constraint can be evaluated");
  return loaded.engine;
}

function engineFor(recipe: EngineRecipe): Promise<PolicyEngine> {
  let engine = engines.get(recipe.key);
  if (!engine) {
    engine = build(recipe);
    engines.set(recipe.key, engine);
    while (engines.size > KEEP) engines.delete(engines.keys().next().value!);
  }
  return engine;
}

parentPort?.on("message", (request: WorkerRequest) => {
  void engineFor(request.recipe)
    .then((engine) => engine.evaluate(request.inputs))
    .then(
      (results): WorkerResponse => ({ id: request.id, results }),
      (err: unknown): WorkerResponse => ({
        id: request.id,
        error: messageOf(err),
      }),
    )
    .then((response) => parentPort!.postMessage(response));
});
