// The fast read of a YAML file: values only, no positions, and only when the answer is certain to be
// the one the positioned parse (manifest.ts, the `yaml` package) would give. The line reader
// (block-yaml.ts) tries first, js-yaml second; anything unusual makes both decline, and the caller
// parses with positions as before: declining is always safe.
import jsyaml from "js-yaml";
import { readBlockYaml } from "./block-yaml.js";
import { resolvePlain } from "./yaml-options.js";

/** Why the fast read declined (for tests and the parser benchmark; callers only need "no"). */
export type Decline =
  | "directive"
  | "complex key"
  | "syntax"
  | "anchor"
  | "tag"
  | "depth"
  | "merge or null key"
  | "long key"
  | "documents"
  | "size"
  | "indentation"
  | "line breaks"
  | "uncertain";

export type FastRead =
  | { readonly ok: true; readonly values: readonly unknown[] }
  | { readonly ok: false; readonly why: Decline };

export interface FastLimits {
  readonly maxDocuments: number;
  readonly maxDepth: number;
  readonly maxSerializedBytes: number;
  /** The positioned parse's own size measure, so both paths refuse the same documents. */
  readonly serializedSize: (value: unknown, cap: number) => number;
}

/**
 * A `?` that could start an explicit key: followed by a blank, and after only indentation and
 * `- ` on its line or after `[`, `{`, `,`, `:`. Explicit keys may hold collections, which the
 * positioned parse writes as YAML (`[ a, b ]`) and js-yaml as JavaScript would (`a,b`); a flow
 * collection used as an implicit key is caught as it is read (below). Inside a string this is a
 * false alarm that only costs time.
 */
function mayHaveExplicitKey(text: string): boolean {
  for (let q = text.indexOf("?"); q >= 0; q = text.indexOf("?", q + 1)) {
    const next = text.charCodeAt(q + 1);
    if (!(Number.isNaN(next) || next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d))
      continue;
    let i = q - 1;
    while (i >= 0 && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i--;
    const before = i < 0 ? 0x0a : text.charCodeAt(i);
    if (before === 0x0a || before === 0x5b || before === 0x7b || before === 0x2c || before === 0x3a)
      return true;
    // `- ? key`: only `- ` indicators between the line start and the `?`.
    while (i >= 0 && text.charCodeAt(i) === 0x2d) {
      i--;
      while (i >= 0 && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i--;
      if (i < 0 || text.charCodeAt(i) === 0x0a) return true;
    }
  }
  return false;
}
// The positioned parse refuses implicit keys over 1024 characters (YAML 1.2, 7.4.1); js-yaml does not.
const MAX_IMPLICIT_KEY = 1024;

/**
 * Line starts where the two parsers were seen to differ (test/core/fast-yaml.test.ts): a tab in
 * indentation, a document marker run into its content (`---|`) or followed by content on its line
 * (`--- |`: js-yaml reads that block scalar on past the next `---`), a top-level block scalar. This
 * also matches lines inside block scalars: a false alarm only costs time.
 */
function uncertainLineStart(text: string): boolean {
  for (let t = text.indexOf("\t"); t >= 0; t = text.indexOf("\t", t + 1)) {
    let i = t - 1;
    while (i >= 0 && text.charCodeAt(i) === 0x20) i--;
    if (i < 0 || text.charCodeAt(i) === 0x0a) return true; // a tab in indentation
  }
  // `|`, `>` at column 0, and document markers: only where such a line start exists.
  for (const mark of ["|", ">", "---", "..."]) {
    if (text.startsWith(mark) && uncertainLine(text, 0)) return true;
    for (let at = text.indexOf(`\n${mark}`); at >= 0; at = text.indexOf(`\n${mark}`, at + 1))
      if (uncertainLine(text, at + 1)) return true;
  }
  return false;
}

function uncertainLine(text: string, at: number): boolean {
  const c = text.charCodeAt(at);
  if (c === 0x7c || c === 0x3e) return true; // `|`, `>` at column 0
  const dashes = text.startsWith("---", at);
  if (!dashes && !text.startsWith("...", at)) return false;
  const next = text.charCodeAt(at + 3);
  if (Number.isNaN(next)) return false;
  if (!isBlank(next)) return true; // `---|`
  let j = at + 3;
  while (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x09) j++;
  const after = text.charCodeAt(j);
  // `--- x`, `... x`
  return !(Number.isNaN(after) || after === 0x0a || after === 0x0d || after === 0x23);
}
/** The tag js-yaml records for a plain scalar our resolver typed; any other tag was explicit. */
const IMPLICIT_TAG = "tag:portcullis.dev,2026:implicit";

/**
 * Plain scalars resolve with the positioned parse's own tag list (yaml-options.ts's
 * `resolvePlain`), so `yes`, `0644`, `1_000`, `.inf` and `e1` come out the same on both paths by
 * construction.
 */
function implicitSchema(): jsyaml.Schema {
  let resolved: unknown;
  const type = new jsyaml.Type(IMPLICIT_TAG, {
    kind: "scalar",
    resolve: (text: string) => {
      resolved = resolvePlain(text);
      return resolved !== text;
    },
    construct: () => resolved,
  });
  return jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [type] });
}

