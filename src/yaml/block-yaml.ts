// The line reader: values of YAML written the way Kubernetes manifests are (block mappings and
// sequences, one scalar per line, `|` and `>` text), read line by line in one pass. It is the first
// of the fast read's two readers (fast-yaml.ts): it declines, returning undefined, at the first
// line outside that plain style, and js-yaml reads the file instead. What it accepts it reads as
// the positioned parse (manifest.ts, the `yaml` package) does; test/core/fast-yaml.test.ts compares
// the three readers on the same texts.

// This file reads the block structure (lines, documents, mappings, sequences, `|`/`>` texts);
// what it reads within a line (keys, scalars, flow collections) is in block-yaml-inline.ts.

import type { Placed } from "./types.js";
import { agreedText } from "./agreed.js";
import {
  type BlockLimits,
  type Fields,
  COLON,
  DASH,
  HASH,
  InlineReader,
  MAX_KEY,
  NOT_PLAIN,
  Outside,
  SPACE,
  collection,
  scalar,
} from "./block-yaml-inline.js";

export type { BlockLimits };

/** Line kinds. */
const BLANK = 0; // only spaces
const COMMENT = 1; // `#` after the indentation
const CONTENT = 2;
const MARKER = 3; // `---`, a document's start

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

class Reader extends InlineReader {
  // Per line: where it starts, where it ends (before its line break), its indentation, its kind.
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly indents: Int32Array;
  private readonly kinds: Uint8Array;
  private readonly count: number;
  /** With `placing`: each document's node. */
  readonly roots: (Placed | undefined)[] = [];

  constructor(text: string, limits: BlockLimits, placing: boolean) {
    super(text, limits, placing);
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
