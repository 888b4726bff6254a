// The evaluators the OPA adapters implement: documents in, raw rule results out. The pipeline
// sees every engine as an `Engine` (src/engines/engine.ts: one asynchronous `evaluate`), which
// `engineOf` makes of either kind below.
import type { RawFinding } from "../core/findings.js";

export interface PolicyInput {
  readonly document: unknown;
  readonly file: { readonly path: string; readonly partial: boolean };
}

/** Per input: the rule results, or why the policies could not be evaluated on it. */
export type PolicyResult =
  | { readonly ok: true; readonly findings: readonly RawFinding[] }
  | { readonly ok: false; readonly error: string };

export interface PolicyEngine {
  /** Repository settings (allow-lists, labels...) the rules read as `data.settings`. */
  setSettings(settings: Record<string, unknown>): void;
  evaluate(inputs: readonly PolicyInput[]): PolicyResult[];
}

/**
 * An engine that evaluates out of this thread (a worker with a time limit and a memory ceiling):
 * a runaway policy costs its own evaluation, not the process. Results come back per input.
 */
export interface IsolatedPolicyEngine {
  evaluateIsolated(inputs: readonly PolicyInput[]): Promise<PolicyResult[]>;
}
