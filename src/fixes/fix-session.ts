// The fixer (src/fixes/fix.ts): the session: one file, its fixes applied one at a time, each verified.
import { type Document, type Node, type YAMLMap, type YAMLSeq } from "yaml";
import { parseManifest } from "../yaml/index.js";
import { type FixOperation, type JsonPath, type PathStep } from "../core/types.js";
import { MAX_STEPS_PER_FIX } from "../core/limits.js";
import { messageOf } from "../core/errors.js";
import {
  type FixRequest,
  type FixOutcome,
  type FixResult,
  Refusal,
  refuse,
  refusedOutcome,
} from "./fix.js";
import { LineBuffer } from "./fix-lines.js";
import { parseDocs, Source } from "./fix-parse.js";
import { type Style, detectStyle } from "./fix-style.js";
import {
  deepEqual,
  expectedValue,
  validateRequest,
  sameFix,
  conflict,
  comparePaths,
} from "./fix-values.js";
import { Step } from "./fix-step.js";

// ---------------------------------------------------------------------------------------------
// The session: one file, its fixes, applied one at a time on a fresh parse, each verified.

export type Where =
  | { readonly kind: "root" }
  | { readonly kind: "pair"; readonly map: YAMLMap; readonly index: number }
  | { readonly kind: "item"; readonly seq: YAMLSeq; readonly index: number };

export interface Located {
  readonly node: Node | null;
  readonly where: Where;
}

export interface Walked {
  readonly steps: Located[];
  readonly missing: PathStep[];
}

export type Op =
  | { readonly op: "set"; readonly path: JsonPath; readonly value: unknown }
  | { readonly op: "remove"; readonly path: JsonPath }
  | { readonly op: "append"; readonly path: JsonPath; readonly value: unknown };

export type StepResult = { text: string } | { ops: Op[] } | { noop: true };

export class FixSession {
  private readonly json: boolean;
  private readonly lines: LineBuffer;
  private readonly outcomes: (FixOutcome | undefined)[];
  private style: Style = {
    unit: 2,
    seqIndent: true,
    seqOffset: 2,
    itemOffset: 2,
    jsonSpaced: true,
  };
  /** The current values of the documents, by index. */
  private values = new Map<number, unknown>();
  /**
   * The current lines of each document (0-based, inclusive): a fix parses and checks only its
   * document's lines. Undefined when the documents could not be told apart by lines.
   */
  private windows: Map<number, Window> | undefined;
  /** Documents whose lines do not read the same on their own: edited with the whole file. */
  private readonly wholeFile = new Set<number>();
  private readonly checkedWindows = new Set<number>();

  constructor(
    private readonly file: string,
    private readonly text: unknown,
    private readonly requests: readonly unknown[],
  ) {
    this.json = /\.json$/i.test(file);
    this.lines = LineBuffer.from(typeof text === "string" ? text : "");
    this.outcomes = requests.map(() => undefined);
  }

  run(): FixResult {
    if (typeof this.text !== "string") return this.refuseAll("the file text is not a string");
    const refusal = this.read(this.text);
    if (refusal) return this.refuseAll(refusal);
    const { ordered, duplicateOf } = this.plan();
    for (const item of ordered) this.outcomes[item.index] = this.applyVerified(item);
    // A last check of the whole file: every document reads as the fixes say, and no other way.
    if (ordered.some((item) => this.outcomes[item.index]?.applied) && !this.readsBackAsFixed())
      return this.refuseAll("internal error: the combined edits did not read back as intended");
    this.answerDuplicates(duplicateOf);
    const edits = this.lines.edits();
    const newText = this.lines.fullText();
    const outcomes = this.outcomes.map((o, i) => {
      const outcome = o ?? refusedOutcome(i, this.requests[i], "not applied");
      const source = duplicateOf.get(i) ?? i;
      const mine = edits.flatMap((e, k) => (e.fixes.includes(source) ? [k] : []));
      return { ...stripUndefined(outcome), edits: outcome.applied ? mine : [] };
    });
    return {
      file: this.file,
      text: newText,
      changed: newText !== this.text,
      edits,
      outcomes,
    };
  }

  /** Every fix refused for one reason; the file unchanged. */
  private refuseAll(reason: string): FixResult {
    return {
      file: this.file,
      text: typeof this.text === "string" ? this.text : "",
      changed: false,
      edits: [],
      outcomes: this.requests.map((r, i) => refusedOutcome(i, r, reason)),
    };
  }

  /** Reads the file: its documents' values, its style and its documents' lines; or why not. */
  private read(text: string): string | undefined {
    const parsed = parseManifest(this.file, text);
    if (parsed.problems.length > 0)
      return `the file does not read cleanly (line ${parsed.problems[0]!.line}: ${parsed.problems[0]!.message}); it is not edited`;
    this.values = new Map(parsed.documents.map((d) => [d.index, d.value]));
    const lf = this.lines.lfText();
    const src = new Source(lf);
    const docs = parseDocs(lf, this.json);
    this.style = detectStyle(src, docs, this.json);
    this.windows = documentWindows(src, docs, this.lines.count());
    return undefined;
  }