let schema: jsyaml.Schema | undefined;

/** The js-yaml schema that reads plain scalars as the positioned parse does (built once). */
export function fastSchema(): jsyaml.Schema {
  return (schema ??= implicitSchema());
}

/**
 * The nodes open around the one just closed, innermost last: where each one's own text starts,
 * worked out once per node (a node's open offset can sit before many blank lines).
 */
interface Ancestors {
  readonly length: number;
  start(k: number): number;
}

class Declined extends Error {
  constructor(readonly why: Decline) {
    super(why);
  }
}

interface ListenerState {
  readonly position: number;
  readonly line: number;
  readonly input: string;
  readonly tag: string | null | undefined;
  readonly anchor: string | null | undefined;
  readonly kind: string | null;
  readonly result: unknown;
}

/**
 * Values of every document of a YAML text (null for an empty one), or why they cannot be vouched
 * for. Plain scalars are typed with the positioned parse's own tags (fastSchema).
 */
export function fastRead(text: string, limits: FastLimits): FastRead {
  // Most manifests are in the line reader's plain style; it declines the rest at once.
  const lined = readBlockYaml(text, limits);
  return lined ? checked(text, lined, limits) : jsyamlRead(text, limits);
}

/**
 * The line reader alone: the subset on which Portcullis and the consumers' readers are proven to
 * agree (src/yaml/agreed.ts, test/yaml/differential.test.ts).
 */
export function lineRead(text: string, limits: FastLimits): FastRead {
  const lined = readBlockYaml(text, limits);
  return lined ? checked(text, lined, limits) : { ok: false, why: "uncertain" };
}

