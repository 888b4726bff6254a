// The fixer (src/fixes/fix.ts): the style of the file.
import type { Scalar } from "yaml";
import { isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLSeq } from "yaml";
import type { Source } from "./fix-parse.js";

// ---------------------------------------------------------------------------------------------
// Style of the file

export interface Style {
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

export function mode(values: number[], fallback: number): number {
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

export function detectStyle(src: Source, docs: Document.Parsed[], json: boolean): Style {
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
export function dashOffset(src: Source, seq: YAMLSeq, index: number): number | undefined {
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

export function colonOffset(pair: Pair): number | undefined {
  const token = (pair as { srcToken?: { sep?: { type: string; offset: number }[] } }).srcToken;
  return token?.sep?.find((t) => t.type === "map-value-ind")?.offset;
}
