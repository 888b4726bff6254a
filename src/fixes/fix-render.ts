// The fixer (src/fixes/fix.ts): rendering values.
import { isScalar, isSeq, parseDocument, Scalar } from "yaml";
import { isPlainObject } from "../core/plain-data.js";
import { refuse } from "./fix.js";
import { type Style } from "./fix-style.js";

// ---------------------------------------------------------------------------------------------
// Rendering values

export function isScalarValue(v: unknown): boolean {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}

export const AMBIGUOUS_WORDS = /^(y|n|yes|no|on|off|true|false|null|~|[-+]?\.?(inf|nan))$/i;

/** Whether `s` reads back as the same string when written plain (YAML 1.1 and 1.2 readers). */
export function plainSafe(s: string, flow: boolean): boolean {
  if (s === "" || s !== s.trim() || /[\n\r\t\u0000-\u001f\u007f\u0085\u2028\u2029\uFEFF]/.test(s))
    return false;
  if (s.includes("#") || s.includes(": ") || s.endsWith(":")) return false;
  if (/^[[\]{}&*!|>'"%@`,]/.test(s)) return false;
  if (/^[-?:](\s|$)/.test(s)) return false;
  if (s.startsWith("---") || s.startsWith("...")) return false;
  if (flow && /[,[\]{}]/.test(s)) return false;
  if (AMBIGUOUS_WORDS.test(s)) return false;
  for (const version of ["1.1", "1.2"] as const) {
    try {
      const doc = parseDocument(flow ? `[${s}]` : s, { version, prettyErrors: false });
      if (doc.errors.length > 0 || doc.warnings.length > 0) return false;
      const node = flow ? (isSeq(doc.contents) ? doc.contents.items[0] : undefined) : doc.contents;
      if (flow && (!isSeq(doc.contents) || doc.contents.items.length !== 1)) return false;
      if (!isScalar(node) || node.value !== s || node.type !== Scalar.PLAIN) return false;
    } catch {
      return false;
    }
  }
  return true;
}

export type QuoteStyle = "plain" | "single" | "double";

export function scalarText(value: unknown, flow: boolean, prefer: QuoteStyle = "plain"): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return refuse(`the value ${String(value)} cannot be written`);
    return JSON.stringify(value);
  }
  if (typeof value === "string") {
    if (prefer === "single" && !/[\u0000-\u001f\u007f\u2028\u2029]/.test(value))
      return `'${value.replace(/'/g, "''")}'`;
    if (prefer === "double") return JSON.stringify(value);
    return plainSafe(value, flow) ? value : JSON.stringify(value);
  }
  return refuse(`a value of type ${typeof value} cannot be written`);
}

export function keyText(key: string, flow: boolean): string {
  return scalarText(key, flow);
}

export function flowText(value: unknown, spaced = false): string {
  if (Array.isArray(value)) return `[${value.map((v) => flowText(v, spaced)).join(", ")}]`;
  if (isPlainObject(value)) {
    const inner = Object.entries(value)
      .map(([k, v]) => `${keyText(k, true)}: ${flowText(v, spaced)}`)
      .join(", ");
    if (inner === "") return "{}";
    return spaced ? `{ ${inner} }` : `{${inner}}`;
  }
  return scalarText(value, true);
}

/** A value in block context on the line of its key: scalars and empty collections. */
export function inlineText(value: unknown): string {
  if (Array.isArray(value) || isPlainObject(value)) return flowText(value);
  return scalarText(value, false);
}

export function isBlockCollection(value: unknown): boolean {
  return (
    (Array.isArray(value) && value.length > 0) ||
    (isPlainObject(value) && Object.keys(value).length > 0)
  );
}

export function pairLines(key: string, value: unknown, col: number, style: Style): string[] {
  const pad = " ".repeat(col);
  const k = keyText(key, false);
  if (Array.isArray(value) && value.length > 0) {
    const itemCol = col + (style.seqIndent ? style.seqOffset : 0);
    return [`${pad}${k}:`, ...value.flatMap((item) => itemLines(item, itemCol, style))];
  }
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    return [
      `${pad}${k}:`,
      ...Object.entries(value).flatMap(([k2, v2]) => pairLines(k2, v2, col + style.unit, style)),
    ];
  }
  return [`${pad}${k}: ${inlineText(value)}`];
}

export function itemLines(value: unknown, col: number, style: Style): string[] {
  const pad = " ".repeat(col);
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    const offset = Math.max(style.itemOffset, 2);
    const lines = Object.entries(value).flatMap(([k, v]) => pairLines(k, v, col + offset, style));
    lines[0] = `${pad}-${" ".repeat(offset - 1)}${lines[0]!.trimStart()}`;
    return lines;
  }
  return [`${pad}- ${inlineText(value)}`];
}

export function jsonText(value: unknown, style: Style, pretty: boolean, baseCol: number): string {
  if (!pretty) return jsonCompact(value, style.jsonSpaced);
  const text = JSON.stringify(value, null, style.unit);
  if (text === undefined) return refuse("the value cannot be written as JSON");
  return text
    .split("\n")
    .map((line, i) => (i === 0 ? line : " ".repeat(baseCol) + line))
    .join("\n");
}

export function jsonCompact(value: unknown, spaced: boolean): string {
  if (Array.isArray(value))
    return `[${value.map((v) => jsonCompact(v, spaced)).join(spaced ? ", " : ",")}]`;
  if (isPlainObject(value))
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${spaced ? " " : ""}${jsonCompact(v, spaced)}`)
      .join(spaced ? ", " : ",")}}`;
  if (typeof value === "number" && !Number.isFinite(value))
    return refuse(`the value ${String(value)} cannot be written`);
  if (!isScalarValue(value)) return refuse(`a value of type ${typeof value} cannot be written`);
  return JSON.stringify(value);
}
