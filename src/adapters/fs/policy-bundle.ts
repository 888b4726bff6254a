// Loads the built policy bundle (dist/policies): the wasm module, rule metadata and setting defaults.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RuleMetadata } from "../../core/types.js";
import { withCodeCache } from "../../core/code-cache-files.js";

export interface PolicyBundle {
  readonly wasm: Uint8Array;
  readonly rules: ReadonlyMap<string, RuleMetadata>;
  readonly settingDefaults: Readonly<Record<string, unknown>>;
}

/** The directory holding package.json, searched upwards from this module (src/ or dist/). */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export function loadPolicyBundle(dir = join(packageRoot(), "dist", "policies")): PolicyBundle {
  const wasmPath = join(dir, "policy.wasm");
  if (!existsSync(wasmPath)) {
    throw new Error(
      `the policy bundle is not built (${wasmPath} is missing): run \`npm run build\``,
    );
  }
  const rules = JSON.parse(readFileSync(join(dir, "rules.json"), "utf8")) as RuleMetadata[];
  return {
    // Its compiled code, which the build records beside it (scripts/bundle.mjs), is read back
    // when valid instead of compiling the module on every start.
    wasm: withCodeCache(readFileSync(wasmPath), `${wasmPath}.cache`),
    rules: new Map(rules.map((r) => [r.id, r])),
    settingDefaults: JSON.parse(readFileSync(join(dir, "settings.json"), "utf8")) as Record<
      string,
      unknown
    >,
  };
}
