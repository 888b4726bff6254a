// The fixer (src/fixes/fix.ts): walking a fix's path through a fresh parse, refusing every place
// where an edit would reach further than the path (aliases, anchors reused elsewhere, << merges).
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type YAMLMap } from "yaml";
import { type JsonPath, type PathStep } from "../core/types.js";
import { refuse } from "./fix.js";
import { keyOf } from "./fix-parse.js";
import { formatPath } from "./fix-values.js";
import { type Located, type Walked } from "./fix-session.js";

export class PathWalker {
  /** Anchors some alias of the document reuses. */
  private readonly aliased = new Set<string>();

  constructor(private readonly doc: Document.Parsed) {
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

  /** The nodes along `path`, and the part of it that does not exist yet. */
  walk(path: JsonPath): Walked {
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

  /** Refuses a node (at `where`) that holds an anchor some alias reuses. */
  checkSubtree(node: unknown, where: string, depth = 0): void {
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

  /** The plain value of a node. */
  toJS(node: Node | null): unknown {
    if (node === null) return null;
    return (node as { toJS(doc: Document, opts: { maxAliasCount: number }): unknown }).toJS(
      this.doc,
      {
        maxAliasCount: 1000,
      },
    );
  }
}

export function findPairIndex(map: YAMLMap, key: PathStep): number {
  for (let i = map.items.length - 1; i >= 0; i--) {
    const k = keyOf(map.items[i]!);
    if (k !== undefined && k !== "<<" && k === String(key)) return i;
  }
  return -1;
}

export function describeNode(node: unknown): string {
  if (isMap(node)) return "mapping";
  if (isSeq(node)) return "list";
  if (isScalar(node)) return `${typeof node.value} value`;
  return "value";
}
