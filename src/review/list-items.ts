// Kubernetes lists read as kubectl reads them: apimachinery's unstructured JSON scheme decodes any
// object with an `items` array as a list, and kubectl applies each item (FlattenListVisitor); an
// item with neither kind nor apiVersion takes the list's apiVersion and its kind without the `List`
// suffix (PodList -> Pod). kustomize and Argo CD expand `kind: *List` the same way. The object
// itself is still evaluated as it stands (kustomize keeps a kind that is not a List as is).
import type { JsonPath } from "../core/types.js";
import type { RawFinding } from "../core/findings.js";
import { isKubernetesObject } from "../core/findings.js";
import type { ParsedDocument } from "../yaml/index.js";
import { resourceOf } from "../yaml/resource.js";

export interface ListItem {
  /** The item as kubectl sees it, positioned in its file: `locate` takes paths from the document's root. */
  readonly doc: ParsedDocument;
  /** Where the item sits in the document (`items`, i, and further for a list inside a list). */
  readonly prefix: JsonPath;
}

/** Lists nest at most this deep (a list of lists of lists...): deeper ones are not unwrapped. */
const MAX_LIST_DEPTH = 8;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The item with the kind and apiVersion kubectl gives it. */
function asKubectlSees(item: Record<string, unknown>, list: Record<string, unknown>) {
  const kind = item.kind ?? "";
  const apiVersion = item.apiVersion ?? "";
  if (kind !== "" || apiVersion !== "") return item;
  const listKind = typeof list.kind === "string" ? list.kind : "";
  return {
    ...item,
    apiVersion: list.apiVersion,
    kind: listKind.endsWith("List") ? listKind.slice(0, -"List".length) : listKind,
  };
}

/** Each item of `value` kubectl would apply, as it sees it, with where it sits, lists' items too. */
function eachItem(value: unknown, visit: (item: unknown, at: JsonPath) => void): void {
  const walk = (list: unknown, prefix: JsonPath, depth: number) => {
    if (!isObject(list) || !Array.isArray(list.items) || depth > MAX_LIST_DEPTH) return;
    list.items.forEach((raw, i) => {
      if (!isObject(raw)) return;
      const item = asKubectlSees(raw, list);
      // kubectl refuses an item that still has no kind: there is nothing it would apply.
      if (!isKubernetesObject(item)) return;
      const at = [...prefix, "items", i];
      visit(item, at);
      walk(item, at, depth + 1);
    });
  };
  walk(value, [], 0);
}

/** The values of the items listItemsOf gives (the same objects: asked ahead of them by identity). */
export function listItemValues(value: unknown): unknown[] {
  const out: unknown[] = [];
  eachItem(value, (item) => out.push(item));
  return out;
}

/** Every item of `doc` (a Kubernetes object with an `items` array) that kubectl would apply. */
export function listItemsOf(doc: ParsedDocument): ListItem[] {
  const out: ListItem[] = [];
  eachItem(doc.value, (item, at) => {
    const kind = doc.locate([...at, "kind"]);
    out.push({
      prefix: at,
      doc: {
        index: doc.index,
        value: item,
        lines: doc.locate(at).lines,
        resource: resourceOf(item),
        kindLine: kind.exact ? kind.lines.start : doc.locate(at).lines.start,
        locate: (path) => doc.locate(path),
        locateInString: (path, offset) => doc.locateInString(path, offset),
      },
    });
  });
  return out;
}

/** An item's results, their paths (and fixes' paths) made paths from the document's root. */
export function fromItem(raw: readonly RawFinding[], prefix: JsonPath): RawFinding[] {
  return raw.map((r) => ({
    ...r,
    path: [...prefix, ...r.path],
    ...(r.fix ? { fix: { ...r.fix, path: [...prefix, ...r.fix.path] } } : {}),
  }));
}
