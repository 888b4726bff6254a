// Reading a manifest (manifest.ts): a document of the `yaml` package's positioned parse as a
// ParsedDocument: its value, its lines, and the line of any field (through aliases and << merges).
import type { Alias } from "yaml";
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Scalar,
  type Document,
  type Node,
  type Pair,
  type ParsedNode,
} from "yaml";
import type { JsonPath } from "../core/types.js";
import { trimBack } from "./fast-yaml.js";
import { resourceOf } from "./resource.js";
import type { Located, ParsedDocument } from "./types.js";

interface Step {
  /** The node reached (the value), and the line the field itself starts on (its key's line). */
  readonly node: Node | null;
  readonly keyLine: number;
}

export function makeDocument(
  doc: Document.Parsed,
  index: number,
  value: unknown,
  text: string,
  lineOf: (offset: number) => number,
): ParsedDocument {
  const root = doc.contents as ParsedNode;
  const start = lineOf(doc.contents?.range[0] ?? doc.range[0]);
  const end = Math.max(start, lineOf(lastOffset(root, text) ?? doc.range[0]));
  const resolve = (node: Node | null): Node | null =>
    node && isAlias(node) ? ((node as Alias).resolve(doc) ?? null) : node;
  const nodeLine = (node: Node | null | undefined, fallback: number) =>
    node?.range ? lineOf(node.range[0]) : fallback;

  /** Walks `path` through the node tree; stops at the deepest step that exists. */
  const walk = (path: JsonPath): { steps: Step[]; complete: boolean } => {
    const steps: Step[] = [{ node: root, keyLine: start }];
    let node: Node | null = resolve(root);
    for (const key of path) {
      const next = child(node, key);
      if (!next) return { steps, complete: false };
      steps.push(next);
      node = resolve(next.node);
    }
    return { steps, complete: true };
  };

  const child = (node: Node | null, key: string | number): Step | undefined => {
    if (isMap(node)) {
      const pair = findPair(node.items as Pair[], key);
      if (pair)
        return {
          node: pair.value as Node | null,
          keyLine: nodeLine(pair.key as Node, nodeLine(pair.value as Node, start)),
        };
      // A field inherited through a `<<` merge key lives in the anchored mapping.
      for (const merge of node.items as Pair[]) {
        if (!isScalar(merge.key) || !isMergeKey(merge.key.value)) continue;
        const target = resolve(merge.value as Node);
        // In a list of merged mappings, the earlier ones win (YAML merge key semantics).
        const sources = isSeq(target) ? target.items : [target];
        for (const source of sources) {
          const found = child(resolve(source as Node), key);
          if (found) return found;
        }
      }
      return undefined;
    }
    if (isSeq(node) && typeof key === "number") {
      const item = node.items[key] as Node | undefined;
      if (item === undefined) return undefined;
      return { node: item, keyLine: nodeLine(resolve(item), start) };
    }
    return undefined;
  };

  const locate = (path: JsonPath): Located => {
    const { steps, complete } = walk(path);
    const last = steps[steps.length - 1]!;
    if (path.length === 0) return { lines: { start: kindLine, end: kindLine }, exact: true };
    if (!complete) return { lines: { start: last.keyLine, end: last.keyLine }, exact: false };
    const valueEnd = lineOf(lastOffset(last.node, text) ?? 0);
    return { lines: { start: last.keyLine, end: Math.max(last.keyLine, valueEnd) }, exact: true };
  };

  const kindPair = isMap(root) ? findPair(root.items as Pair[], "kind") : undefined;
  const kindLine = kindPair ? nodeLine(kindPair.key as Node, start) : start;

  const locateInString = (path: JsonPath, offset: number): number | undefined => {
    const { steps, complete } = walk(path);
    if (!complete) return undefined;
    const node = resolve(steps[steps.length - 1]!.node);
    if (!isScalar(node) || typeof node.value !== "string" || !node.range) return undefined;
    const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
    // A block scalar's text starts on the line after its `|` or `>` header.
    if (block && node.type === Scalar.BLOCK_LITERAL) return lineOf(node.range[0]) + 1 + offset;
    return lineOf(node.range[0]);
  };

  return {
    index,
    value,
    lines: { start, end },
    resource: resourceOf(value),
    kindLine,
    locate,
    locateInString,
  };
}

/**
 * Offset of the last character of a node's own text: a scalar's last non-blank character, a flow
 * collection's closing bracket, a block collection's last entry. Comments and blank lines after a
 * value are not part of it (the `yaml` package's ranges reach over them in some layouts), and an
 * empty node is where its indicator left off. fast-positions.ts gives the same offsets.
 */
export function lastOffset(node: Node | null | undefined, text: string): number | undefined {
  if (!node?.range) return undefined;
  const [from, to] = node.range;
  if ((isMap(node) || isSeq(node)) && !node.flow) {
    let last: number | undefined;
    for (const item of node.items as unknown[]) {
      const entries = isMap(node) ? [(item as Pair).key, (item as Pair).value] : [item];
      for (const entry of entries) {
        const at = lastOffset(entry as Node | null, text);
        if (at !== undefined && (last === undefined || at > last)) last = at;
      }
    }
    return last ?? from;
  }
  return trimBack(text, from, to);
}

export function isMergeKey(value: unknown): boolean {
  return value === "<<" || (typeof value === "symbol" && value.description === "<<");
}

function findPair(items: Pair[], key: string | number): Pair | undefined {
  // The last pair with the key wins, as it does in the value (duplicates are refused anyway).
  for (let i = items.length - 1; i >= 0; i--) {
    const k = items[i]!.key;
    const keyValue = isScalar(k) ? k.value : k;
    if (
      keyValue === key ||
      (keyValue !== null && keyValue !== undefined && String(keyValue) === String(key))
    ) {
      return items[i];
    }
  }
  return undefined;
}
