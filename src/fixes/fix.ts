// Applies fix operations (set / remove / append) to the text of a YAML or JSON file as minimal line
// edits: comments, key order, quoting, indentation, flow/block style and every untouched line and
// document stay byte for byte. Every edit is checked by parsing the result again; a fix that cannot
// be applied safely is reported with a reason, never guessed at.
import { type FixOperation } from "../core/types.js";
import { messageOf } from "../core/errors.js";
import { LineBuffer } from "./fix-lines.js";
import { FixSession } from "./fix-session.js";

/** One fix to apply, on the document it belongs to (the index in its file, counting from 0). */
export interface FixRequest {
  readonly documentIndex: number;
  readonly fix: FixOperation;
}

/**
 * Replace lines `startLine..endLine` of the original text (1-based, inclusive) by `replacement`.
 * `endLine = startLine - 1` is a pure insertion before `startLine`.
 */
export interface LineEdit {
  readonly startLine: number;
  readonly endLine: number;
  readonly replacement: readonly string[];
  /** Indexes (into the requests) of the fixes this edit carries. */
  readonly fixes: readonly number[];
}

export interface FixOutcome {
  /** Index of the request. */
  readonly index: number;
  readonly documentIndex: number;
  readonly fix: FixOperation;
  readonly applied: boolean;
  /** Why the fix was not applied. */
  readonly reason?: string;
  /** For an applied fix that needed no change (the value was already there). */
  readonly note?: string;
  /** Indexes (into `edits`) of the edits that carry this fix. */
  readonly edits: readonly number[];
}

export interface FixResult {
  readonly file: string;
  /** The whole new text (the original text when nothing applied). */
  readonly text: string;
  readonly changed: boolean;
  /** Non-overlapping, in file order, against the original text. */
  readonly edits: readonly LineEdit[];
  readonly outcomes: readonly FixOutcome[];
}

/** A fix that cannot be applied safely; caught per fix, never escapes `applyFixes`. */
export class Refusal extends Error {}

export const refuse = (reason: string): never => {
  throw new Refusal(reason);
};

export const BOM = "\uFEFF";

// ---------------------------------------------------------------------------------------------
// Entry point

/** Applies `fixes` to `text`; never throws: a fix that cannot be applied is reported with a reason. */
export function applyFixes(
  file: string,
  text: string,
  fixes: readonly { documentIndex: number; fix: FixOperation }[],
): FixResult {
  const list: readonly unknown[] = Array.isArray(fixes) ? fixes : [];
  try {
    return new FixSession(String(file), text, list).run();
  } catch (err) {
    const reason = `internal error: ${messageOf(err)}`;
    return {
      file: String(file),
      text: typeof text === "string" ? text : "",
      changed: false,
      edits: [],
      outcomes: list.map((request, index) => refusedOutcome(index, request, reason)),
    };
  }
}

/** Applies line edits (as returned by `applyFixes`) to the original text. */
export function applyLineEdits(text: string, edits: readonly LineEdit[]): string {
  const lines = LineBuffer.from(text);
  const sorted = [...edits].sort((a, b) => a.startLine - b.startLine || a.endLine - b.endLine);
  const out: string[] = [];
  let next = 1;
  const original = lines.entries;
  for (const edit of sorted) {
    for (; next < edit.startLine && next <= original.length; next++) {
      const e = original[next - 1]!;
      out.push(e.text + e.eol);
    }
    edit.replacement.forEach((line, i) => {
      const text = i === 0 && edit.startLine === 1 && line.startsWith(BOM) ? line.slice(1) : line;
      out.push(text + lines.eol);
    });
    next = Math.max(next, edit.endLine + 1);
  }
  for (; next <= original.length; next++) {
    const e = original[next - 1]!;
    out.push(e.text + e.eol);
  }
  let joined = out.join("");
  if (!lines.endsWithEol && joined.endsWith(lines.eol)) joined = joined.slice(0, -lines.eol.length);
  if (lines.bom) joined = BOM + joined;
  return joined;
}

export function refusedOutcome(index: number, request: unknown, reason: string): FixOutcome {
  const r = (request ?? {}) as { documentIndex?: unknown; fix?: unknown };
  return {
    index,
    documentIndex: typeof r.documentIndex === "number" ? r.documentIndex : -1,
    fix: r.fix as FixOperation,
    applied: false,
    reason,
    edits: [],
  };
}
