// A repository policy compiled for the engine that can run it exactly: wasm with the host's
// builtins when it can, else the pinned `opa` itself (opa-eval.ts) for a policy that calls a
// deterministic builtin the host does not supply. The one way Gatekeeper templates and
// conftest-style policies are compiled and run.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { Unsupported } from "./builtins/operands.js";
import {
  buildWasm,
  checkForOpa,
  PolicyCompileError,
  type OpaTools,
  type WasmBuild,
} from "./opa-build.js";
import { evaluateWithOpa, programOf, queryOf, type OpaProgram } from "./opa-eval.js";
import { WasmModule } from "./wasm-module.js";

/** A compiled policy: plain data (cloned into policy workers). */
export interface CompiledModule {
  /** Absent when the policy calls a builtin only the pinned opa supplies. */
  readonly wasm?: Uint8Array;
  /** The same policy for `opa eval`: its engine when there is no wasm, else for calls the host declines. */
  readonly program: OpaProgram;
  /** The builtins that made it an `opa eval` policy. */
  readonly opaBuiltins?: readonly string[];
}

/** The builtins `npm run build:policies` listed as evaluated by the pinned opa (builtins.json `engine`). */
function engineBuiltins(capabilities: string): ReadonlySet<string> {
  try {
    const known = JSON.parse(
      readFileSync(join(dirname(capabilities), "builtins.json"), "utf8"),
    ) as { engine?: Record<string, string> };
    return new Set(Object.keys(known.engine ?? {}));
  } catch {
    return new Set();
  }
}

/**
 * Compiles `build` to wasm; when the compiler's only objection is builtins the pinned opa supplies
 * but the wasm host does not, checks it for `opa eval` instead (with every deterministic builtin,
 * so a refused one still fails here, with why). Throws PolicyCompileError as buildWasm does.
 */
export async function buildPolicy(build: WasmBuild, tools: OpaTools): Promise<CompiledModule> {
  const program = programOf(build, tools);
  try {
    return { wasm: await buildWasm(build, tools), program };
  } catch (err) {
    if (!(err instanceof PolicyCompileError)) throw err;
    const engine = engineBuiltins(tools.capabilities);
    const named = [...err.message.matchAll(/undefined function ([\w.]+)/g)].map((m) => m[1]!);
    const needed = [...new Set(named.filter((n) => engine.has(n)))].sort();
    if (needed.length === 0) throw err;
    await checkForOpa(build, tools);
    return { program, opaBuiltins: needed };
  }
}

/**
 * Runs one entrypoint of a compiled policy: in wasm, or with `opa eval` when there is no wasm or
 * when a host builtin declines a call it cannot answer exactly as OPA would (Unsupported).
 */
export class PolicyRunner {
  private readonly module?: WasmModule;
  private policy?: LoadedPolicy;

  constructor(
    private readonly compiled: CompiledModule,
    private readonly data: Record<string, unknown>,
    private readonly entrypoint: string,
  ) {
    if (compiled.wasm) {
      this.module = new WasmModule(compiled.wasm);
      this.policy = this.module.instantiate(data);
    }
  }

  /** Whether the pinned opa evaluates every call (the policy has no wasm). */
  get viaOpa(): boolean {
    return !this.module;
  }

  /**
   * The entrypoint's value for `input` (a value, or its UTF-8 JSON), undefined when undefined.
   * After a throw the wasm instance is replaced (an aborted evaluation can leave it in any state).
   */
  evaluate(input: unknown): unknown {
    if (!this.module || !this.policy) return this.withOpa(input);
    try {
      const out = this.policy.evaluate(input, this.entrypoint) as { result?: unknown }[];
      return out?.[0]?.result;
    } catch (err) {
      this.policy = this.module.instantiate(this.data);
      if (err instanceof Unsupported) return this.withOpa(input);
      throw err;
    }
  }

  private withOpa(input: unknown): unknown {
    const json =
      input instanceof ArrayBuffer || ArrayBuffer.isView(input)
        ? new TextDecoder().decode(input as ArrayBuffer)
        : JSON.stringify(input);
    return evaluateWithOpa(this.compiled.program, this.data, queryOf(this.entrypoint), json);
  }
}
