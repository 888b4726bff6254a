// One-click suggestions: each open finding's fix applied to its file as a line-range replacement.
import { applyFixes } from "../core/fix.js";
import type { Finding } from "../core/types.js";
import type { Suggestion } from "../render/review-comments.js";

/**
 * A suggestion per open finding whose fix applies cleanly, keyed by fingerprint. A pure insertion
 * becomes a replacement of the line above it (GitHub suggestions replace at least one line).
 */
export function suggestionsFor(
  findings: readonly Finding[],
  texts: ReadonlyMap<string, string>,
): Map<string, Suggestion> {
  const out = new Map<string, Suggestion>();
  for (const f of findings) {
    if (f.status.kind !== "open" || !f.fix || f.documentIndex === undefined) continue;
    const text = texts.get(f.file);
    if (text === undefined) continue;
    const result = applyFixes(f.file, text, [{ documentIndex: f.documentIndex, fix: f.fix }]);
    if (!result.outcomes[0]?.applied || result.edits.length !== 1) continue;
    const edit = result.edits[0]!;
    if (edit.endLine >= edit.startLine) {
      out.set(f.fingerprint, {
        startLine: edit.startLine,
        endLine: edit.endLine,
        lines: edit.replacement,
      });
      continue;
    }
    const above = edit.startLine - 1;
    if (above < 1) continue;
    const original = text.split(/\r?\n/)[above - 1] ?? "";
    out.set(f.fingerprint, {
      startLine: above,
      endLine: above,
      lines: [original, ...edit.replacement],
    });
  }
  return out;
}
