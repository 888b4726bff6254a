// The `patch` of a pull request file (GitHub "list pull request files"): unified diff hunks
// without file headers. Tells which new-file (RIGHT side) lines a review comment may anchor on:
// GitHub refuses the whole review (422) when one comment lies outside every hunk.

export interface Hunk {
  /** From the header `@@ -oldStart,oldLines +newStart,newLines @@`. */
  readonly oldStart: number;
  readonly oldLines: number;
  readonly newStart: number;
  readonly newLines: number;
  /**
   * RIGHT-side (new file) lines the hunk shows, context and added, as read from its body:
   * `start..end` inclusive; `end < start` when it shows none (a pure deletion).
   */
  readonly start: number;
  readonly end: number;
  /** RIGHT-side lines this hunk adds (`+` lines). */
  readonly added: ReadonlySet<number>;
}

const HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

interface Open {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  oldLeft: number;
  newLeft: number;
  next: number;
  last: number;
  added: Set<number>;
}

function close(h: Open): Hunk {
  return {
    oldStart: h.oldStart,
    oldLines: h.oldLines,
    newStart: h.newStart,
    newLines: h.newLines,
    start: h.newStart,
    end: h.last,
    added: h.added,
  };
}

/**
 * Parses a file's `patch`. `undefined` (GitHub omits the patch of large or binary diffs) and
 * text without a hunk header give no hunks: nothing in that file is commentable. A hunk whose
 * body is shorter than its header says only covers the lines actually shown.
 */
export function parsePatch(patch: string | undefined): Hunk[] {
  if (!patch) return [];
  const hunks: Hunk[] = [];
  let open: Open | undefined;
  for (const raw of patch.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const header = HEADER.exec(line);
    if (header) {
      if (open) hunks.push(close(open));
      const oldLines = header[2] === undefined ? 1 : Number(header[2]);
      const newStart = Number(header[3]);
      const newLines = header[4] === undefined ? 1 : Number(header[4]);
      open = {
        oldStart: Number(header[1]),
        oldLines,
        newStart,
        newLines,
        oldLeft: oldLines,
        newLeft: newLines,
        next: newStart,
        last: newStart - 1,
        added: new Set(),
      };
      continue;
    }
    if (!open || (open.oldLeft <= 0 && open.newLeft <= 0)) continue;
    const kind = line === "" ? " " : line[0];
    if (kind === "+" && open.newLeft > 0) {
      open.added.add(open.next);
      open.last = open.next++;
      open.newLeft--;
    } else if (kind === "-" && open.oldLeft > 0) {
      open.oldLeft--;
    } else if (kind === " " && open.newLeft > 0 && open.oldLeft > 0) {
      open.last = open.next++;
      open.newLeft--;
      open.oldLeft--;
    }
    // `\ No newline at end of file` and anything malformed take no line.
  }
  if (open) hunks.push(close(open));
  return hunks;
}

/** The hunk showing a RIGHT-side line, if any. */
export function hunkOf(hunks: readonly Hunk[], line: number): Hunk | undefined {
  return hunks.find((h) => line >= h.start && line <= h.end);
}

/** Whether a review comment may anchor on this RIGHT-side line (it lies inside a hunk). */
export function canComment(hunks: readonly Hunk[], line: number): boolean {
  return Number.isInteger(line) && hunkOf(hunks, line) !== undefined;
}

/** Whether both lines lie inside one hunk, as a multi-line comment or suggestion needs. */
export function sameHunk(hunks: readonly Hunk[], startLine: number, endLine: number): boolean {
  if (!Number.isInteger(startLine) || !Number.isInteger(endLine)) return false;
  const hunk = hunkOf(hunks, startLine);
  return hunk !== undefined && endLine >= hunk.start && endLine <= hunk.end;
}

/** Every RIGHT-side line the patch adds. */
export function addedLines(hunks: readonly Hunk[]): Set<number> {
  const out = new Set<number>();
  for (const h of hunks) for (const l of h.added) out.add(l);
  return out;
}
