// Where each field of a fast-read file sits (fast-yaml.ts), found by reading the file once more: with
// the line reader, which places every node as it reads it (blockPositions), or with js-yaml,
// recording where every node opens and closes (fastPositions). The lines are the ones the positioned
// parse (manifest.ts, the `yaml` package) gives: key lines, value ends, block scalars; a file whose
// recorded nodes cannot be matched one to one with its values is left to the positioned parse.
import jsyaml from "js-yaml";
import { type BlockLimits, placeBlockYaml } from "./block-yaml.js";
import { skipSpaceAndComments, trimBack } from "./fast-yaml.js";
import { lineIndex } from "../core/lines.js";
import type { JsonPath } from "../core/types.js";
import type { DocumentPositions, Placed } from "./types.js";

/** A node as js-yaml read it: offsets of its open and close events, and what it produced. */
interface Recorded {
  kind: string | null;
  open: number;
  close: number;
  children: Recorded[];
  result: unknown;
}

class Unmatched extends Error {}

/**
 * Positions of every document of a text the line reader reads (block-yaml.ts), which places each
 * node as it reads it; undefined for any other text.
 */
export function blockPositions(
  text: string,
  limits: BlockLimits,
): (DocumentPositions | undefined)[] | undefined {
  const read = placeBlockYaml(text, limits);
  if (!read) return undefined;
  const lineOf = lineIndex(text);
  return read.roots.map((root) => root && documentPositions(root, text, lineOf));
}

/**
 * Positions of every document of `text` (the same `schema` as the fast read, so the same values),
 * or undefined when js-yaml's events cannot be matched with the values it produced.
 */
export function fastPositions(
  text: string,
  schema: jsyaml.Schema,
): (DocumentPositions | undefined)[] | undefined {
  const stack: Recorded[] = [];
  const roots: Recorded[] = [];
  const listener = (
    event: "open" | "close",
    state: { position: number; kind: string | null; result: unknown },
  ) => {
    if (event === "open") {
      stack.push({ kind: null, open: state.position, close: 0, children: [], result: undefined });
      return;
    }
    const node = stack.pop()!;
    node.kind = state.kind;
    node.close = state.position;
    node.result = state.result;
    (stack.length > 0 ? stack[stack.length - 1]!.children : roots).push(node);
  };
  let values: unknown[];
  try {
    values = jsyaml.loadAll(text, undefined, { schema, listener: listener as never });
  } catch {
    return undefined;
  }
  if (roots.length !== values.length) return undefined;
  const lineOf = lineIndex(text);
  try {
    return roots.map((root, i) => {
      if (values[i] === null || values[i] === undefined) return undefined;
      return documentPositions(place(root, text), text, lineOf);
    });
  } catch (err) {
    if (err instanceof Unmatched) return undefined;
    throw err;
  }
}

/**
 * The node behind a recorded one. A node read where a block mapping could have started (a plain
 * scalar, or a flow collection, as a sequence item or on the line after its key) is recorded
 * twice: js-yaml tries it as a key first, then keeps it; the inner record, with the very same
 * value, is the node. A failed attempt leaves an empty record behind, which is not the node.
 */
function unwrap(node: Recorded): Recorded {
  let n = node;
  for (;;) {
    const real = n.children.filter((c) => c.kind !== null);
    if (real.length !== 1 || !Object.is(real[0]!.result, n.result)) return n;
    n = real[0]!;
  }
}

function place(recorded: Recorded, text: string): Placed {
  const node = unwrap(recorded);
  const result = node.result;
  if (node.kind === null) {
    // An empty node (`key:` or `-` with nothing after): where the indicator left off.
    return { start: node.open, last: node.open, empty: true, result };
  }
  const start = skipSpaceAndComments(text, node.open);
  if (node.kind === "sequence") {
    if (!Array.isArray(result) || node.children.length !== result.length) throw new Unmatched();
    const items = node.children.map((c, i) => {
      const item = place(c, text);
      if (!Object.is(item.result, result[i])) throw new Unmatched();
      return item;
    });
    return { start, last: endOf(text, start, node.close, items), empty: false, items, result };
  }
  if (node.kind === "mapping") {
    if (result === null || typeof result !== "object" || Array.isArray(result))
      throw new Unmatched();
    const children = [...node.children];
    // A block mapping's last attempt to read a key leaves an empty record.
    if (children.length % 2 === 1 && children[children.length - 1]!.kind === null) children.pop();
    const keys = Object.keys(result);
    if (children.length !== keys.length * 2) throw new Unmatched();
    const fields = new Map<string, { key: Placed; value: Placed }>();
    const entries: Placed[] = [];
    for (let i = 0; i < children.length; i += 2) {
      const key = place(children[i]!, text);
      const value = place(children[i + 1]!, text);
      const name = String(key.result);
      if (
        key.empty ||
        fields.has(name) ||
        !Object.hasOwn(result, name) ||
        !Object.is((result as Record<string, unknown>)[name], value.result)
      )
        throw new Unmatched();
      fields.set(name, { key, value });
      entries.push(key, value);
    }
    return { start, last: endOf(text, start, node.close, entries), empty: false, fields, result };
  }
  // A scalar ends at its last non-blank character (a block scalar's trailing lines are not text).
  const last = trimBack(text, start, node.close);
  return { start, last, empty: false, result };
}

/**
 * A collection ends where its closing bracket is, or where its last entry ends (comments and
 * blank lines after it are not part of it: positioned-document.ts's `lastOffset`).
 */
function endOf(text: string, start: number, close: number, entries: readonly Placed[]): number {
  const c = text.charCodeAt(start);
  if (c === 0x5b || c === 0x7b) return trimBack(text, start, close); // `[`, `{`: flow
  let last = start;
  for (const e of entries) if (e.last > last) last = e.last;
  return last;
}

function documentPositions(
  root: Placed,
  text: string,
  lineOf: (offset: number) => number,
): DocumentPositions {
  const start = lineOf(root.start);
  const kind = root.fields?.get("kind");
  const kindLine = kind ? lineOf(kind.key.start) : start;

  /** Walks `path`; stops at the deepest step that exists (the key's line for a field). */
  const walk = (path: JsonPath) => {
    let node = root;
    let keyLine = start;
    for (const key of path) {
      const field = node.fields?.get(String(key));
      const item = typeof key === "number" ? node.items?.[key] : undefined;
      if (field) {
        keyLine = lineOf(field.key.start);
        node = field.value;
      } else if (item) {
        keyLine = lineOf(item.start);
        node = item;
      } else return { node, keyLine, complete: false };
    }
    return { node, keyLine, complete: true };
  };

  return {
    lines: { start, end: Math.max(start, lineOf(root.last)) },
    kindLine,
    locate(path) {
      if (path.length === 0) return { lines: { start: kindLine, end: kindLine }, exact: true };
      const { node, keyLine, complete } = walk(path);
      if (!complete) return { lines: { start: keyLine, end: keyLine }, exact: false };
      const end = node.empty ? keyLine : lineOf(node.last);
      return { lines: { start: keyLine, end: Math.max(keyLine, end) }, exact: true };
    },
    locateInString(path, offset) {
      const { node, complete } = walk(path);
      if (!complete || node.empty || typeof node.result !== "string") return undefined;
      // A literal block scalar's text starts on the line after its `|` header.
      return text.charCodeAt(node.start) === 0x7c // `|`
        ? lineOf(node.start) + 1 + offset
        : lineOf(node.start);
    },
  };
}
