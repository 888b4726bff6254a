// Applies fix operations (set / remove / append) to the text of a YAML or JSON file as minimal line
// edits: comments, key order, quoting, indentation, flow/block style and every untouched line and
// document stay byte for byte. Every edit is checked by parsing the result again; a fix that cannot
// be applied safely is reported with a reason, never guessed at.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  parseDocument,
  Scalar,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { commonEnds } from "./common-lines.js";
import { isMergeKey, parseManifest } from "../yaml/index.js";
import { lineAt, lineStarts } from "./lines.js";
import { kubernetesYamlOptions } from "../yaml/yaml-options.js";
import { isPlainObject } from "./plain-data.js";
import type { FixOperation, JsonPath, PathStep } from "./types.js";
import { MAX_STEPS_PER_FIX } from "./limits.js";
import { messageOf } from "./errors.js";

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
class Refusal extends Error {}

const refuse = (reason: string): never => {
  throw new Refusal(reason);
};

const BOM = "\uFEFF";

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

function refusedOutcome(index: number, request: unknown, reason: string): FixOutcome {
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

// ---------------------------------------------------------------------------------------------
// Lines: the original lines, with tombstones for removed ones, so edits map back to the original.

interface Entry {
  readonly text: string;
  readonly eol: string;
  /** 1-based line number in the original text; null for a new line. */
  readonly origin: number | null;
  readonly deleted: boolean;
  readonly fixes: readonly number[];
}

class LineBuffer {
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

function splitLines(text: string): string[] {
  if (text === "") return [];
  const parts = text.split("\n");
  if (text.endsWith("\n")) parts.pop();
  return parts;
}

// ---------------------------------------------------------------------------------------------
// Parsing: the same reading as manifest.ts (YAML 1.1, merge keys; JSON schema for .json files).

function parseDocs(text: string, json: boolean): Document.Parsed[] {
  const docs = parseAllDocuments(text, { ...kubernetesYamlOptions(json), keepSourceTokens: true });
  return (Array.isArray(docs) ? docs : [docs]) as Document.Parsed[];
}

function keyOf(pair: Pair): string | undefined {
  const k = pair.key;
  if (!isScalar(k)) return undefined;
  if (isMergeKey(k.value)) return "<<";
  return k.value === null || k.value === undefined ? String(k.source ?? "") : String(k.value);
}

// ---------------------------------------------------------------------------------------------
// Text positions

class Source {
  readonly starts: number[];
  constructor(readonly text: string) {
    this.starts = lineStarts(text);
  }
  /** 0-based line of an offset. */
  line(offset: number): number {
    return lineAt(this.starts, offset);
  }
  lineStart(line: number): number {
    return this.starts[line] ?? this.text.length;
  }
  /** Offset of the line's `\n` (or the end of the text). */
  lineEnd(line: number): number {
    const next = this.starts[line + 1];
    return next === undefined ? this.text.length : next - 1;
  }
  col(offset: number): number {
    return offset - this.lineStart(this.line(offset));
  }
  indentOf(line: number): number {
    const start = this.lineStart(line);
    let i = start;
    while (this.text[i] === " ") i++;
    return i - start;
  }
  /** Whether only spaces precede `offset` on its line. */
  startsLine(offset: number): boolean {
    return this.text.slice(this.lineStart(this.line(offset)), offset).trim() === "";
  }
  /** The line of the last character before an exclusive end offset. */
  endLine(end: number, start: number): number {
    return this.line(end > start ? end - 1 : start);
  }
}

// ---------------------------------------------------------------------------------------------
// Style of the file

interface Style {
  /** Spaces per mapping level. */
  readonly unit: number;
  /** `- ` items indented under their key (`key:\n  - a`) or not (`key:\n- a`). */
  readonly seqIndent: boolean;
  readonly seqOffset: number;
  /** Column of an item's mapping keys after its dash (`- name:` is 2). */
  readonly itemOffset: number;
  /** JSON: `": "` and `", "` with a space. */
  readonly jsonSpaced: boolean;
}

function mode(values: number[], fallback: number): number {
  const counts = new Map<number, number>();
  for (const v of values) if (v > 0) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = fallback;
  let bestCount = 0;
  for (const [v, c] of counts)
    if (c > bestCount || (c === bestCount && v < best)) {
      best = v;
      bestCount = c;
    }
  return best;
}

function detectStyle(src: Source, docs: Document.Parsed[], json: boolean): Style {
  const mapDeltas: number[] = [];
  const seqDeltas: number[] = [];
  const itemDeltas: number[] = [];
  let indented = 0;
  let flat = 0;
  const visit = (node: unknown, depth: number): void => {
    if (depth > 200) return;
    if (json && (isMap(node) || isSeq(node)) && node.range && node.items.length > 0) {
      const openLine = src.line(node.range[0]);
      const first = isMap(node) ? (node.items[0] as Pair).key : node.items[0];
      const at = (first as Node | null)?.range?.[0];
      if (at !== undefined && src.line(at) !== openLine)
        mapDeltas.push(src.col(at) - src.indentOf(openLine));
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key;
        const value = pair.value;
        if (!json && !node.flow && isScalar(key) && key.range) {
          const kcol = src.col(key.range[0]);
          if (isMap(value) && !value.flow && isScalar(value.items[0]?.key)) {
            const first = value.items[0]!.key as Scalar;
            if (first.range) mapDeltas.push(src.col(first.range[0]) - kcol);
          }
          if (isSeq(value) && !value.flow) {
            const dash = dashOffset(src, value, 0);
            if (dash !== undefined && src.line(dash) !== src.line(key.range[0])) {
              const delta = src.col(dash) - kcol;
              if (delta > 0) {
                indented++;
                seqDeltas.push(delta);
              } else if (delta === 0) flat++;
            }
          }
        }
        visit(value, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (!json && !node.flow && isMap(item) && !item.flow && isScalar(item.items[0]?.key)) {
          const dash = dashOffset(src, node, i);
          const first = item.items[0]!.key as Scalar;
          if (dash !== undefined && first.range && src.line(dash) === src.line(first.range[0]))
            itemDeltas.push(first.range[0] - dash);
        }
        visit(item, depth + 1);
      });
    }
  };
  for (const doc of docs) visit(doc.contents, 0);
  const unit = mode(mapDeltas, 2);
  return {
    unit,
    seqIndent: indented >= flat,
    seqOffset: mode(seqDeltas, unit),
    itemOffset: mode(itemDeltas, 2),
    jsonSpaced: json ? /"\s*:\s/.test(src.text) || !/"\s*:\S/.test(src.text) : true,
  };
}

/** Offset of the `-` of a block sequence item. */
function dashOffset(src: Source, seq: YAMLSeq, index: number): number | undefined {
  const token = (seq as { srcToken?: { items?: { start?: { type: string; offset: number }[] }[] } })
    .srcToken;
  const start = token?.items?.[index]?.start;
  const ind = start?.find((t) => t.type === "seq-item-ind");
  if (ind) return ind.offset;
  const item = seq.items[index] as Node | null | undefined;
  const at = item?.range?.[0];
  if (at === undefined) return undefined;
  const lineStart = src.lineStart(src.line(at));
  const dash = src.text.lastIndexOf("-", at);
  return dash >= lineStart ? dash : undefined;
}

function colonOffset(pair: Pair): number | undefined {
  const token = (pair as { srcToken?: { sep?: { type: string; offset: number }[] } }).srcToken;
  return token?.sep?.find((t) => t.type === "map-value-ind")?.offset;
}

// ---------------------------------------------------------------------------------------------
// Rendering values

function isScalarValue(v: unknown): boolean {
  return v === null || ["string", "number", "boolean"].includes(typeof v);
}

const AMBIGUOUS_WORDS = /^(y|n|yes|no|on|off|true|false|null|~|[-+]?\.?(inf|nan))$/i;

/** Whether `s` reads back as the same string when written plain (YAML 1.1 and 1.2 readers). */
function plainSafe(s: string, flow: boolean): boolean {
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

type QuoteStyle = "plain" | "single" | "double";

function scalarText(value: unknown, flow: boolean, prefer: QuoteStyle = "plain"): string {
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

function keyText(key: string, flow: boolean): string {
  return scalarText(key, flow);
}

function flowText(value: unknown, spaced = false): string {
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
function inlineText(value: unknown): string {
  if (Array.isArray(value) || isPlainObject(value)) return flowText(value);
  return scalarText(value, false);
}

function isBlockCollection(value: unknown): boolean {
  return (
    (Array.isArray(value) && value.length > 0) ||
    (isPlainObject(value) && Object.keys(value).length > 0)
  );
}

function pairLines(key: string, value: unknown, col: number, style: Style): string[] {
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

function itemLines(value: unknown, col: number, style: Style): string[] {
  const pad = " ".repeat(col);
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    const offset = Math.max(style.itemOffset, 2);
    const lines = Object.entries(value).flatMap(([k, v]) => pairLines(k, v, col + offset, style));
    lines[0] = `${pad}-${" ".repeat(offset - 1)}${lines[0]!.trimStart()}`;
    return lines;
  }
  return [`${pad}- ${inlineText(value)}`];
}

function jsonText(value: unknown, style: Style, pretty: boolean, baseCol: number): string {
  if (!pretty) return jsonCompact(value, style.jsonSpaced);
  const text = JSON.stringify(value, null, style.unit);
  if (text === undefined) return refuse("the value cannot be written as JSON");
  return text
    .split("\n")
    .map((line, i) => (i === 0 ? line : " ".repeat(baseCol) + line))
    .join("\n");
}

function jsonCompact(value: unknown, spaced: boolean): string {
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

// ---------------------------------------------------------------------------------------------
// Plain values

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

function getIn(value: unknown, path: JsonPath): unknown {
  let v = value;
  for (const step of path) {
    if (Array.isArray(v) && typeof step === "number") v = v[step];
    else if (isPlainObject(v) && Object.prototype.hasOwnProperty.call(v, String(step)))
      v = v[String(step)];
    else return undefined;
  }
  return v;
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** What the document's value must be after the fix (the fix's meaning on plain values). */
function expectedValue(before: unknown, fix: FixOperation): unknown {
  const root = clone(before);
  const path = fix.path;
  const holder = { root } as Record<string, unknown>;
  let parent: Record<string, unknown> | unknown[] = holder;
  let key: string | number = "root";
  const at = (p: Record<string, unknown> | unknown[], k: string | number): unknown =>
    Array.isArray(p) ? p[k as number] : (p as Record<string, unknown>)[k];
  const put = (p: Record<string, unknown> | unknown[], k: string | number, v: unknown) => {
    if (Array.isArray(p)) p[k as number] = v;
    else p[k] = v;
  };
  for (const step of path) {
    let current = at(parent, key);
    if (fix.op === "remove" && (current === null || typeof current !== "object")) return root;
    if (current === null || current === undefined) {
      current = {};
      put(parent, key, current);
    }
    parent = current as Record<string, unknown> | unknown[];
    key = Array.isArray(parent) ? Number(step) : String(step);
  }
  if (fix.op === "set") put(parent, key, clone(fix.value));
  else if (fix.op === "remove") {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else {
    const list = at(parent, key);
    if (Array.isArray(list)) list.push(clone(fix.value));
    else put(parent, key, [clone(fix.value)]);
  }
  return holder.root;
}

function formatPath(path: JsonPath): string {
  if (path.length === 0) return "(document)";
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else
      out += out === "" ? step : /^[\w-]+$/.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation, duplicates and conflicts

function validateRequest(request: unknown): string | undefined {
  if (typeof request !== "object" || request === null) return "the fix request is not an object";
  const { documentIndex, fix } = request as { documentIndex?: unknown; fix?: unknown };
  if (typeof documentIndex !== "number" || !Number.isInteger(documentIndex) || documentIndex < 0)
    return "the fix has no valid document index";
  if (typeof fix !== "object" || fix === null) return "the fix is not an object";
  const f = fix as { op?: unknown; path?: unknown; value?: unknown };
  if (f.op !== "set" && f.op !== "remove" && f.op !== "append")
    return `unknown fix operation ${JSON.stringify(f.op)}`;
  if (!Array.isArray(f.path)) return "the fix has no path";
  for (const step of f.path) {
    const ok =
      typeof step === "string" || (typeof step === "number" && Number.isInteger(step) && step >= 0);
    if (!ok) return `the fix path has an invalid step ${JSON.stringify(step)}`;
  }
  if (f.path.length === 0) return "the fix path is empty (a whole document is never replaced)";
  if (f.op !== "remove") {
    if (!("value" in f) || f.value === undefined) return "the fix has no value";
    if (!isPlainData(f.value, 0)) return "the fix value is not plain data (JSON values only)";
  }
  return undefined;
}

/** JSON-like data: null, booleans, finite numbers, strings, arrays and plain objects of them. */
function isPlainData(v: unknown, depth: number): boolean {
  if (depth > 100) return false;
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isPlainData(x, depth + 1));
  if (isPlainObject(v) && Object.getPrototypeOf(v) === Object.prototype)
    return Object.values(v).every((x) => isPlainData(x, depth + 1));
  return false;
}

function samePath(a: JsonPath, b: JsonPath): boolean {
  return a.length === b.length && a.every((s, i) => String(s) === String(b[i]));
}

function isPrefix(a: JsonPath, b: JsonPath): boolean {
  return a.length < b.length && a.every((s, i) => String(s) === String(b[i]));
}

function sameFix(a: FixOperation, b: FixOperation): boolean {
  if (a.op !== b.op || !samePath(a.path, b.path)) return false;
  return a.op === "remove" || deepEqual(a.value, (b as { value: unknown }).value);
}

/** Why two different fixes of the same document cannot both be applied, if they cannot. */
function conflict(a: FixOperation, b: FixOperation): string | undefined {
  if (samePath(a.path, b.path)) {
    if (a.op === "append" && b.op === "append") return undefined;
    return a.op === b.op
      ? `both ${a.op} ${formatPath(a.path)} to different values`
      : `${a.op} and ${b.op} on the same path ${formatPath(a.path)}`;
  }
  const [outer, inner] = isPrefix(a.path, b.path)
    ? [a, b]
    : isPrefix(b.path, a.path)
      ? [b, a]
      : [undefined, undefined];
  if (!outer || !inner) return undefined;
  const rel = inner.path.slice(outer.path.length);
  if (outer.op === "set") {
    const within = getIn(outer.value, rel);
    if (inner.op === "set" && deepEqual(within, inner.value)) return undefined;
    if (inner.op === "remove" && within === undefined && isPlainObject(outer.value))
      return undefined;
  }
  return `${outer.op} ${formatPath(outer.path)} and ${inner.op} ${formatPath(inner.path)} overlap`;
}

function comparePaths(a: JsonPath, b: JsonPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return x - y;
    } else if (String(x) !== String(y)) return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// The session: one file, its fixes, applied one at a time on a fresh parse, each verified.

type Where =
  | { readonly kind: "root" }
  | { readonly kind: "pair"; readonly map: YAMLMap; readonly index: number }
  | { readonly kind: "item"; readonly seq: YAMLSeq; readonly index: number };

interface Located {
  readonly node: Node | null;
  readonly where: Where;
}

interface Walked {
  readonly steps: Located[];
  readonly missing: PathStep[];
}

type Op =
  | { readonly op: "set"; readonly path: JsonPath; readonly value: unknown }
  | { readonly op: "remove"; readonly path: JsonPath }
  | { readonly op: "append"; readonly path: JsonPath; readonly value: unknown };

type StepResult = { text: string } | { ops: Op[] } | { noop: true };

class FixSession {
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
    const requests = this.requests;
    const refuseAll = (reason: string): FixResult => ({
      file: this.file,
      text: typeof this.text === "string" ? this.text : "",
      changed: false,
      edits: [],
      outcomes: requests.map((r, i) => refusedOutcome(i, r, reason)),
    });
    if (typeof this.text !== "string") return refuseAll("the file text is not a string");
    const parsed = parseManifest(this.file, this.text);
    if (parsed.problems.length > 0)
      return refuseAll(
        `the file does not read cleanly (line ${parsed.problems[0]!.line}: ${parsed.problems[0]!.message}); it is not edited`,
      );
    this.values = new Map(parsed.documents.map((d) => [d.index, d.value]));
    const values = this.values;
    {
      const lf = this.lines.lfText();
      const src = new Source(lf);
      const docs = parseDocs(lf, this.json);
      this.style = detectStyle(src, docs, this.json);
      this.windows = documentWindows(src, docs, this.lines.count());
    }

    // Validate, then find duplicates and conflicts between fixes of the same document.
    const valid: { index: number; documentIndex: number; fix: FixOperation }[] = [];
    requests.forEach((request, index) => {
      const problem = validateRequest(request);
      if (problem) {
        this.outcomes[index] = refusedOutcome(index, request, problem);
        return;
      }
      const { documentIndex, fix } = request as FixRequest;
      if (!values.has(documentIndex)) {
        this.outcomes[index] = refusedOutcome(
          index,
          request,
          `document ${documentIndex} does not exist or is empty`,
        );
        return;
      }
      valid.push({ index, documentIndex, fix });
    });
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

    for (const item of ordered) {
      const snapshot = this.lines.snapshot();
      const windows = this.copyWindows();
      let outcome: FixOutcome;
      try {
        const changed = this.applyOne(item.index, item.documentIndex, item.fix);
        if (changed) this.verify(item.documentIndex, item.fix);
        outcome = {
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
        outcome = {
          index: item.index,
          documentIndex: item.documentIndex,
          fix: item.fix,
          applied: false,
          reason,
          edits: [],
        };
      }
      this.outcomes[item.index] = outcome;
    }
    // A last check of the whole file: every document reads as the fixes say, and no other way.
    if (ordered.some((item) => this.outcomes[item.index]?.applied)) {
      const final = parseManifest(this.file, this.lines.fullText());
      const after = new Map(final.documents.map((d) => [d.index, d.value]));
      const sound =
        final.problems.length === 0 &&
        after.size === this.values.size &&
        [...this.values].every(([i, v]) => after.has(i) && deepEqual(after.get(i), v));
      if (!sound)
        return refuseAll("internal error: the combined edits did not read back as intended");
    }
    for (const [dup, original] of duplicateOf) {
      const o = this.outcomes[original];
      const r = requests[dup] as FixRequest;
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

    const edits = this.lines.edits();
    const newText = this.lines.fullText();
    const outcomes = this.outcomes.map((o, i) => {
      const outcome = o ?? refusedOutcome(i, requests[i], "not applied");
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

interface Window {
  start: number;
  end: number;
}

/**
 * The lines of each document: from its start (its `---` line) to the line before the next
 * document's start; the first document also holds what comes before it (comments, directives).
 */
function documentWindows(
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

function stripUndefined(o: FixOutcome): FixOutcome {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as unknown as FixOutcome;
}

// ---------------------------------------------------------------------------------------------
// One text step on a fresh parse of the current text.

class Step {
  private readonly aliased = new Set<string>();

  constructor(
    private readonly src: Source,
    private readonly doc: Document.Parsed,
    private readonly json: boolean,
    private readonly style: Style,
  ) {
    const visit = (node: unknown, depth: number): void => {
      if (depth > 500 || node === null || typeof node !== "object") return;
      if (isAlias(node)) this.aliased.add(node.source);
      else if (isMap(node))
        for (const p of node.items) {
          visit(p.key, depth + 1);
          visit(p.value, depth + 1);
        }
      else if (isSeq(node)) for (const item of node.items) visit(item, depth + 1);
    };
    visit(doc.contents, 0);
  }

  private get text(): string {
    return this.src.text;
  }

  apply(op: Op): StepResult {
    if (op.op === "set") return this.set(op.path, op.value);
    if (op.op === "remove") return this.remove(op.path);
    return this.append(op.path, op.value);
  }

  // --- walking -------------------------------------------------------------------------------

  private walk(path: JsonPath): Walked {
    const steps: Located[] = [{ node: this.doc.contents as Node | null, where: { kind: "root" } }];
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const here = formatPath(path.slice(0, i));
      const node = steps[steps.length - 1]!.node;
      if (isAlias(node))
        refuse(
          `${here} is an alias (*${node.source}): editing through it would change the anchored node`,
        );
      this.checkAnchor(node, here);
      if (isMap(node)) {
        if (key === "<<") refuse(`${formatPath(path.slice(0, i + 1))} is a << merge key`);
        const index = findPairIndex(node, key);
        if (index >= 0) {
          steps.push({
            node: (node.items[index]!.value ?? null) as Node | null,
            where: { kind: "pair", map: node, index },
          });
          continue;
        }
        if (this.mergedHas(node, String(key), 0))
          refuse(
            `${formatPath(path.slice(0, i + 1))} comes from a << merge key: editing it would change every mapping that merges it`,
          );
        return { steps, missing: path.slice(i) };
      }
      if (isSeq(node)) {
        if (typeof key !== "number") refuse(`${here} is a list, not a mapping`);
        if ((key as number) < node.items.length) {
          steps.push({
            node: (node.items[key as number] ?? null) as Node | null,
            where: { kind: "item", seq: node, index: key as number },
          });
          continue;
        }
        return { steps, missing: path.slice(i) };
      }
      if (node === null || (isScalar(node) && node.value === null))
        return { steps, missing: path.slice(i) };
      refuse(
        `${here} holds a ${describeNode(node)}, not a ${typeof key === "number" ? "list" : "mapping"}`,
      );
    }
    const last = steps[steps.length - 1]!.node;
    if (isAlias(last))
      refuse(`${formatPath(path)} is an alias (*${last.source}); it is not edited in place`);
    return { steps, missing: [] };
  }

  private checkAnchor(node: unknown, where: string): void {
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor && this.aliased.has(anchor))
      refuse(
        `${where} is anchored (&${anchor}) and reused through an alias: editing it would change every copy`,
      );
  }

  private checkSubtree(node: unknown, where: string, depth = 0): void {
    if (depth > 500 || node === null || typeof node !== "object") return;
    this.checkAnchor(node, where);
    if (isMap(node)) for (const p of node.items) this.checkSubtree(p.value, where, depth + 1);
    else if (isSeq(node)) for (const item of node.items) this.checkSubtree(item, where, depth + 1);
  }

  private mergedHas(map: YAMLMap, key: string, depth: number): boolean {
    if (depth > 20) return true;
    for (const pair of map.items) {
      if (keyOf(pair) !== "<<") continue;
      const targets = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const t of targets) {
        const resolved = isAlias(t) ? t.resolve(this.doc) : t;
        if (
          isMap(resolved) &&
          (findPairIndex(resolved, key) >= 0 || this.mergedHas(resolved, key, depth + 1))
        )
          return true;
      }
    }
    return false;
  }

  private toJS(node: Node | null): unknown {
    if (node === null) return null;
    return (node as { toJS(doc: Document, opts: { maxAliasCount: number }): unknown }).toJS(
      this.doc,
      {
        maxAliasCount: 1000,
      },
    );
  }

  // --- operations ----------------------------------------------------------------------------

  private set(path: JsonPath, value: unknown): StepResult {
    const { steps, missing } = this.walk(path);
    const here = steps[steps.length - 1]!;
    if (missing.length > 0) {
      const parent = here.node;
      const at = formatPath(path.slice(0, path.length - missing.length));
      if (isMap(parent)) {
        const first = missing[0]!;
        if (typeof first !== "string") refuse(`${at} is a mapping; it has no list item ${first}`);
        return {
          text: this.insertPair(parent, first as string, nest(missing.slice(1), value, path)),
        };
      }
      if (isSeq(parent))
        refuse(
          `${at} has ${parent.items.length} items: item ${String(missing[0])} does not exist (a list grows by append)`,
        );
      // An empty (null) value: it becomes the new mapping.
      this.checkSubtree(parent, at);
      return { text: this.replaceValue(steps, nest(missing, value, path)) };
    }
    const node = here.node;
    const at = formatPath(path);
    this.checkSubtree(node, at);
    const current = this.toJS(node);
    if (deepEqual(current, value)) return { noop: true };
    if (isMap(node) && isPlainObject(value) && Object.keys(value).length > 0) {
      if (node.items.some((p) => keyOf(p) === "<<"))
        refuse(`${at} uses a << merge key; it is not rewritten`);
      const keys = node.items.map(keyOf);
      if (keys.some((k) => k === undefined)) refuse(`${at} has a key that is not a plain scalar`);
      const sets: Op[] = Object.entries(value).map(([k, v]) => ({
        op: "set",
        path: [...path, k],
        value: v,
      }));
      const removes: Op[] = (keys as string[])
        .filter((k) => !Object.prototype.hasOwnProperty.call(value, k))
        .map((k) => ({ op: "remove", path: [...path, k] }));
      return { ops: [...sets, ...removes] };
    }
    if (
      isSeq(node) &&
      Array.isArray(value) &&
      Array.isArray(current) &&
      current.length > 0 &&
      value.length > current.length &&
      current.every((v, i) => deepEqual(v, value[i]))
    ) {
      return { ops: value.slice(current.length).map((v) => ({ op: "append", path, value: v })) };
    }
    if (isScalar(node) && isScalarValue(value) && node.range && node.range[1] > node.range[0])
      return { text: this.replaceScalar(node, value, this.inFlow(here.where)) };
    return { text: this.replaceValue(steps, value) };
  }

  private remove(path: JsonPath): StepResult {
    const { steps, missing } = this.walk(path);
    if (missing.length > 0) return { noop: true };
    const here = steps[steps.length - 1]!;
    const at = formatPath(path);
    this.checkSubtree(here.node, at);
    const where = here.where;
    if (where.kind === "root") return refuse("a whole document is never removed");
    const parentSteps = steps.slice(0, -1);
    if (where.kind === "pair")
      return { text: this.removePair(where.map, where.index, parentSteps) };
    return { text: this.removeItem(where.seq, where.index, parentSteps) };
  }

  private append(path: JsonPath, value: unknown): StepResult {
    const { steps, missing } = this.walk(path);
    if (missing.length > 0) return { ops: [{ op: "set", path, value: [value] }] };
    const here = steps[steps.length - 1]!;
    const node = here.node;
    if (isSeq(node)) return { text: this.appendItem(node, value) };
    if (node === null || (isScalar(node) && node.value === null)) {
      this.checkSubtree(node, formatPath(path));
      return { text: this.replaceValue(steps, [value]) };
    }
    return refuse(`${formatPath(path)} holds a ${describeNode(node)}, not a list`);
  }

  // --- text primitives -----------------------------------------------------------------------

  private inFlow(where: Where): boolean {
    if (this.json) return true;
    if (where.kind === "pair") return Boolean(where.map.flow);
    if (where.kind === "item") return Boolean(where.seq.flow);
    return false;
  }

  private splice(from: number, to: number, insert: string): string {
    return this.text.slice(0, from) + insert + this.text.slice(to);
  }

  /** Replaces whole lines `first..last` (0-based) by `lines` (none: the lines are deleted). */
  private replaceLines(first: number, last: number, lines: string[]): string {
    const start = this.src.lineStart(first);
    const endLineEnd = this.src.lineEnd(last);
    const after = endLineEnd < this.text.length ? endLineEnd + 1 : endLineEnd;
    const body = lines.map((l) => l + "\n").join("");
    if (after === this.text.length && !this.text.endsWith("\n") && body.endsWith("\n"))
      return this.text.slice(0, start) + body.slice(0, -1);
    return this.text.slice(0, start) + body + this.text.slice(after);
  }

  /** Inserts whole lines after line `line` (0-based). */
  private insertAfterLine(line: number, lines: string[]): string {
    const at = this.src.lineEnd(line);
    return this.splice(at, at, lines.map((l) => "\n" + l).join(""));
  }

  /** End (exclusive) of a node's own content: no trailing comments, newlines or blank lines. */
  private contentEnd(node: unknown): number {
    if (isScalar(node)) {
      const [start, end] = node.range ?? [0, 0];
      if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
        // With "keep" chomping (`|+`) the trailing blank lines are part of the value.
        if (/^[|>][1-9]?\+/.test(this.text.slice(start, start + 3))) return end;
        let e = end;
        while (e > start && /\s/.test(this.text[e - 1]!)) e--;
        return e;
      }
      return end;
    }
    if (isAlias(node)) return node.range?.[1] ?? 0;
    if (isMap(node)) {
      if (node.flow || node.items.length === 0) return node.range?.[1] ?? 0;
      return this.pairEnd(node.items[node.items.length - 1]!);
    }
    if (isSeq(node)) {
      if (node.flow || node.items.length === 0) return node.range?.[1] ?? 0;
      const last = node.items.length - 1;
      const dash = dashOffset(this.src, node, last) ?? 0;
      return Math.max(dash + 1, this.contentEnd(node.items[last]));
    }
    return 0;
  }

  private pairEnd(pair: Pair): number {
    const key = pair.key as Node | null;
    let end = (key as { range?: number[] } | null)?.range?.[1] ?? 0;
    const colon = colonOffset(pair);
    if (colon !== undefined) end = Math.max(end, colon + 1);
    if (pair.value !== null && pair.value !== undefined)
      end = Math.max(end, this.contentEnd(pair.value));
    return end;
  }

  private pairStart(pair: Pair): number {
    const range = (pair.key as { range?: number[] } | null)?.range;
    if (!range) return refuse("a mapping key has no position");
    return range[0]!;
  }

  private itemStart(seq: YAMLSeq, index: number): number {
    const item = seq.items[index] as Node | null;
    const range = item?.range;
    if (!range) return refuse("a list item has no position");
    // Include an anchor or tag written before the item.
    return this.propsStart(range[0]);
  }

  /** Walks back over `&anchor` / `!tag` properties written right before a value. */
  private propsStart(start: number): number {
    const lineStart = this.src.lineStart(this.src.line(start));
    const before = this.text.slice(lineStart, start);
    const m = /((?:[&!][^\s,[\]{}]*\s+)+)$/.exec(before);
    return m ? start - m[1]!.length : start;
  }

  private replaceScalar(node: Scalar, value: unknown, flow: boolean): string {
    const [start] = node.range!;
    const end = this.contentEnd(node);
    if (node.tag && !(node.tag === "tag:yaml.org,2002:str" && typeof value === "string"))
      refuse(`the value has an explicit tag (${node.tag}); it is not rewritten`);
    let text: string;
    if (this.json) text = JSON.stringify(value);
    else {
      const prefer: QuoteStyle =
        typeof value === "string" && typeof node.value === "string"
          ? node.type === Scalar.QUOTE_SINGLE
            ? "single"
            : node.type === Scalar.QUOTE_DOUBLE
              ? "double"
              : "plain"
          : "plain";
      text = scalarText(value, flow, prefer);
    }
    return this.splice(start, end, text);
  }

  /** Inserts `key: value` as the last entry of a mapping. */
  private insertPair(map: YAMLMap, key: string, value: unknown): string {
    if (map.flow || this.json) {
      return this.flowInsert(map, (col, multiline) => {
        if (this.json)
          return `${JSON.stringify(key)}:${this.style.jsonSpaced ? " " : ""}${jsonText(value, this.style, multiline, col)}`;
        return `${keyText(key, true)}: ${flowText(value, this.flowSpaced(map))}`;
      });
    }
    const first = map.items[0];
    if (!first) return refuse("an empty block mapping cannot be extended");
    const col = this.src.col(this.pairStart(first));
    const last = this.src.endLine(this.contentEnd(map), this.pairStart(first));
    return this.insertAfterLine(last, pairLines(key, value, col, this.style));
  }

  private flowSpaced(coll: YAMLMap | YAMLSeq): boolean {
    const open = coll.range?.[0];
    return open !== undefined && this.text[open + 1] === " ";
  }

  /** Adds an entry at the end of a flow collection (YAML `{}`/`[]` or JSON). */
  private flowInsert(
    coll: YAMLMap | YAMLSeq,
    entry: (col: number, multiline: boolean) => string,
  ): string {
    const range = coll.range;
    if (!range) return refuse("a flow collection has no position");
    const open = range[0];
    const close = range[1] - 1;
    const pairs = isMap(coll);
    if (this.text[open] !== (pairs ? "{" : "[") || this.text[close] !== (pairs ? "}" : "]"))
      return refuse("the flow collection's brackets were not found");
    const n = coll.items.length;
    if (n === 0) {
      const inner = this.text.slice(open + 1, close);
      if (inner.trim() !== "") return refuse("the empty collection holds a comment");
      const openLine = this.src.line(open);
      const multilineFile = this.json && this.src.starts.length > 2;
      if (multilineFile) {
        const ind = this.src.indentOf(openLine);
        const col = ind + this.style.unit;
        return this.splice(
          open + 1,
          close,
          `\n${" ".repeat(col)}${entry(col, true)}\n${" ".repeat(ind)}`,
        );
      }
      const spaced = inner.length > 0;
      return this.splice(open + 1, close, spaced ? ` ${entry(0, false)} ` : entry(0, false));
    }
    const firstStart = pairs
      ? this.pairStart(coll.items[0] as Pair)
      : this.itemStart(coll as YAMLSeq, 0);
    const lastEnd = pairs
      ? this.pairEnd(coll.items[n - 1] as Pair)
      : this.contentEnd((coll as YAMLSeq).items[n - 1]);
    const lastLine = this.src.line(Math.max(lastEnd - 1, open));
    const multiline =
      this.src.line(firstStart) !== this.src.line(open) && this.src.line(close) !== lastLine;
    // A comma already written after the last entry (YAML allows a trailing comma).
    const rest = /^\s*,/.exec(this.text.slice(lastEnd, close));
    if (multiline) {
      const col = this.src.col(firstStart);
      const lineEnd = this.src.lineEnd(lastLine);
      const added = `\n${" ".repeat(col)}${entry(col, true)}${rest ? "," : ""}`;
      return (
        this.text.slice(0, lastEnd) +
        (rest ? "" : ",") +
        this.text.slice(lastEnd, lineEnd) +
        added +
        this.text.slice(lineEnd)
      );
    }
    const sep = this.json && !this.style.jsonSpaced ? "," : ", ";
    return this.splice(lastEnd, lastEnd, `${sep}${entry(0, false)}`);
  }

  private appendItem(seq: YAMLSeq, value: unknown): string {
    if (seq.flow || this.json) {
      return this.flowInsert(seq, (col, multiline) =>
        this.json
          ? jsonText(value, this.style, multiline, col)
          : flowText(value, this.flowSpaced(seq)),
      );
    }
    const dash = dashOffset(this.src, seq, 0);
    if (dash === undefined) return refuse("the list's first item has no position");
    const col = this.src.col(dash);
    const last = this.src.endLine(this.contentEnd(seq), dash);
    return this.insertAfterLine(last, itemLines(value, col, this.style));
  }

  /** Replaces the value at the end of `steps` (a field or a list item) by `value`. */
  private replaceValue(steps: Located[], value: unknown): string {
    const here = steps[steps.length - 1]!;
    const where = here.where;
    const node = here.node;
    if (where.kind === "root") return refuse("a whole document is never replaced");
    const flow = this.inFlow(where);
    const range = node?.range;
    const start = range ? this.propsStart(range[0]) : undefined;
    const end = node ? this.contentEnd(node) : undefined;
    if ((node as { tag?: string } | null)?.tag)
      refuse(`the value has an explicit tag; it is not rewritten`);

    if (where.kind === "item") {
      const seq = where.seq;
      if (flow) {
        if (start === undefined || end === undefined)
          return refuse("the list item has no position");
        const text = this.json
          ? jsonText(
              value,
              this.style,
              this.isMultiline(seq),
              this.src.indentOf(this.src.line(start)),
            )
          : flowText(value, this.flowSpaced(seq));
        return this.splice(start, end, text);
      }
      const dash = dashOffset(this.src, seq, where.index);
      if (dash === undefined || !this.src.startsLine(dash))
        return refuse("the list item does not start its line");
      const col = this.src.col(dash);
      const dashLine = this.src.line(dash);
      if (!isBlockCollection(value)) {
        const text = inlineText(value);
        if (start === undefined || end === undefined || end <= start)
          return this.splice(dash + 1, dash + 1, ` ${text}`);
        if (this.src.line(start) === dashLine) return this.splice(start, end, text);
      }
      const last = end !== undefined ? this.src.endLine(end, dash) : dashLine;
      return this.replaceLines(dashLine, last, itemLines(value, col, this.style));
    }

    const map = where.map;
    const pair = map.items[where.index]!;
    const colon = colonOffset(pair);
    if (flow) {
      const text = this.json
        ? jsonText(
            value,
            this.style,
            this.isMultiline(map),
            this.src.indentOf(this.src.line(this.pairStart(pair))),
          )
        : flowText(value, this.flowSpaced(map));
      if (start === undefined || end === undefined || end <= start) {
        if (colon === undefined) {
          const keyEnd = (pair.key as Node).range![1];
          return this.splice(keyEnd, keyEnd, `: ${text}`);
        }
        return this.splice(colon + 1, colon + 1, ` ${text}`);
      }
      return this.splice(start, end, text);
    }
    if (colon === undefined) return refuse("the field has no `:` position");
    const keyStart = this.pairStart(pair);
    const keyLine = this.src.line(keyStart);
    const keyCol = this.src.col(keyStart);
    const empty = start === undefined || end === undefined || end <= start;
    const valueLine = empty ? keyLine : this.src.line(start);
    const lastLine = empty ? keyLine : this.src.endLine(end, start);
    if (!isBlockCollection(value)) {
      const text = inlineText(value);
      if (empty) return this.splice(colon + 1, colon + 1, ` ${text}`);
      if (valueLine === keyLine) return this.splice(start, end, text);
      // A block value below the key: the new value goes on the key's line, the old lines go.
      const keyRest = this.text.slice(colon + 1, this.src.lineEnd(keyLine)).trim();
      const comment = keyRest.startsWith("#") ? ` ${keyRest}` : "";
      const keyText_ = this.text.slice(this.src.lineStart(keyLine), colon + 1);
      const lines = [`${keyText_} ${text}${comment}`];
      return this.replaceLines(keyLine, lastLine, lines);
    }
    const childCol = Array.isArray(value)
      ? keyCol + (this.style.seqIndent ? this.style.seqOffset : 0)
      : keyCol + this.style.unit;
    const children = Array.isArray(value)
      ? value.flatMap((item) => itemLines(item, childCol, this.style))
      : Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
          pairLines(k, v, childCol, this.style),
        );
    if (!empty && valueLine !== keyLine) return this.replaceLines(valueLine, lastLine, children);
    // The value sits on the key's line (null, a scalar, a flow collection): the key keeps its
    // line (and trailing comment), the new block goes below it.
    const lineStart = this.src.lineStart(keyLine);
    const head = this.text.slice(lineStart, colon + 1);
    const tail = this.text.slice(empty ? colon + 1 : end, this.src.lineEnd(lastLine));
    const valueText = empty ? "" : this.text.slice(colon + 1, start).trim();
    if (valueText !== "" && !valueText.startsWith("&"))
      refuse("the value has properties that cannot be kept");
    const keyLineText = tail.trim() === "" ? head : `${head} ${tail.trim()}`;
    return this.replaceLines(keyLine, lastLine, [keyLineText, ...children]);
  }

  private isMultiline(coll: YAMLMap | YAMLSeq): boolean {
    const range = coll.range;
    return range ? this.src.line(range[0]) !== this.src.line(range[1] - 1) : false;
  }

  private removePair(map: YAMLMap, index: number, parentSteps: Located[]): string {
    if (map.flow || this.json) return this.flowRemove(map, index);
    const pair = map.items[index]!;
    if (map.items.length === 1) {
      if (parentSteps[parentSteps.length - 1]!.where.kind === "root")
        return refuse("removing the only field would leave the document empty");
      return this.replaceValue(parentSteps, {});
    }
    const start = this.pairStart(pair);
    const end = this.pairEnd(pair);
    if (this.src.startsLine(start))
      return this.replaceLines(this.src.line(start), this.src.endLine(end, start), []);
    // The first field on a `- ` line: the next field moves up onto the dash line.
    if (index === 0) {
      const next = this.pairStart(map.items[1]!);
      return this.splice(start, next, "");
    }
    return refuse("the field does not start its line");
  }

  private removeItem(seq: YAMLSeq, index: number, parentSteps: Located[]): string {
    if (seq.flow || this.json) return this.flowRemove(seq, index);
    if (seq.items.length === 1) {
      if (parentSteps[parentSteps.length - 1]!.where.kind === "root")
        return refuse("removing the only item would leave the document empty");
      return this.replaceValue(parentSteps, []);
    }
    const dash = dashOffset(this.src, seq, index);
    if (dash === undefined || !this.src.startsLine(dash))
      return refuse("the list item does not start its line");
    const end = Math.max(dash + 1, this.contentEnd(seq.items[index]));
    return this.replaceLines(this.src.line(dash), this.src.endLine(end, dash), []);
  }

  private flowRemove(coll: YAMLMap | YAMLSeq, index: number): string {
    const range = coll.range;
    if (!range) return refuse("a flow collection has no position");
    const pairs = isMap(coll);
    const n = coll.items.length;
    const startOf = (i: number) =>
      pairs ? this.pairStart(coll.items[i] as Pair) : this.itemStart(coll as YAMLSeq, i);
    const endOf = (i: number) =>
      pairs ? this.pairEnd(coll.items[i] as Pair) : this.contentEnd((coll as YAMLSeq).items[i]);
    if (n === 1) return this.splice(range[0] + 1, range[1] - 1, "");
    if (index < n - 1) return this.splice(startOf(index), startOf(index + 1), "");
    return this.splice(endOf(index - 1), endOf(index), "");
  }
}

function findPairIndex(map: YAMLMap, key: PathStep): number {
  for (let i = map.items.length - 1; i >= 0; i--) {
    const k = keyOf(map.items[i]!);
    if (k !== undefined && k !== "<<" && k === String(key)) return i;
  }
  return -1;
}

function describeNode(node: unknown): string {
  if (isMap(node)) return "mapping";
  if (isSeq(node)) return "list";
  if (isScalar(node)) return `${typeof node.value} value`;
  return "value";
}

/** `{a: {b: value}}` for the missing keys `[a, b]`. */
function nest(keys: PathStep[], value: unknown, path: JsonPath): unknown {
  let v = value;
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]!;
    if (typeof k !== "string")
      refuse(`${formatPath(path)} needs list item ${k} in a list that does not exist yet`);
    v = { [k as string]: v };
  }
  return v;
}