  /**
   * The fixes to apply, in order, and the duplicates (answered as the fix they repeat): invalid
   * requests and fixes that conflict with another fix of their document are refused here.
   */
  private plan(): { ordered: Planned[]; duplicateOf: Map<number, number> } {
    const valid: Planned[] = [];
    this.requests.forEach((request, index) => {
      const problem = validateRequest(request);
      if (problem) {
        this.outcomes[index] = refusedOutcome(index, request, problem);
        return;
      }
      const { documentIndex, fix } = request as FixRequest;
      if (!this.values.has(documentIndex)) {
        this.outcomes[index] = refusedOutcome(
          index,
          request,
          `document ${documentIndex} does not exist or is empty`,
        );
        return;
      }
      valid.push({ index, documentIndex, fix });
    });
    const { duplicateOf, conflicts } = duplicatesAndConflicts(valid);
    const todo = valid.filter((v) => {
      const with_ = conflicts.get(v.index);
      if (with_) {
        this.outcomes[v.index] = {
          index: v.index,
          documentIndex: v.documentIndex,
          fix: v.fix,
          applied: false,
          reason: `conflicts with ${with_.join(", ")}`,
          edits: [],
        };
        return false;
      }
      return !duplicateOf.has(v.index);
    });
    // Removes last, deepest and highest index first, so list indexes of the others stay valid.
    const ordered = [
      ...todo.filter((v) => v.fix.op !== "remove"),
      ...todo
        .filter((v) => v.fix.op === "remove")
        .sort((a, b) => a.documentIndex - b.documentIndex || comparePaths(b.fix.path, a.fix.path)),
    ];
    return { ordered, duplicateOf };
  }

  /** Applies one fix and verifies it; a refused fix leaves the text as it was. */
  private applyVerified(item: Planned): FixOutcome {
    const snapshot = this.lines.snapshot();
    const windows = this.copyWindows();
    try {
      const changed = this.applyOne(item.index, item.documentIndex, item.fix);
      if (changed) this.verify(item.documentIndex, item.fix);
      return {
        index: item.index,
        documentIndex: item.documentIndex,
        fix: item.fix,
        applied: true,
        note: changed ? undefined : "already in place: nothing to change",
        edits: [],
      };
    } catch (err) {
      this.lines.restore(snapshot);
      this.windows = windows;
      const reason = err instanceof Refusal ? err.message : `internal error: ${messageOf(err)}`;
      return {
        index: item.index,
        documentIndex: item.documentIndex,
        fix: item.fix,
        applied: false,
        reason,
        edits: [],
      };
    }
  }

  /** Whether the whole fixed file reads cleanly as exactly the documents the fixes intended. */
  private readsBackAsFixed(): boolean {
    const final = parseManifest(this.file, this.lines.fullText());
    const after = new Map(final.documents.map((d) => [d.index, d.value]));
    return (
      final.problems.length === 0 &&
      after.size === this.values.size &&
      [...this.values].every(([i, v]) => after.has(i) && deepEqual(after.get(i), v))
    );
  }

  /** A duplicate fix gets the outcome of the fix it repeats. */
  private answerDuplicates(duplicateOf: Map<number, number>): void {
    for (const [dup, original] of duplicateOf) {
      const o = this.outcomes[original];
      const r = this.requests[dup] as FixRequest;
      this.outcomes[dup] = o
        ? {
            ...o,
            index: dup,
            fix: r.fix,
            note: o.applied ? `same as fix ${original}` : o.note,
            reason: o.applied ? undefined : `same as fix ${original}: ${o.reason}`,
          }
        : refusedOutcome(dup, r, `same as fix ${original}`);
    }
  }

  private copyWindows(): Map<number, Window> | undefined {
    return this.windows && new Map([...this.windows].map(([i, w]) => [i, { ...w }]));
  }

  /** The lines a fix of document `index` works on, and the document's index within them. */
  private windowOf(index: number): { start: number; end: number; doc: number; alone: boolean } {
    const whole = { start: 0, end: this.lines.count() - 1, doc: index, alone: false };
    const window = this.windows?.get(index);
    if (!window || this.wholeFile.has(index)) return whole;
    if (!this.checkedWindows.has(index)) {
      this.checkedWindows.add(index);
      // The document's lines must read on their own exactly as they do in the file.
      const text = this.lines.liveText(window.start, window.end);
      const docs = parseDocs(text, this.json);
      const alone = parseManifest(this.file, text);
      const same =
        docs.length === 1 &&
        alone.problems.length === 0 &&
        alone.documents.length === 1 &&
        alone.documents[0]!.index === 0 &&
        deepEqual(alone.documents[0]!.value, this.values.get(index));
      if (!same) {
        this.wholeFile.add(index);
        return whole;
      }
    }
    return { start: window.start, end: window.end, doc: 0, alone: true };
  }