/** The second reader: js-yaml, with the checks that keep it to what the positioned parse reads alike. */
export function jsyamlRead(text: string, limits: FastLimits): FastRead {
  // A `%YAML 1.2` directive would switch the positioned parse to YAML 1.2 (`yes` a string again).
  if (text.startsWith("%") || text.includes("\n%")) return { ok: false, why: "directive" };
  if (mayHaveExplicitKey(text)) return { ok: false, why: "complex key" };
  // A carriage return alone: js-yaml breaks the line there, the positioned parse does not.
  for (let r = text.indexOf("\r"); r >= 0; r = text.indexOf("\r", r + 1))
    if (text.charCodeAt(r + 1) !== 0x0a) return { ok: false, why: "line breaks" };
  // A byte-order mark past the start: the positioned parse drops it, js-yaml keeps it in the text.
  if (text.includes("\uFEFF")) return { ok: false, why: "uncertain" };
  if (uncertainLineStart(text)) return { ok: false, why: "uncertain" };
  // The other differences are found node by node as js-yaml reads (the listener, closeCheck).
  const schema = fastSchema();
  const opened: number[] = [];
  const starts: number[] = [];
  const children: number[] = [];
  const lines: number[] = [];
  const ancestors: Ancestors = {
    get length() {
      return opened.length;
    },
    start: (k) =>
      starts[k]! >= 0 ? starts[k]! : (starts[k] = skipSpaceAndComments(text, opened[k]!)),
  };
  // js-yaml calls this around every node; at "close" the node's properties are known.
  const listener = (event: "open" | "close", state: ListenerState) => {
    if (event === "open") {
      // A node's tag or anchor is read before the nodes inside it open; js-yaml can forget it by
      // its close (`k: !` on one line, a block scalar on the next), so it is looked at here too.
      // (Before the first node both are undefined.)
      const tag = state.tag ?? null;
      if ((state.anchor ?? null) !== null) throw new Declined("anchor");
      if (tag !== null && tag !== "?" && tag !== IMPLICIT_TAG) throw new Declined("tag");
      opened.push(state.position);
      starts.push(-1);
      lines.push(state.line);
      children.push(0);
      // Bounds js-yaml's recursion too: 10,000 nested `[` would otherwise overflow the stack.
      if (opened.length > limits.maxDepth + 2) throw new Declined("depth");
      return;
    }
    const open = opened.pop()!;
    starts.pop();
    const line = lines.pop()!;
    const read = children.pop()!;
    if (children.length > 0) children[children.length - 1]!++;
    if ((state.anchor ?? null) !== null) throw new Declined("anchor"); // every alias needs one
    // js-yaml reads an empty `-` item without an event, and can hang what follows a comment line
    // on the wrong sequence: a sequence with fewer events than items is left to the other parse.
    if (state.kind === "sequence" && read < (state.result as unknown[]).length)
      throw new Declined("uncertain");
    const why = closeCheck(
      state.kind,
      state.input,
      open,
      state.position,
      line === state.line,
      ancestors,
    );
    if (why) throw new Declined(why);
    const input = state.input;
    const end = state.position;
    const tag = state.tag ?? null;
    if (tag === null || tag === "?") return;
    // A scalar our resolver typed carries IMPLICIT_TAG; written out (`!<...>`) it is explicit.
    if (tag !== IMPLICIT_TAG || input.slice(open, end).includes("!")) throw new Declined("tag");
  };
  let values: unknown[];
  try {
    values = jsyaml.loadAll(text, undefined, { schema, listener: listener as never });
  } catch (err) {
    return { ok: false, why: err instanceof Declined ? err.why : "syntax" };
  }
  if (values.length > limits.maxDocuments) return { ok: false, why: "documents" };
  for (const value of values) {
    // A document that is a lone scalar (no manifest is one): its text is read differently at the
    // top level (block scalars, folded quotes), so it is left to the positioned parse.
    if (value !== null && value !== undefined && typeof value !== "object")
      return { ok: false, why: "uncertain" };
    const why = inspect(value, limits.maxDepth);
    if (why) return { ok: false, why };
  }
  return checked(text, values, limits);
}

/** Values read, once their size is known to be within the cap (aliases aside, JSON is at most ~5x the text). */
function checked(text: string, values: readonly unknown[], limits: FastLimits): FastRead {
  // Without aliases a document's JSON is at most about five times its text (`{a,b}`: two keys
  // with null values); only a text that could pass the cap that way is measured.
  const checkSize = text.length * 8 > limits.maxSerializedBytes;
  const cap = limits.maxSerializedBytes;
  for (const value of values)
    if (checkSize && limits.serializedSize(value, cap) > cap) return { ok: false, why: "size" };
  return { ok: true, values: values.map((v) => (v === undefined ? null : v)) };
}

/**
 * A flow collection used as a mapping key: followed by a `:` on its line, or an entry of a flow
 * mapping not after a `:` (`{{ .x }}` is a mapping whose key is a mapping).
 */
