// Where the repository's custom kinds are served (their CustomResourceDefinitions), as tools/cel
// needs it to build the request the apiserver would see (resource names, scope).
import { isPlainObject } from "../../core/plain-data.js";

export interface ServedKind {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

/** The value at `path` in plain data (undefined where it is not a mapping). */
export function get(v: unknown, ...path: string[]): unknown {
  let at = v;
  for (const k of path) at = isPlainObject(at) ? at[k] : undefined;
  return at;
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function isCustomResourceDefinition(o: unknown): boolean {
  return (
    isPlainObject(o) &&
    str(o.apiVersion).startsWith("apiextensions.k8s.io/") &&
    o.kind === "CustomResourceDefinition"
  );
}

/** The kinds the CustomResourceDefinitions among `objects` define. */
export function servedKinds(objects: readonly unknown[]): ServedKind[] {
  return objects.filter(isCustomResourceDefinition).map((o) => ({
    group: str(get(o, "spec", "group")),
    kind: str(get(o, "spec", "names", "kind")),
    plural: str(get(o, "spec", "names", "plural")),
    namespaced: get(o, "spec", "scope") === "Namespaced",
  }));
}
