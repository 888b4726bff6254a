// A compiled policy module and fresh instances of it: the one way both engines load wasm.
import type { LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { MAX_WASM_MEMORY_PAGES } from "../../core/limits.js";
import { HOST_BUILTINS } from "./host-builtins.js";
import { compileWasm } from "./wasm-code-cache.js";
import { importedBuiltins, instantiatePolicy } from "./wasm-runtime.js";

export class WasmModule {
  private readonly module: WebAssembly.Module;

  constructor(
    /** The module's bytes, or the module compiled already (by another thread, say). */
    wasm: Uint8Array | WebAssembly.Module,
    /** Linear memory ceiling: a runaway evaluation fails instead of exhausting the process. */
    private readonly maxMemoryPages = MAX_WASM_MEMORY_PAGES,
  ) {
    this.module = wasm instanceof WebAssembly.Module ? wasm : compileWasm(wasm);
  }

  /** A fresh instance with `data` loaded (also the way to recover after a throw inside wasm). */
  instantiate(data: Record<string, unknown>): LoadedPolicy {
    const memory = new WebAssembly.Memory({ initial: 32, maximum: this.maxMemoryPages });
    const policy = instantiatePolicy(this.module, memory);
    policy.setData(data);
    return policy;
  }
}

/** Builtins the module calls that the host does not provide (none, for a module we can run). */
export function missingBuiltins(policy: LoadedPolicy): string[] {
  return importedBuiltins(policy).filter((name) => !(name in HOST_BUILTINS));
}
