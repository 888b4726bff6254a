// One-click suggestions: open findings' fixes applied to their file as line-range replacements.
import { applyFixes } from "../fixes/fix.js";
import { SEVERITY_RANK, type Finding } from "../core/types.js";
import type { Suggestion } from "../render/review-comments.js";
import { compareText } from "../core/compare-text.js";

interface Candidate {
  readonly finding: Finding;
  readonly startLine: number;
  readonly endLine: number;
}

/** The edit of one fix as a suggestion range (an insertion replaces the line above it). */
function toSuggestion(
  text: string,
  edit: { startLine: number; endLine: number; replacement: readonly string[] },
): Suggestion | undefined {
  if (edit.endLine >= edit.startLine)
    return { startLine: edit.startLine, endLine: edit.endLine, lines: edit.replacement };
  const above = edit.startLine - 1;
  if (above < 1) return undefined;
  const original = text.split(/\r?\n/)[above - 1] ?? "";
  return { startLine: above, endLine: above, lines: [original, ...edit.replacement] };
}

/**
 * A suggestion per open finding whose fix applies cleanly, keyed by fingerprint. Fixes whose lines
 * overlap become one suggestion (on the first of those findings), so GitHub never shows two
 * suggestions that would fight over the same lines.
 */
export function suggestionsFor(
  findings: readonly Finding[],
  texts: ReadonlyMap<string, string>,
): Map<string, Suggestion> {
  const out = new Map<string, Suggestion>();
  const byFile = new Map<string, Candidate[]>();
  for (const f of findings) {
    if (f.status.kind !== "open" || !f.fix || f.documentIndex === undefined) continue;
    const text = texts.get(f.file);
    if (text === undefined) continue;
    const alone = applyFixes(f.file, text, [{ documentIndex: f.documentIndex, fix: f.fix }]);
    if (!alone.outcomes[0]?.applied || alone.edits.length !== 1) continue;
    const s = toSuggestion(text, alone.edits[0]!);
    if (!s) continue;
    byFile.set(f.file, [
      ...(byFile.get(f.file) ?? []),
      { finding: f, startLine: s.startLine, endLine: s.endLine },
    ]);
  }
  for (const [file, candidates] of byFile) {
    const text = texts.get(file)!;
    // Group candidates whose ranges overlap (or touch), in line order.
    const groups: Candidate[][] = [];
    for (const c of [...candidates].sort((a, b) => a.startLine - b.startLine)) {
      const last = groups[groups.length - 1];
      if (last && c.startLine <= Math.max(...last.map((x) => x.endLine)) + 1) last.push(c);
      else groups.push([c]);
    }
    for (const group of groups) {
      const together = applyFixes(
        file,
        text,
        group.map((c) => ({ documentIndex: c.finding.documentIndex!, fix: c.finding.fix! })),
      );
      if (!together.outcomes.every((o) => o.applied) || together.edits.length !== 1) continue;
      const s = toSuggestion(text, together.edits[0]!);
      // The most severe finding of the group carries the suggestion.
      const carrier = [...group].sort(
        (a, b) =>
          SEVERITY_RANK[b.finding.severity] - SEVERITY_RANK[a.finding.severity] ||
          compareText(a.finding.rule, b.finding.rule),
      )[0]!;
      if (s) out.set(carrier.finding.fingerprint, s);
    }
  }
  return out;
}
