// Turning a repository's own policies (text read from the base commit) into an engine the pipeline runs.
import type { Problem } from "../core/problem.js";
import type { IsolatedPolicyEngine, PolicyEngine } from "./policy-engine.js";

/** A Rego or data file: `path` is repository-relative, and how errors name it. */
export interface PolicySource {
  readonly path: string;
  readonly text: string;
}

/** A data file, and the keys under `data` where its mapping goes (its folders below the data root). */
export interface DataFile extends PolicySource {
  readonly under?: readonly string[];
}

export type RegoVersion = "v0" | "v1";

export interface ConftestPolicies {
  readonly modules: readonly PolicySource[];
  /** Packages to run, or every package. */
  readonly namespaces: readonly string[] | "all";
  /** The Rego syntax to read them in (conftest's --rego-version); v1, else v0, when not given. */
  readonly regoVersion?: RegoVersion;
  /** What the policies read as `data`. */
  readonly data: Record<string, unknown>;
}

/**
 * Compiles repository policies. A policy that cannot be compiled is thrown as an error carrying
 * `file` and `line` when the compiler named them.
 */
export interface RepositoryPolicyCompiler {
  conftest(policies: ConftestPolicies): Promise<PolicyEngine | IsolatedPolicyEngine>;
  /**
   * Gatekeeper ConstraintTemplates and Constraints among `files`, evaluated against objects as
   * gator does; `inventory` is what `data.inventory` and namespace selectors see.
   */
  gatekeeper(
    files: readonly PolicySource[],
    inventory: readonly unknown[],
    /** Namespaces as they are before the change, for those it edits: either version selects. */
    previousNamespaces?: readonly unknown[],
  ): Promise<GatekeeperPolicies>;
}

export type PolicyProblem = Problem;

export interface GatekeeperPolicies {
  /** Absent when no constraint can be evaluated. */
  readonly engine?: PolicyEngine | IsolatedPolicyEngine;
  /** Broken templates and constraints: each fails the check. */
  readonly errors: readonly PolicyProblem[];
  /** Read but not evaluated (constraints not enforced for gator...). */
  readonly notEvaluated: readonly PolicyProblem[];
  /** Templates with K8sNativeValidation (CEL) code and their constraints, for the CEL engine. */
  readonly cel?: unknown;
}

/** Where a compile error points, when the thrown value says (`file`, `line` properties). */
export function locationOf(err: unknown): { file?: string; line?: number } {
  if (typeof err !== "object" || err === null) return {};
  const { file, line } = err as { file?: unknown; line?: unknown };
  return {
    ...(typeof file === "string" ? { file } : {}),
    ...(typeof line === "number" ? { line } : {}),
  };
}
