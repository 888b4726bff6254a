// The line reader (block-yaml.ts): what it reads within one line: keys, plain scalars (typed as
// the positioned parse types them, cached across files), quoted scalars, and flow collections that
// open and close on that line. Anything else throws Outside and the file goes to the next reader.

import type { Placed } from "./types.js";
import { resolvePlain } from "./yaml-options.js";
import { agreedPlain } from "./agreed.js";
import { ownString } from "../core/own-string.js";

/** Anything outside the subset: the file goes to the next reader. */
export class Outside extends Error {}

export const SPACE = 0x20;
export const HASH = 0x23;
export const DASH = 0x2d;
export const COLON = 0x3a;

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
export const NOT_PLAIN = Uint8Array.from({ length: 128 }, (_, c) =>
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
export const MAX_KEY = 1000;
/** Indicators the line reader leaves to the consumers' readers inside a flow plain scalar. */
const FLOW_DISPUTED = Uint8Array.from({ length: 128 }, (_, c) =>
  "?!&*|>'\"%@`".includes(String.fromCharCode(c)) ? 1 : 0,
);
/** `,`, `]`, `}`, `[`, `{`. */
const FLOW_END = [0x2c, 0x5d, 0x7d, 0x5b, 0x7b];

export interface BlockLimits {
  readonly maxDocuments: number;
  readonly maxDepth: number;
}

/** The reader's state within a line; block-yaml.ts's Reader adds the lines and block structure. */
export class InlineReader {
  /** With `placing`: the node read last. */
  protected placed: Placed = EMPTY;

  constructor(
    protected readonly text: string,
    protected readonly limits: BlockLimits,
    protected readonly placing: boolean,
  ) {}

  /**
   * Offset of the `:` ending a plain key at `offset` (followed by a space or the line's end), or
   * -1 when the line does not start with one made of KEY_CHAR.
   */
  protected keyEnd(offset: number, end: number): number {
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
  protected checkKey(key: string): void {
    const known = keys.get(key);
    if (known === true) return;
    if (known === false) throw new Outside();
    const ok =
      key.charCodeAt(0) !== DASH &&
      key !== "__proto__" &&
      resolvePlain(key) === key &&
      agreedPlain(key, key);
    if (keys.size < MAX_CACHED) keys.set(ownString(key), ok);
    if (!ok) throw new Outside();
  }

  /** Where the flow collection being read has got to. */
  protected pos = 0;

  /**
   * A flow collection that opens and closes on one line, of plain or quoted scalars and flow
   * collections (`[a, "b"]`, `{ cpu: 1, memory: 2Gi }`); keys are plain. Colons in plain scalars,
   * empty or trailing entries and comments are left to js-yaml.
   */
  protected flowCollection(end: number, depth: number): unknown[] | Record<string, unknown> {
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

  protected plain(text: string): unknown {
    const cached = scalars.get(text);
    if (cached === DISPUTED) throw new Outside();
    if (cached !== undefined || scalars.has(text)) return cached;
    const resolved = resolvePlain(text);
    // A scalar the consumers may read otherwise (`yes`, `0777`, `12:30`) is not vouched for here.
    let value = agreedPlain(text, resolved) ? resolved : DISPUTED;
    if (text.length <= 32 && scalars.size < MAX_CACHED) {
      // Its own string: a view of this file's text would keep the text alive in the cache.
      const key = ownString(text);
      if (value === text) value = key;
      scalars.set(key, value);
    }
    if (value === DISPUTED) throw new Outside();
    return value;
  }

  /** After a scalar: only spaces, then a comment or nothing. */
  protected lineEnds(from: number, end: number): void {
    const text = this.text;
    let i = from;
    while (i < end && text.charCodeAt(i) === SPACE) i++;
    if (i === end) return;
    if (text.charCodeAt(i) !== HASH || i === from) throw new Outside();
  }

  /** The quoted scalar at `offset`, closed on its line; the reader then stands just past it. */
  protected quoted(offset: number, end: number): string {
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
}

export type Fields = Map<string, { readonly key: Placed; readonly value: Placed }>;

export const EMPTY: Placed = { start: 0, last: 0, empty: true, result: null };

export function scalar(start: number, last: number, result: unknown): Placed {
  return { start, last, empty: false, result };
}

/**
 * A collection's node: it ends at its closing bracket (`close`, flow), else where its last entry
 * ends (comments and blank lines after it are not part of it).
 */
export function collection(
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