  /** Lines were added (or removed) inside document `index`: it grows, the next ones move. */
  private shiftWindows(index: number, delta: number): void {
    if (!this.windows) return;
    for (const [i, w] of this.windows) {
      if (i === index) w.end += delta;
      else if (i > index) {
        w.start += delta;
        w.end += delta;
      }
    }
  }

  /** Checks a fixed document: it reads cleanly, and only the fixed value changed. */
  private verify(documentIndex: number, fix: FixOperation): void {
    const window = this.windowOf(documentIndex);
    const text = window.alone
      ? this.lines.liveText(window.start, window.end)
      : this.lines.fullText();
    const parsed = parseManifest(this.file, text);
    if (parsed.problems.length > 0)
      refuse(`the edit would not read cleanly (${parsed.problems[0]!.message}); not applied`);
    const expected = expectedValue(this.values.get(documentIndex), fix);
    const found = parsed.documents.find((d) => d.index === window.doc);
    if (!found || !deepEqual(found.value, expected))
      refuse("the edit would not produce exactly the intended value; not applied");
    if (parsed.documents.length !== (window.alone ? 1 : this.values.size))
      refuse("the edit would change the documents of the file; not applied");
    if (!window.alone)
      for (const d of parsed.documents)
        if (d.index !== documentIndex && !deepEqual(d.value, this.values.get(d.index)))
          refuse(`the edit would change document ${d.index}; not applied`);
    this.values.set(documentIndex, expected);
  }

  /** Applies one fix as one or more text steps; true when the text changed. */
  private applyOne(index: number, documentIndex: number, fix: FixOperation): boolean {
    const queue: Op[] = [fix];
    let changed = false;
    let steps = 0;
    while (queue.length > 0) {
      if (++steps > MAX_STEPS_PER_FIX) refuse("the fix needs too many edits");
      const op = queue.shift()!;
      const window = this.windowOf(documentIndex);
      const text = this.lines.liveText(window.start, window.end);
      const docs = parseDocs(text, this.json);
      const doc = docs[window.doc];
      if (!doc || doc.contents === null) return refuse(`document ${documentIndex} is empty`);
      if (doc.errors.length > 0) return refuse("the document does not parse cleanly");
      const step = new Step(new Source(text), doc, this.json, this.style);
      const result = step.apply(op);
      if ("ops" in result) queue.unshift(...result.ops);
      else if ("text" in result) {
        const delta = this.lines.replaceRange(window.start, window.end, result.text, index);
        if (delta !== undefined) {
          changed = true;
          this.shiftWindows(documentIndex, delta);
        }
      }
    }
    return changed;
  }
}

/** A valid fix request: its index among the requests, its document, the fix. */
interface Planned {
  readonly index: number;
  readonly documentIndex: number;
  readonly fix: FixOperation;
}

/**
 * Pairs of fixes of the same document: the same fix twice (the later one is a duplicate of the
 * first) or two fixes that conflict (each names the other).
 */
function duplicatesAndConflicts(valid: readonly Planned[]): {
  duplicateOf: Map<number, number>;
  conflicts: Map<number, string[]>;
} {
  const duplicateOf = new Map<number, number>();
  const conflicts = new Map<number, string[]>();
  for (let i = 0; i < valid.length; i++) {
    for (let j = i + 1; j < valid.length; j++) {
      const a = valid[i]!;
      const b = valid[j]!;
      if (a.documentIndex !== b.documentIndex) continue;
      if (duplicateOf.has(b.index)) continue;
      if (sameFix(a.fix, b.fix)) {
        duplicateOf.set(b.index, duplicateOf.get(a.index) ?? a.index);
        continue;
      }
      const why = conflict(a.fix, b.fix);
      if (why) {
        conflicts.set(a.index, [...(conflicts.get(a.index) ?? []), `fix ${b.index} (${why})`]);
        conflicts.set(b.index, [...(conflicts.get(b.index) ?? []), `fix ${a.index} (${why})`]);
      }
    }
  }
  return { duplicateOf, conflicts };
}

export interface Window {
  start: number;
  end: number;
}

/**
 * The lines of each document: from its start (its `---` line) to the line before the next
 * document's start; the first document also holds what comes before it (comments, directives).
 */
export function documentWindows(
  src: Source,
  docs: Document.Parsed[],
  lineCount: number,
): Map<number, Window> | undefined {
  const starts = docs.map((d, i) => (i === 0 ? 0 : src.line(d.range[0])));
  for (let i = 1; i < starts.length; i++) if (starts[i]! <= starts[i - 1]!) return undefined;
  const windows = new Map<number, Window>();
  starts.forEach((start, i) => {
    windows.set(i, { start, end: i + 1 < starts.length ? starts[i + 1]! - 1 : lineCount - 1 });
  });
  return windows;
}

export function stripUndefined(o: FixOutcome): FixOutcome {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as unknown as FixOutcome;
}
