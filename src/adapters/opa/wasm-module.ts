// A compiled policy module and fresh instances of it: the one way both engines load wasm.
import type { LoadedPolicy, loadPolicySync as LoadPolicySync } from "@open-policy-agent/opa-wasm";
import { createRequire } from "node:module";
import { MAX_WASM_MEMORY_PAGES } from "../../core/limits.js";
import { installHostBuiltins } from "./host-builtins.js";

// The package's ESM entry exports only the async loader; the synchronous one is on the CJS entry.
const { loadPolicySync } = createRequire(import.meta.url)("@open-policy-agent/opa-wasm") as {
  loadPolicySync: typeof LoadPolicySync;
};

export class WasmModule {
  private readonly module: WebAssembly.Module;

  constructor(
    wasm: Uint8Array,
    /** Linear memory ceiling: a runaway evaluation fails instead of exhausting the process. */
    private readonly maxMemoryPages = MAX_WASM_MEMORY_PAGES,
  ) {
    installHostBuiltins();
    this.module = new WebAssembly.Module(new Uint8Array(wasm));
  }

  /** A fresh instance with `data` loaded (also the way to recover after a throw inside wasm). */
  instantiate(data: Record<string, unknown>): LoadedPolicy {
    const policy = loadPolicySync(this.module, { initial: 32, maximum: this.maxMemoryPages });
    policy.setData(data);
    return policy;
  }
}
