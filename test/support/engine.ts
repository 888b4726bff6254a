// Shared test setup: the built bundle, a wasm engine, and a one-call evaluation of in-memory files.
import { loadPolicyBundle, type PolicyBundle } from "../../src/adapters/fs/policy-bundle.js";
import { WasmPolicyEngine } from "../../src/engines/opa/wasm-policy-engine.js";
import { defaultConfig, type Config } from "../../src/config/config.js";
import type { RepositoryLayout } from "../../src/core/file-role.js";
import type { PolicyEngine, PolicyInput } from "../../src/ports/policy-engine.js";
import { engineOf } from "../../src/engines/engine.js";
import { evaluateFiles, type EvaluationReport } from "../../src/review/evaluate-files.js";

let cached: PolicyBundle | undefined;

export function bundle(): PolicyBundle {
  cached ??= loadPolicyBundle();
  return cached;
}

export function testConfig(
  overrides: Partial<Config> = {},
  settings: Record<string, unknown> = {},
): Config {
  const b = bundle();
  const base = defaultConfig({
    settingDefaults: b.settingDefaults,
    ruleIds: new Set(b.rules.keys()),
  });
  return { ...base, ...overrides, settings: { ...base.settings, ...settings } };
}

export const EMPTY_LAYOUT: RepositoryLayout = { chartRoots: new Set(), patchFiles: new Set() };

export async function evaluate(
  files: Record<string, string | Uint8Array>,
  options: {
    config?: Config;
    layout?: RepositoryLayout;
    today?: string;
    /** Sees every batch of documents the policy engine is given. */
    observe?: (inputs: readonly PolicyInput[]) => void;
  } = {},
): Promise<EvaluationReport> {
  const config = options.config ?? testConfig();
  const wasm = new WasmPolicyEngine(bundle().wasm);
  wasm.setSettings(config.settings as Record<string, unknown>);
  const observe = options.observe;
  const engine: PolicyEngine = observe
    ? {
        setSettings: (settings) => wasm.setSettings(settings),
        evaluate: (inputs) => (observe(inputs), wasm.evaluate(inputs)),
      }
    : wasm;
  const sources = Object.entries(files).map(([path, content]) => ({
    path,
    content: typeof content === "string" ? new TextEncoder().encode(content) : content,
  }));
  return evaluateFiles(sources, options.layout ?? EMPTY_LAYOUT, config, {
    engines: [engineOf("catalogue", engine)],
    rules: bundle().rules,
    today: options.today ?? "2026-06-01",
  });
}