function flowCollectionIsKey(
  input: string,
  start: number,
  end: number,
  ancestors: Ancestors,
): boolean {
  let i = end;
  while (input.charCodeAt(i) === 0x20 || input.charCodeAt(i) === 0x09) i++;
  if (input.charCodeAt(i) === 0x3a) return true;
  if (ancestors.length === 0) return false;
  const parent = ancestors.start(ancestors.length - 1);
  if (parent === start || input.charCodeAt(parent) !== 0x7b) return false;
  let j = start - 1;
  while (j > parent && isBlank(input.charCodeAt(j))) j--;
  return input.charCodeAt(j) !== 0x3a; // after a comment this is a false alarm: only slower
}

/**
 * Where a node just read would be read differently by the positioned parse (each case was found by
 * test/core/fast-yaml.test.ts), or undefined.
 */
function closeCheck(
  kind: string | null,
  input: string,
  open: number,
  end: number,
  oneLine: boolean,
  ancestors: Ancestors,
): Decline | undefined {
  const last = input.charCodeAt(end - 1);
  if (kind === null) return undefined;
  if (kind === "mapping" || kind === "sequence") {
    if (last !== 0x5d && last !== 0x7d) return undefined; // not `]`, `}`: a block collection
    const start = skipSpaceAndComments(input, open);
    if (flowCollectionIsKey(input, start, end, ancestors)) return "complex key";
    if (input.charCodeAt(end) === 0x23) return "uncertain"; // `[]#c`: js-yaml reads a comment
    if (insideFlow(input, start, ancestors)) return undefined; // the outer collection checks
    // js-yaml takes `#` right after a flow token (`[a,#b]`) as a comment; it is an error.
    if (hasHash(input, start, end)) return "uncertain";
    return underIndented(input, start, end - 1, ancestors) ? "indentation" : undefined;
  }
  if ((last === 0x27 || last === 0x22) && input.charCodeAt(end) === 0x23) return "uncertain";
  // `\U` past U+10FFFF: the positioned parse refuses the escape, js-yaml reads it.
  if (last === 0x22 && hasLongEscape(input, open, end)) return "uncertain";
  // An implicit key too long for the positioned parse, which counts from the key's first
  // character to its `:` in the text (quotes, escapes and spaces included).
  if (end - open > 1000) {
    let i = end;
    while (input.charCodeAt(i) === 0x20 || input.charCodeAt(i) === 0x09) i++;
    if (input.charCodeAt(i) === 0x3a && i - skipSpaceAndComments(input, open) > 1000)
      return "long key";
  }
  if (oneLine) return undefined;
  const nl = input.indexOf("\n", open);
  if (nl < 0 || nl >= end - 1) return undefined;
  const start = skipSpaceAndComments(input, open);
  // `q:`, a comment line, the value further down: the positioned parse may refuse it.
  if (start > nl && hasHash(input, open, start)) return "uncertain";
  const header = input.charCodeAt(start);
  // A quoted scalar over several lines with white space before a line break: js-yaml keeps that
  // white space, the positioned parse folds it away.
  // An escaped line break (`\` at a line's end) is folded differently too.
  if ((header === 0x27 || header === 0x22) && /[ \t\\]\r?\n/.test(input.slice(start, end)))
    return "uncertain";
  if (insideFlow(input, start, ancestors)) return undefined; // the outer collection checks
  if (header === 0x7c || header === 0x3e) {
    // A block scalar: explicit indentation (`|2`), keeping trailing lines (`|+`) and leading blank
    // lines are read differently.
    const eol = input.indexOf("\n", start);
    if (/^[|>](?:[-+]?[1-9]|[1-9]?\+)/.test(input.slice(start, start + 3))) return "uncertain";
    if (eol >= 0 && /^[ \t]*\r?\n/.test(input.slice(eol + 1, eol + 200))) return "uncertain";
  }
  return underIndented(input, start, trimBack(input, start, end), ancestors)
    ? "indentation"
    : undefined;
}

