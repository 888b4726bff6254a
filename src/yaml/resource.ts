// Which Kubernetes object a document's value names (apiVersion, kind, namespace, name).
import { ownString } from "../core/own-string.js";
import type { ResourceRef } from "../core/types.js";

export function resourceOf(value: unknown): ResourceRef {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  const v = value as Record<string, unknown>;
  const meta = (v.metadata ?? {}) as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === "string" ? ownString(x) : undefined);
  return {
    apiVersion: str(v.apiVersion),
    kind: str(v.kind),
    namespace: str(meta?.namespace),
    name: str(meta?.name),
  };
}
