// The fixer (src/fixes/fix.ts): the original lines, with tombstones for removed ones.
import { commonEnds } from "../core/common-lines.js";
import { type LineEdit, BOM } from "./fix.js";

// ---------------------------------------------------------------------------------------------
// Lines: the original lines, with tombstones for removed ones, so edits map back to the original.

export interface Entry {
  readonly text: string;
  readonly eol: string;
  /** 1-based line number in the original text; null for a new line. */
  readonly origin: number | null;
  readonly deleted: boolean;
  readonly fixes: readonly number[];
}

export class LineBuffer {
  private constructor(
    public entries: Entry[],
    readonly eol: string,
    readonly endsWithEol: boolean,
    readonly bom: boolean,
  ) {}

  static from(raw: string): LineBuffer {
    const bom = raw.startsWith(BOM);
    const text = bom ? raw.slice(1) : raw;
    const crlf = (text.match(/\r\n/g) ?? []).length;
    const lf = (text.match(/\n/g) ?? []).length - crlf;
    const eol = crlf > lf ? "\r\n" : "\n";
    const parts = text.split("\n");
    const endsWithEol = text === "" || text.endsWith("\n");
    if (endsWithEol) parts.pop();
    const entries = parts.map((part, i): Entry => {
      const last = i === parts.length - 1 && !endsWithEol;
      const cr = !last && part.endsWith("\r");
      return {
        text: cr ? part.slice(0, -1) : part,
        eol: last ? eol : cr ? "\r\n" : "\n",
        origin: i + 1,
        deleted: false,
        fixes: [],
      };
    });
    return new LineBuffer(entries, eol, endsWithEol, bom);
  }

  snapshot(): Entry[] {
    return this.entries.slice();
  }

  restore(entries: Entry[]): void {
    this.entries = entries;
  }

  private live(): Entry[] {
    return this.entries.filter((e) => !e.deleted);
  }

  /** The text the parser sees: LF line ends, no BOM. */
  lfText(): string {
    return this.liveText(0, this.count() - 1);
  }

  /** Number of current lines. */
  count(): number {
    let n = 0;
    for (const e of this.entries) if (!e.deleted) n++;
    return n;
  }

  /** Current lines `start..end` (0-based, inclusive) as LF text. */
  liveText(start: number, end: number): string {
    const live = this.live();
    const joined = live
      .slice(start, end + 1)
      .map((e) => e.text + "\n")
      .join("");
    return !this.endsWithEol && end >= live.length - 1 ? joined.slice(0, -1) : joined;
  }

  fullText(): string {
    let joined = this.live()
      .map((e) => e.text + e.eol)
      .join("");
    if (!this.endsWithEol) {
      const last = this.live().at(-1);
      if (last) joined = joined.slice(0, joined.length - last.eol.length);
    }
    return (this.bom ? BOM : "") + joined;
  }

  /**
   * Replaces current lines `start..end` by the lines of `next` (LF), as the smallest run of
   * changed lines; returns the change in the number of lines, or undefined when nothing changed.
   */
  replaceRange(start: number, end: number, next: string, fix: number): number | undefined {
    const live = this.live();
    const oldLines = live.slice(start, end + 1).map((e) => e.text);
    const newLines = splitLines(next);
    const { head: p, tail: s } = commonEnds(oldLines, newLines);
    const removeCount = oldLines.length - p - s;
    const added = newLines.slice(p, newLines.length - s);
    if (removeCount === 0 && added.length === 0) return undefined;
    const from = start + p;
    // Fixes of new lines that get replaced again stay attached to the replacement.
    const carried = new Set<number>([fix]);
    for (const e of live.slice(from, from + removeCount))
      if (e.origin === null) for (const f of e.fixes) carried.add(f);
    const fixes = [...carried].sort((a, b) => a - b);
    const newEntries: Entry[] = added.map((text) => ({
      text,
      eol: this.eol,
      origin: null,
      deleted: false,
      fixes,
    }));
    const out: Entry[] = [];
    let li = 0;
    let inserted = false;
    for (const e of this.entries) {
      if (e.deleted) {
        out.push(e);
        continue;
      }
      if (li === from && !inserted) {
        out.push(...newEntries);
        inserted = true;
      }
      if (li >= from && li < from + removeCount) {
        if (e.origin !== null) out.push({ ...e, deleted: true, fixes: [...e.fixes, fix] });
      } else {
        out.push(e);
      }
      li++;
    }
    if (!inserted) out.push(...newEntries);
    this.entries = out;
    return added.length - removeCount;
  }

  /** The changed runs, against the original lines. */
  edits(): LineEdit[] {
    const edits: LineEdit[] = [];
    let run: Entry[] = [];
    let previous = 0;
    const flush = () => {
      if (run.length === 0) return;
      const removed = run.filter((e) => e.deleted).map((e) => e.origin!);
      const startLine = removed.length > 0 ? Math.min(...removed) : previous + 1;
      const endLine = removed.length > 0 ? Math.max(...removed) : previous;
      const replacement = run.filter((e) => !e.deleted).map((e) => e.text);
      if (this.bom && startLine === 1 && endLine >= 1 && replacement.length > 0)
        replacement[0] = BOM + replacement[0];
      const fixes = [...new Set(run.flatMap((e) => e.fixes))].sort((a, b) => a - b);
      edits.push({ startLine, endLine, replacement, fixes });
      run = [];
    };
    for (const e of this.entries) {
      if (!e.deleted && e.origin !== null) {
        flush();
        previous = e.origin;
      } else {
        run.push(e);
      }
    }
    flush();
    return edits;
  }
}

export function splitLines(text: string): string[] {
  if (text === "") return [];
  const parts = text.split("\n");
  if (text.endsWith("\n")) parts.pop();
  return parts;
}
