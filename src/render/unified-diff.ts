// A unified diff of line edits against the original text (what `check --fix-dry-run` prints).
import { commonEnds } from "../core/common-lines.js";
import type { LineEdit } from "../fixes/fix.js";

const CONTEXT = 3;

const NO_EOL = "\\ No newline at end of file";

/**
 * `--- a/path` / `+++ b/path` with one hunk per group of nearby edits, 3 lines of context. A file
 * without a final newline (the fixed text keeps it so) gets git's "\\ No newline at end of file"
 * after its last line on each side, so `git apply` takes the diff.
 */
export function renderUnifiedDiff(
  path: string,
  original: string,
  edits: readonly LineEdit[],
): string {
  if (edits.length === 0) return "";
  const lines = original.replace(/\r?\n$/, "").split(/\r?\n/);
  const noEol = original !== "" && !original.endsWith("\n");
  const sorted = [...edits].sort((a, b) => a.startLine - b.startLine);
  const oldTotal = lines.length;
  const newTotal =
    oldTotal + sorted.reduce((n, e) => n + e.replacement.length - (e.endLine - e.startLine + 1), 0);
  // Group edits whose context would overlap into one hunk.
  const groups: LineEdit[][] = [];
  for (const e of sorted) {
    const last = groups[groups.length - 1];
    const prev = last?.[last.length - 1];
    if (prev && e.startLine - Math.max(prev.endLine, prev.startLine - 1) <= 2 * CONTEXT)
      last!.push(e);
    else groups.push([e]);
  }
  const out = [`--- a/${path}`, `+++ b/${path}`];
  let shift = 0; // new-file line offset accumulated by earlier hunks
  for (const group of groups) {
    const first = group[0]!;
    const lastEdit = group[group.length - 1]!;
    const from = Math.max(1, first.startLine - CONTEXT);
    const to = Math.min(lines.length, Math.max(lastEdit.endLine, lastEdit.startLine - 1) + CONTEXT);
    const body: string[] = [];
    let oldCount = 0;
    let newCount = 0;
    const oldLast = () => noEol && from + oldCount === oldTotal;
    const newLast = () => noEol && from + shift + newCount === newTotal;
    const context = (text: string) => {
      const [o, n] = [oldLast(), newLast()];
      if (o === n) body.push(` ${text}`, ...(o ? [NO_EOL] : []));
      else body.push(`-${text}`, ...(o ? [NO_EOL] : []), `+${text}`, ...(n ? [NO_EOL] : []));
      oldCount++;
      newCount++;
    };
    const removed = (text: string) => {
      body.push(`-${text}`, ...(oldLast() ? [NO_EOL] : []));
      oldCount++;
    };
    const added = (text: string) => {
      body.push(`+${text}`, ...(newLast() ? [NO_EOL] : []));
      newCount++;
    };
    let line = from;
    for (const e of group) {
      for (; line < e.startLine; line++) context(lines[line - 1]!);
      for (let l = e.startLine; l <= e.endLine; l++) removed(lines[l - 1]!);
      for (const r of e.replacement) added(r);
      line = Math.max(line, e.endLine + 1);
    }
    for (; line <= to; line++) context(lines[line - 1]!);
    out.push(`@@ -${from},${oldCount} +${from + shift},${newCount} @@`, ...body);
    shift += newCount - oldCount;
  }
  return `${out.join("\n")}\n`;
}

/** Above this many line pairs, the diff falls back to one edit between the common head and tail. */
const MAX_LCS_CELLS = 4_000_000;

/** Line edits turning `before` into `after` (a longest-common-subsequence diff). */
export function diffEdits(before: string, after: string): LineEdit[] {
  const a = before.replace(/\r?\n$/, "").split(/\r?\n/);
  const b = after.replace(/\r?\n$/, "").split(/\r?\n/);
  const { head, tail } = commonEnds(a, b);
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  if (x.length === 0 && y.length === 0) return [];
  if (x.length * y.length > MAX_LCS_CELLS) {
    return [{ startLine: head + 1, endLine: head + x.length, replacement: y, fixes: [] }];
  }
  // lcs[i][j]: length of the LCS of x[i..] and y[j..].
  const lcs = Array.from({ length: x.length + 1 }, () => new Uint32Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i]![j] =
        x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const edits: LineEdit[] = [];
  let i = 0;
  let j = 0;
  let open: { startLine: number; removed: number; replacement: string[] } | undefined;
  const close = () => {
    if (open)
      edits.push({
        startLine: open.startLine,
        endLine: open.startLine + open.removed - 1,
        replacement: open.replacement,
        fixes: [],
      });
    open = undefined;
  };
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      close();
      i++;
      j++;
    } else if (j < y.length && (i === x.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      open ??= { startLine: head + i + 1, removed: 0, replacement: [] };
      open.replacement.push(y[j++]!);
    } else {
      open ??= { startLine: head + i + 1, removed: 0, replacement: [] };
      open.removed++;
      i++;
    }
  }
  close();
  return edits;
}
