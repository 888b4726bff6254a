// The line reader: values of YAML written the way Kubernetes manifests are (block mappings and
// sequences, one scalar per line, `|` and `>` text), read line by line in one pass. It is the first
// of the fast read's two readers (fast-yaml.ts): it declines, returning undefined, at the first
// line outside that plain style, and js-yaml reads the file instead. What it accepts it reads as
// the positioned parse (manifest.ts, the `yaml` package) does; test/core/fast-yaml.test.ts compares
// the three readers on the same texts.

import type { Placed } from "./types.js";
import { resolvePlain } from "./yaml-options.js";
import { agreedPlain, agreedText } from "./agreed.js";

/** Anything outside the subset: the file goes to the next reader. */
class Outside extends Error {}

const SPACE = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;

/** Line kinds. */
const BLANK = 0; // only spaces
const COMMENT = 1; // `#` after the indentation
const CONTENT = 2;
const MARKER = 3; // `---`, a document's start

/**
 * Characters a plain key is made of here: letters, digits, `_`, `.`, `/`, `-`, `$` (kustomize's
 * `$patch`); others (quotes, spaces, `<<`, `?`, flow indicators) are left to the next reader.
 */
const KEY_CHAR = Uint8Array.from({ length: 128 }, (_, c) =>
  /[A-Za-z0-9_./$-]/.test(String.fromCharCode(c)) ? 1 : 0,
);

/**
 * First characters of a plain value the subset leaves to the next reader: indicators that start
 * flow collections, quotes, anchors, aliases, tags, block scalars, directives and reserved ones.
 */
const NOT_PLAIN = Uint8Array.from({ length: 128 }, (_, c) =>
  ",[]{}#&*!|>'\"%@`?:-\t".includes(String.fromCharCode(c)) ? 1 : 0,
);

/**
 * Keys and short plain scalars already typed, across files (manifests repeat them): whether a key
 * reads as itself, and what a scalar resolves to. Bounded so a hostile text cannot grow them.
 */
const keys = new Map<string, boolean>();
const scalars = new Map<string, unknown>();
const MAX_CACHED = 20_000;
/** A plain scalar the consumers are not proven to read alike (cached like the others). */
const DISPUTED = Symbol("disputed");
const MAX_KEY = 1000;
/** `,`, `]`, `}`, `[`, `{`. */
/** Indicators the line reader leaves to the consumers' readers inside a flow plain scalar. */
const FLOW_DISPUTED = Uint8Array.from({ length: 128 }, (_, c) =>
  "?!&*|>'\"%@`".includes(String.fromCharCode(c)) ? 1 : 0,
);
const FLOW_END = [0x2c, 0x5d, 0x7d, 0x5b, 0x7b];

export interface BlockLimits {
  readonly maxDocuments: number;
  readonly maxDepth: number;
}

/**
 * Values of every document of `text` (null for an empty one), or undefined when the text is not
 * in the subset. Plain scalars are typed as the positioned parse types them (resolvePlain).
 */
export function readBlockYaml(text: string, limits: BlockLimits): unknown[] | undefined {
  return read(text, limits, false)?.values;
}

/**
 * The same read, with where each node's text starts and ends (fast-positions.ts turns them into
 * lines): undefined for an empty document.
 */
export function placeBlockYaml(
  text: string,
  limits: BlockLimits,
): { values: unknown[]; roots: (Placed | undefined)[] } | undefined {
  return read(text, limits, true);
}

function read(text: string, limits: BlockLimits, placing: boolean) {
  // A tab, a carriage return, a byte-order mark: all legal somewhere, all left to js-yaml.
  if (text.includes("\t") || text.includes("\r") || text.includes("\uFEFF")) return undefined;
  // Characters and streams the consumers' readers disagree on (agreed.ts).
  if (!agreedText(text)) return undefined;
  try {
    const reader = new Reader(text, limits, placing);
    return { values: reader.documents(), roots: reader.roots };
  } catch (err) {
    if (err instanceof Outside) return undefined;
    throw err;
  }
}

class Reader {
  // Per line: where it starts, where it ends (before its line break), its indentation, its kind.
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly indents: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly count: number;
  /** With `placing`: each document's node, and the node read last. */
  readonly roots: (Placed | undefined)[] = [];
  private placed: Placed = EMPTY;

