// The parts of the opa-wasm SDK the engines use: its LoadedPolicy class and its builtin table
// (yaml, regex.split...). One module, so that scripts/bundle.mjs can put the SDK inside the CLI's
// bundle and its startup snapshot: it replaces this file by static requires esbuild follows. Run
// unbundled, the package is loaded from node_modules (its table is not among its exports, so by path).
import type { LoadedPolicy as LoadedPolicyType } from "@open-policy-agent/opa-wasm";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const entry = require.resolve("@open-policy-agent/opa-wasm");

export const { LoadedPolicy } = require(entry) as {
  LoadedPolicy: new (
    instance: WebAssembly.Instance,
    memory: WebAssembly.Memory,
    minor: number,
  ) => LoadedPolicyType;
};

/** The SDK's builtins, by Rego name (JSON values in and out). */
export const SDK_BUILTINS = require(join(dirname(entry), "builtins", "index.js")) as Record<
  string,
  (...args: unknown[]) => unknown
>;
