// Builtins the host provides to policies compiled to wasm, and the SDK builtins we replace.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { goSprintf } from "./go-sprintf.js";

type Builtin = (...args: unknown[]) => unknown;

/** Host implementations, keyed by Rego builtin name. */
export const HOST_BUILTINS: Record<string, Builtin> = {
  sprintf: (format: unknown, args: unknown) =>
    goSprintf(String(format), Array.isArray(args) ? args : []),
};

let installed = false;

/**
 * The SDK resolves its own builtins before the custom ones passed to loadPolicy, so a custom
 * `sprintf` is never called. Its builtin table is a plain CommonJS object: replace the entries
 * there, once per process (see docs/decisions.md, "Go-compatible sprintf").
 */
export function installHostBuiltins(): void {
  if (installed) return;
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@open-policy-agent/opa-wasm");
  const table = require(join(dirname(entry), "builtins", "index.js")) as Record<string, Builtin>;
  for (const [name, impl] of Object.entries(HOST_BUILTINS)) table[name] = impl;
  installed = true;
}

/** Names the SDK implements itself (after our replacements). */
export function sdkBuiltinNames(): Set<string> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("@open-policy-agent/opa-wasm");
  const table = require(join(dirname(entry), "builtins", "index.js")) as Record<string, Builtin>;
  return new Set([...Object.keys(table), ...Object.keys(HOST_BUILTINS)]);
}