function hasHash(input: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (input.charCodeAt(i) === 0x23) return true;
  return false;
}

/** Whether input[from, to) holds a `\U` escape (a bounded scan: scalars are read one by one). */
function hasLongEscape(input: string, from: number, to: number): boolean {
  for (let i = from; i < to - 1; i++)
    if (input.charCodeAt(i) === 0x5c && input.charCodeAt(i + 1) === 0x55) return true;
  return false;
}

/**
 * Whether the node starting at `start` sits in a flow collection: its nearest enclosing node (one
 * that does not start where it does) starts with `[` or `{`. That collection's own checks cover
 * the node's text, so the node is not scanned again (nested flow collections stay linear).
 */
function insideFlow(input: string, start: number, ancestors: Ancestors): boolean {
  for (let k = ancestors.length - 1; k >= 0; k--) {
    const at = ancestors.start(k);
    if (at === start) continue;
    const c = input.charCodeAt(at);
    return c === 0x5b || c === 0x7b;
  }
  return false;
}

/**
 * A node over several lines (`start` to its last character `contentEnd`) with a continuation line
 * not indented past the block collection holding it: the positioned parse refuses that ("must be
 * sufficiently indented"), js-yaml reads it.
 */
function underIndented(
  input: string,
  start: number,
  contentEnd: number,
  ancestors: Ancestors,
): boolean {
  let nl = input.indexOf("\n", start);
  if (nl < 0 || nl >= contentEnd) return false;
  // The nearest enclosing node that does not start where this one does or with a flow indicator
  // is the block collection; its column is its indentation.
  let column = -1;
  for (let k = ancestors.length - 1; k >= 0; k--) {
    const at = ancestors.start(k);
    const c = input.charCodeAt(at);
    if (at === start || c === 0x5b || c === 0x7b) continue;
    column = at - (input.lastIndexOf("\n", at - 1) + 1);
    break;
  }
  for (; nl >= 0 && nl < contentEnd; nl = input.indexOf("\n", nl + 1)) {
    let i = nl + 1;
    while (input.charCodeAt(i) === 0x20) i++;
    const c = input.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x09) continue; // a blank line (tabs: js-yaml decides)
    if (i - nl - 1 <= column) return true;
  }
  return false;
}

/** Offset of the last non-blank character before `end` (not before `start`). */
export function trimBack(text: string, start: number, end: number): number {
  // js-yaml appends a line break to a text without one: its offsets can pass the end by one.
  let i = Math.min(end, text.length) - 1;
  while (i > start && isBlank(text.charCodeAt(i))) i--;
  return Math.max(i, start);
}

export function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Past white space, line breaks and comments: where a node's own text starts. */
export function skipSpaceAndComments(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (isBlank(c)) i++;
    else if (c === 0x23) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
    } else return i;
  }
}

/**
 * Depth past the limit, and keys the two parsers read differently: `<<` (a merge key for the
 * positioned parse; js-yaml's schema here has none), a null key (`~:` is "" there, "null" here), a
 * key longer than an implicit key may be.
 */
function inspect(value: unknown, maxDepth: number, depth = 0): Decline | undefined {
  // Recursion is bounded: the read itself stopped past maxDepth + 2 nested nodes.
  if (value === null || typeof value !== "object") return undefined;
  if (depth > maxDepth) return "depth";
  if (Array.isArray(value)) {
    for (const x of value) {
      const why = inspect(x, maxDepth, depth + 1);
      if (why) return why;
    }
    return undefined;
  }
  for (const key in value) {
    if (key === "<<" || key === "null") return "merge or null key";
    if (key.length > MAX_IMPLICIT_KEY) return "long key";
    const why = inspect((value as Record<string, unknown>)[key], maxDepth, depth + 1);
    if (why) return why;
  }
  return undefined;
}
