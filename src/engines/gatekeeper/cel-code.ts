// ConstraintTemplates whose code is CEL (`engine: K8sNativeValidation`) and their constraints.
// gator registers its K8sNativeValidation driver before the Rego driver, and the constraint
// framework runs a template with the first driver that has code in it: a template with both runs
// its CEL, never its Rego (docs/gatekeeper.md).
import { isPlainObject } from "../../core/plain-data.js";
import type { JsonPath, PolicyLocation, Severity } from "../../core/types.js";
import type { ParsedDocument } from "../../yaml/index.js";
import type { ConstraintMatch } from "./match.js";

export const CEL_ENGINE = "K8sNativeValidation";

export interface CelTemplate {
  /** The template's name (its kind in lowercase). */
  readonly name: string;
  readonly file: string;
  readonly doc: ParsedDocument;
  /** The code's `source` (validations, variables, matchCondition, failurePolicy). */
  readonly source: Record<string, unknown>;
  /** Where the source sits in the template document. */
  readonly path: JsonPath;
}

export interface CelConstraint {
  /** `Kind/name`: the rule id of its findings. */
  readonly id: string;
  /** The template's name. */
  readonly template: string;
  readonly match: ConstraintMatch;
  readonly severity: Severity;
  /** The whole constraint: the CEL policy's `params` (Gatekeeper binds `variables.params`). */
  readonly constraint: Record<string, unknown>;
  readonly source: PolicyLocation;
}

export interface GatekeeperCel {
  readonly templates: readonly CelTemplate[];
  readonly constraints: readonly CelConstraint[];
}

/** A target's K8sNativeValidation code, when it has one. */
export function celCodeOf(
  target: Record<string, unknown>,
  at: JsonPath,
): { source: Record<string, unknown>; path: JsonPath } | undefined {
  const code = Array.isArray(target.code) ? target.code : [];
  const i = code.findIndex((c) => isPlainObject(c) && c.engine === CEL_ENGINE);
  const source = i >= 0 ? (code[i] as Record<string, unknown>).source : undefined;
  if (!isPlainObject(source)) return undefined;
  return { source, path: [...at, "code", i, "source"] };
}
