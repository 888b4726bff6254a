// Operand checks with OPA's own error texts (topdown/builtins): a failed check is the builtin's
// error, which makes the call undefined as under `opa eval`.
import { RegoMap, RegoNumber, RegoSet, type RegoValue } from "../rego-value.js";

/** ast.ValueName: how OPA names a value's type in an error. */
export function typeName(v: RegoValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number" || v instanceof RegoNumber) return "number";
  if (typeof v === "string") return "string";
  if (Array.isArray(v)) return "array";
  if (v instanceof RegoSet) return "set";
  return "object";
}

export function typeError(pos: number, v: RegoValue, ...expected: string[]): Error {
  const want = expected.length === 1 ? expected[0] : `one of {${expected.join(", ")}}`;
  return new Error(`operand ${pos} must be ${want} but got ${typeName(v)}`);
}

export function str(v: RegoValue, pos: number): string {
  if (typeof v !== "string") throw typeError(pos, v, "string");
  return v;
}

export function num(v: RegoValue, pos: number): number {
  if (v instanceof RegoNumber) return v.value;
  if (typeof v !== "number") throw typeError(pos, v, "number");
  return v;
}

export function isObject(v: RegoValue): v is { readonly [key: string]: RegoValue } | RegoMap {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RegoSet);
}

export function obj(v: RegoValue, pos: number): { readonly [key: string]: RegoValue } {
  if (!isObject(v) || v instanceof RegoMap) throw typeError(pos, v, "object");
  return v as { readonly [key: string]: RegoValue };
}

/** builtins.StringSliceOperand: an array or set of strings. */
export function strings(v: RegoValue, pos: number): string[] {
  const items = Array.isArray(v) ? (v as RegoValue[]) : v instanceof RegoSet ? v.items : undefined;
  if (!items) throw typeError(pos, v, "array", "set");
  const kind = Array.isArray(v) ? "array" : "set";
  return items.map((x) => {
    if (typeof x !== "string")
      throw new Error(
        `operand ${pos} must be ${kind} of strings but got ${kind} containing ${typeName(x)}`,
      );
    return x;
  });
}

/**
 * A call Portcullis cannot answer as OPA would: it stops the evaluation (the policy is reported as
 * not evaluated) instead of making the call undefined, which a `deny` rule would read as a pass.
 */
export class Unsupported extends Error {}