  constructor(
    private readonly text: string,
    private readonly limits: BlockLimits,
    private readonly placing: boolean,
  ) {
    let count = 1;
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) count++;
    this.count = count;
    this.starts = new Int32Array(count);
    this.ends = new Int32Array(count);
    this.indents = new Int32Array(count);
    this.kinds = new Uint8Array(count);
    for (let line = 0, start = 0; line < count; line++) {
      let end = text.indexOf("\n", start);
      if (end < 0) end = text.length;
      let i = start;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      let kind = CONTENT;
      if (i === end) kind = BLANK;
      else if (text.charCodeAt(i) === HASH) kind = COMMENT;
      else if (i === start) kind = this.columnZero(start, end);
      this.starts[line] = start;
      this.ends[line] = end;
      this.indents[line] = i - start;
      this.kinds[line] = kind;
      start = end + 1;
    }
  }

  /** What a line starting at column 0 is: `---` starts a document; `...`, `%` are not read here. */
  private columnZero(start: number, end: number): number {
    const text = this.text;
    const c = text.charCodeAt(start);
    if (c === 0x25) throw new Outside(); // %
    if (c !== DASH && c !== 0x2e) return CONTENT;
    const three = text.startsWith("---", start);
    if (!three && !text.startsWith("...", start)) return CONTENT;
    if (!three) throw new Outside();
    // `---` alone, or followed by a comment: anything else on its line is left to js-yaml.
    let i = start + 3;
    if (i === end) return MARKER;
    if (text.charCodeAt(i) !== SPACE) throw new Outside();
    while (i < end && text.charCodeAt(i) === SPACE) i++;
    if (i === end || text.charCodeAt(i) === HASH) return MARKER;
    throw new Outside();
  }

  documents(): unknown[] {
    const values: unknown[] = [];
    // A document starts at its `---`, or at its first node when there is none before it.
    let open = false;
    for (let i = 0; ; ) {
      const j = this.nextContent(i);
      if (j === this.count || this.kinds[j] === MARKER) {
        if (open) {
          values.push(null); // `---` with nothing after it
          this.roots.push(undefined);
          if (values.length > this.limits.maxDocuments) throw new Outside();
        }
        if (j === this.count) break;
        open = true;
        i = j + 1;
      } else {
        if (this.indents[j] !== 0) throw new Outside();
        values.push(this.node(j, 0, 0));
        if (this.placing) this.roots.push(this.placed);
        open = false;
        i = this.at;
        const after = this.nextContent(i);
        if (after < this.count && this.kinds[after] !== MARKER) throw new Outside();
        i = after;
      }
      if (values.length > this.limits.maxDocuments) throw new Outside();
    }
    return values;
  }

  /**
   * The line after the node read last. The collection holding it moves this on to the next line
   * with a node (nextEntry), so the levels above do not scan the same blank and comment lines again.
   */
  private at = 0;

  /** The next line from `i` holding a node or a document marker (blank and comment lines skipped). */
  private nextContent(i: number): number {
    const kinds = this.kinds;
    while (i < this.count && kinds[i]! < CONTENT) i++;
    return i;
  }

  /** A block collection whose first line is `line`, its text starting at `column`. */
  private node(line: number, column: number, depth: number): unknown {
    if (depth > this.limits.maxDepth) throw new Outside();
    const offset = this.starts[line]! + column;
    if (this.isItem(line, offset)) return this.sequence(line, column, depth);
    return this.mapping(line, column, offset, depth);
  }

  /** Whether `line` holds a sequence item's `-` at `offset` (followed by a space or the line's end). */
  private isItem(line: number, offset: number): boolean {
    const text = this.text;
    if (text.charCodeAt(offset) !== DASH) return false;
    return offset + 1 === this.ends[line] || text.charCodeAt(offset + 1) === SPACE;
  }

  /**
   * After an entry of the block collection at `column`: the line of its next entry, or -1 where the
   * collection ends (a document marker, the end, a line less indented). A line indented past the
   * collection would continue the entry (a scalar over several lines): not read here.
   */
  private nextEntry(column: number): number {
    const next = this.nextContent(this.at);
    this.at = next;
    if (next === this.count || this.kinds[next] === MARKER) return -1;
    const indent = this.indents[next]!;
    if (indent > column) throw new Outside();
    return indent < column ? -1 : next;
  }

  private sequence(line: number, column: number, depth: number): unknown[] {
    const items: unknown[] = [];
    const text = this.text;
    const placed: Placed[] | undefined = this.placing ? [] : undefined;
    const start = this.starts[line]! + column;
    for (;;) {
      const end = this.ends[line]!;
      const dash = this.starts[line]! + column;
      let i = dash + 1;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      if (i === end || text.charCodeAt(i) === HASH) {
        items.push(this.valueBelow(line, column, depth + 1, false, dash + 1));
      } else if (this.isItem(line, i)) {
        throw new Outside(); // `- - x`
      } else {
        const key = this.keyEnd(i, end);
        if (key >= 0) items.push(this.mapping(line, i - this.starts[line]!, i, depth + 1));
        else items.push(this.inlineValue(line, i, column, depth + 1));
      }
      placed?.push(this.placed);
      const next = this.nextEntry(column);
      if (next < 0 || !this.isItem(next, this.starts[next]! + column)) break;
      line = next;
    }
    if (placed) this.placed = collection(start, items, undefined, placed);
    return items;
  }

  private mapping(
    line: number,
    column: number,
    offset: number,
    depth: number,
  ): Record<string, unknown> {
    if (depth > this.limits.maxDepth) throw new Outside();
    const map: Record<string, unknown> = {};
    const text = this.text;
    const fields: Fields | undefined = this.placing ? new Map() : undefined;
    const start = offset;
    for (;;) {
      const end = this.ends[line]!;
      const colon = this.keyEnd(offset, end);
      if (colon < 0) throw new Outside(); // a scalar on its own line, or a key not read here
      if (colon - offset > MAX_KEY) throw new Outside(); // the positioned parse allows 1024
      const key = text.slice(offset, colon);
      this.checkKey(key);
      if (Object.prototype.hasOwnProperty.call(map, key)) throw new Outside(); // a duplicate
      let i = colon + 1;
      while (i < end && text.charCodeAt(i) === SPACE) i++;
      map[key] =
        i === end || text.charCodeAt(i) === HASH
          ? this.valueBelow(line, column, depth + 1, true, colon + 1)
          : this.inlineValue(line, i, column, depth + 1);
      fields?.set(key, { key: scalar(offset, colon - 1, key), value: this.placed });
      const next = this.nextEntry(column);
      if (next < 0) break;
      line = next;
      offset = this.starts[line]! + column;
      // A sequence item where a key should be: the positioned parse refuses it.
      if (this.isItem(line, offset)) throw new Outside();
    }
    if (fields) this.placed = collection(start, map, fields, undefined);
    return map;
  }

  /**
   * Offset of the `:` ending a plain key at `offset` (followed by a space or the line's end), or
   * -1 when the line does not start with one made of KEY_CHAR.
   */
  private keyEnd(offset: number, end: number): number {
    const text = this.text;
    let i = offset;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === COLON) break;
      if (c >= 128 || KEY_CHAR[c] !== 1) return -1;
    }
    if (i === offset || i === end) return -1;
    const after = i + 1;
    if (after < end && text.charCodeAt(after) !== SPACE) return -1;
    return i;
  }

  /** A key must read as the string it is written as (`yes`, `1`, `null` do not) and not be `-x`. */
  private checkKey(key: string): void {
    const known = keys.get(key);
    if (known === true) return;
    if (known === false) throw new Outside();
    const ok =
      key.charCodeAt(0) !== DASH &&
      key !== "__proto__" &&
      resolvePlain(key) === key &&
      agreedPlain(key, key);
    if (keys.size < MAX_CACHED) keys.set(key, ok);
    if (!ok) throw new Outside();
  }

  /**
   * The value after `key:` or `-` with nothing more on its line: a collection on the lines below,
   * more indented (or, for a key, a sequence at the key's own indentation), else null.
   */
  private valueBelow(
    line: number,
    column: number,
    depth: number,
    ofKey: boolean,
    indicatorEnd: number,
  ): unknown {
    const next = this.nextContent(line + 1);
    this.at = next;
    if (this.placing)
      this.placed = { start: indicatorEnd, last: indicatorEnd, empty: true, result: null };
    if (next === this.count || this.kinds[next] === MARKER) return null;
    const indent = this.indents[next]!;
    if (indent < column) return null;
    if (indent === column && !(ofKey && this.isItem(next, this.starts[next]! + indent)))
      return null;
    return this.node(next, indent, depth);
  }

  /**
   * A value that starts on its key's or item's line at `offset`: a plain or quoted scalar on that
   * line, `[]`, `{}`, or a `|`/`>` text on the lines below. `column` is the collection's.
   */
  private inlineValue(line: number, offset: number, column: number, depth: number): unknown {
    const text = this.text;
    const end = this.ends[line]!;
    const c = text.charCodeAt(offset);
    if (c === 0x7c || c === 0x3e) return this.blockScalar(line, offset, column);
    this.at = line + 1;
    if (c === 0x5b || c === 0x7b) {
      this.pos = offset;
      const value = this.flowCollection(end, depth); // placed as it is read
      this.lineEnds(this.pos, end);
      return value;
    }
    let value: unknown;
    let after: number; // past the scalar's text
    let last: number; // its last character
    if (c === 0x22 || c === 0x27) {
      value = this.quoted(offset, end);
      after = this.pos;
      last = after - 1;
    } else {
      if (c < 128 && NOT_PLAIN[c] === 1) {
        // `-`, `?`, `:` start a plain scalar when a non-space follows (`-1`, `:x`).
        if (!(c === DASH || c === COLON || c === 0x3f)) throw new Outside();
        const next = text.charCodeAt(offset + 1);
        if (offset + 1 === end || next === SPACE) throw new Outside();
      }
      after = end;
      for (let i = offset; i < end; i++) {
        const d = text.charCodeAt(i);
        if (d === HASH && text.charCodeAt(i - 1) === SPACE) {
          after = i;
          break;
        }
        // `: ` or a final `:` would make it a mapping: not one scalar.
        if (d === COLON && (i + 1 === end || text.charCodeAt(i + 1) === SPACE)) throw new Outside();
      }
      while (text.charCodeAt(after - 1) === SPACE) after--;
      value = this.plain(text.slice(offset, after));
      last = after - 1;
      after = end; // a comment, checked already
    }
    if (this.placing) this.placed = scalar(offset, last, value);
    this.lineEnds(after, end);
    return value;
  }

  /** Where the flow collection being read has got to. */
  private pos = 0;

  /**
   * A flow collection that opens and closes on one line, of plain or quoted scalars and flow
   * collections (`[a, "b"]`, `{ cpu: 1, memory: 2Gi }`); keys are plain. Colons in plain scalars,
   * empty or trailing entries and comments are left to js-yaml.
   */
  private flowCollection(end: number, depth: number): unknown[] | Record<string, unknown> {
    if (depth > this.limits.maxDepth) throw new Outside();
    const text = this.text;
    const sequence = text.charCodeAt(this.pos) === 0x5b;
    const close = sequence ? 0x5d : 0x7d;
    const items: unknown[] = [];
    const map: Record<string, unknown> = {};
    const start = this.pos;
    const placedItems: Placed[] | undefined = this.placing && sequence ? [] : undefined;
    const fields: Fields | undefined = this.placing && !sequence ? new Map() : undefined;
    const done = () => {
      const value = sequence ? items : map;
      if (this.placing) this.placed = collection(start, value, fields, placedItems, this.pos - 1);
      return value;
    };
    this.pos++;
    this.skipSpaces(end);
    if (text.charCodeAt(this.pos) === close) {
      this.pos++;
      return done();
    }
    for (;;) {
      if (sequence) {
        items.push(this.flowValue(end, depth + 1));
        placedItems?.push(this.placed);
      } else {
        const colon = this.keyEnd(this.pos, end);
        if (colon < 0 || colon + 1 === end) throw new Outside();
        const key = text.slice(this.pos, colon);
        this.checkKey(key);
        if (Object.prototype.hasOwnProperty.call(map, key)) throw new Outside();
        const keyStart = this.pos;
        this.pos = colon + 1;
        map[key] = this.flowValue(end, depth + 1);
        fields?.set(key, { key: scalar(keyStart, colon - 1, key), value: this.placed });
      }
      this.skipSpaces(end);
      const c = text.charCodeAt(this.pos);
      this.pos++;
      if (c === close) return done();
      if (c !== 0x2c) throw new Outside(); // not `,`: another line, a comment, a stray character
      this.skipSpaces(end);
    }
  }

  private flowValue(end: number, depth: number): unknown {
    const text = this.text;
    this.skipSpaces(end);
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (c === 0x5b || c === 0x7b) return this.flowCollection(end, depth);
    const value = c === 0x22 || c === 0x27 ? this.quoted(start, end) : this.flowPlain(start, end);
    if (this.placing) this.placed = scalar(start, this.lastOfScalar(start), value);
    return value;
  }

  /** Offset of the last character of the flow scalar at `start` (the reader stands just past it). */
  private lastOfScalar(start: number): number {
    let i = this.pos - 1;
    while (i > start && this.text.charCodeAt(i) === SPACE) i--;
    return i;
  }

  private flowPlain(start: number, end: number): unknown {
    const text = this.text;
    const c = text.charCodeAt(start);
    // A plain scalar: up to `,`, `]` or `}`; `-x` may start one, other indicators may not.
    if (c < 128 && NOT_PLAIN[c] === 1) {
      const next = text.charCodeAt(start + 1);
      if (c !== DASH || start + 1 === end || next === SPACE || FLOW_END.includes(next))
        throw new Outside();
    }
    let i = start;
    for (; i < end; i++) {
      const d = text.charCodeAt(i);
      if (d === 0x2c || d === 0x5d || d === 0x7d) break;
      if (d === 0x5b || d === 0x7b || d === COLON || d === HASH) throw new Outside();
      // go-yaml v2 refuses `a? ` in a flow collection; other indicators are kept out as well.
      if (d < 128 && FLOW_DISPUTED[d] === 1) throw new Outside();
    }
    this.pos = i;
    while (text.charCodeAt(i - 1) === SPACE) i--;
    if (i === start) throw new Outside(); // an empty entry
    return this.plain(text.slice(start, i));
  }

  private skipSpaces(end: number): void {
    while (this.pos < end && this.text.charCodeAt(this.pos) === SPACE) this.pos++;
  }

  private plain(text: string): unknown {
    const cached = scalars.get(text);
    if (cached === DISPUTED) throw new Outside();
    if (cached !== undefined || scalars.has(text)) return cached;
    const resolved = resolvePlain(text);
    // A scalar the consumers may read otherwise (`yes`, `0777`, `12:30`) is not vouched for here.
    const value = agreedPlain(text, resolved) ? resolved : DISPUTED;
    if (text.length <= 32 && scalars.size < MAX_CACHED) scalars.set(text, value);
    if (value === DISPUTED) throw new Outside();
    return value;
  }

  /** After a scalar: only spaces, then a comment or nothing. */
  private lineEnds(from: number, end: number): void {
    const text = this.text;
    let i = from;
    while (i < end && text.charCodeAt(i) === SPACE) i++;
    if (i === end) return;
    if (text.charCodeAt(i) !== HASH || i === from) throw new Outside();
  }

  /** The quoted scalar at `offset`, closed on its line; the reader then stands just past it. */
  private quoted(offset: number, end: number): string {
    const text = this.text;
    if (text.charCodeAt(offset) === 0x27) {
      this.pos = this.closingSingle(offset, end);
      return text.slice(offset + 1, this.pos - 1).replaceAll("''", "'");
    }
    this.pos = this.closingDouble(offset, end);
    const body = text.slice(offset + 1, this.pos - 1);
    return body.includes("\\") ? this.escaped(text.slice(offset, this.pos)) : body;
  }

  /** Offset just past the `"` closing the one at `offset` on the same line. */
  private closingDouble(offset: number, end: number): number {
    const text = this.text;
    for (let i = offset + 1; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) i++;
      else if (c === 0x22) return i + 1;
    }
    throw new Outside(); // over several lines
  }

  private closingSingle(offset: number, end: number): number {
    const text = this.text;
    for (let i = offset + 1; i < end; i++) {
      if (text.charCodeAt(i) !== 0x27) continue;
      if (text.charCodeAt(i + 1) === 0x27) i++;
      else return i + 1;
    }
    throw new Outside();
  }

  /** A double-quoted scalar with escapes: those JSON shares with YAML are read as JSON reads them. */
  private escaped(quoted: string): string {
    for (let i = quoted.indexOf("\\"); i >= 0; i = quoted.indexOf("\\", i + 2)) {
      const e = quoted.charCodeAt(i + 1);
      // \" \\ \b \f \n \r \t \u (not \/: go-yaml refuses it)
      if (!'"\\bfnrtu'.includes(String.fromCharCode(e))) throw new Outside();
      // A surrogate (\uD800-\uDFFF), even in a pair: both Go readers refuse it, JSON reads it.
      if (e === 0x75 && /^[dD][89a-fA-F]/.test(quoted.slice(i + 2, i + 4))) throw new Outside();
    }
    try {
      return JSON.parse(quoted) as string;
    } catch {
      throw new Outside(); // e.g. a control character JSON refuses
    }
  }

  /**
   * A `|` or `>` text, with clip or strip (`-`) chomping and its indentation found from its first
   * line; other headers, leading blank lines and (for `>`) more indented lines are left to js-yaml.
   */
  private blockScalar(line: number, offset: number, column: number): string {
    const text = this.text;
    const end = this.ends[line]!;
    const folded = text.charCodeAt(offset) === 0x3e;
    let i = offset + 1;
    const strip = text.charCodeAt(i) === DASH;
    if (strip) i++;
    if (i < end && text.charCodeAt(i) !== SPACE) throw new Outside();
    this.lineEnds(i, end);
    const first = line + 1;
    if (first >= this.count || this.kinds[first] === BLANK) throw new Outside();
    const indent = this.indents[first]!;
    if (indent <= column || this.kinds[first] === MARKER) throw new Outside();
    const parts: string[] = [];
    let lastLine = first;
    let l = first;
    let blanks = 0; // empty lines not yet known to be inside the text
    for (; l < this.count; l++) {
      const start = this.starts[l]!;
      const lineEnd = this.ends[l]!;
      if (this.kinds[l] === BLANK) {
        if (lineEnd - start > indent) throw new Outside(); // spaces that would be kept
        blanks++;
        continue;
      }
      if (this.indents[l]! < indent) break;
      const content = text.slice(start + indent, lineEnd);
      if (folded) {
        if (this.indents[l]! > indent) throw new Outside(); // more indented lines fold differently
        if (parts.length > 0) parts.push(blanks === 0 ? " " : "\n".repeat(blanks));
      } else if (parts.length > 0) {
        parts.push("\n".repeat(blanks + 1));
      }
      parts.push(content);
      blanks = 0;
      lastLine = l;
    }
    // A text that runs to the end of a file without a last line break: go-yaml v2 keeps a line
    // break there, v3 (kustomize) does not.
    if (l >= this.count && !text.endsWith("\n")) throw new Outside();
    this.at = l;
    const body = parts.join("");
    const value = strip ? body : `${body}\n`;
    if (this.placing) {
      let last = this.ends[lastLine]! - 1;
      while (text.charCodeAt(last) === SPACE) last--;
      this.placed = scalar(offset, last, value);
    }
    return value;
  }
}

type Fields = Map<string, { readonly key: Placed; readonly value: Placed }>;

const EMPTY: Placed = { start: 0, last: 0, empty: true, result: null };

function scalar(start: number, last: number, result: unknown): Placed {
  return { start, last, empty: false, result };
}

/**
 * A collection's node: it ends at its closing bracket (`close`, flow), else where its last entry
 * ends (comments and blank lines after it are not part of it).
 */
function collection(
  start: number,
  result: unknown,
  fields: Fields | undefined,
  items: readonly Placed[] | undefined,
  close?: number,
): Placed {
  let last = start;
  if (close !== undefined) last = close;
  else if (items) for (const item of items) last = Math.max(last, item.last);
  else if (fields) for (const f of fields.values()) last = Math.max(last, f.key.last, f.value.last);
  return { start, last, empty: false, fields, items, result };
}
