// The fixer (src/fixes/fix.ts): where a node's text begins and ends in the current text, which
// every edit of src/fixes/fix-write.ts cuts at.
import { isAlias, isMap, isScalar, isSeq, Scalar, type Node, type Pair, type YAMLSeq } from "yaml";
import { refuse } from "./fix.js";
import type { Source } from "./fix-parse.js";
import { dashOffset, colonOffset } from "./fix-style.js";

/** End (exclusive) of a node's own content: no trailing comments, newlines or blank lines. */
export function contentEnd(src: Source, node: unknown): number {
  if (isScalar(node)) {
    const [start, end] = node.range ?? [0, 0];
    if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
      // With "keep" chomping (`|+`) the trailing blank lines are part of the value.
      if (/^[|>][1-9]?\+/.test(src.text.slice(start, start + 3))) return end;
      let e = end;
      while (e > start && /\s/.test(src.text[e - 1]!)) e--;
      return e;
    }
    return end;
  }
  if (isAlias(node)) return node.range?.[1] ?? 0;
  if (isMap(node)) {
    if (node.flow || node.items.length === 0) return node.range?.[1] ?? 0;
    return pairEnd(src, node.items[node.items.length - 1]!);
  }
  if (isSeq(node)) {
    if (node.flow || node.items.length === 0) return node.range?.[1] ?? 0;
    const last = node.items.length - 1;
    const dash = dashOffset(src, node, last) ?? 0;
    return Math.max(dash + 1, contentEnd(src, node.items[last]));
  }
  return 0;
}

/** End (exclusive) of a `key: value` entry. */
export function pairEnd(src: Source, pair: Pair): number {
  const key = pair.key as Node | null;
  let end = (key as { range?: number[] } | null)?.range?.[1] ?? 0;
  const colon = colonOffset(pair);
  if (colon !== undefined) end = Math.max(end, colon + 1);
  if (pair.value !== null && pair.value !== undefined)
    end = Math.max(end, contentEnd(src, pair.value));
  return end;
}

/** Start of a `key: value` entry: its key. */
export function pairStart(pair: Pair): number {
  const range = (pair.key as { range?: number[] } | null)?.range;
  if (!range) return refuse("a mapping key has no position");
  return range[0]!;
}

/** Start of a list item, with an anchor or tag written before it. */
export function itemStart(src: Source, seq: YAMLSeq, index: number): number {
  const item = seq.items[index] as Node | null;
  const range = item?.range;
  if (!range) return refuse("a list item has no position");
  return propsStart(src, range[0]);
}

/** Walks back over `&anchor` / `!tag` properties written right before a value. */
export function propsStart(src: Source, start: number): number {
  const lineStart = src.lineStart(src.line(start));
  const before = src.text.slice(lineStart, start);
  const m = /((?:[&!][^\s,[\]{}]*\s+)+)$/.exec(before);
  return m ? start - m[1]!.length : start;
}
