// What a change does to a kustomization's output: the resources it adds, changes and removes.
import type { ResourceRef } from "./types.js";

export type RenderedChangeKind = "added" | "changed" | "removed";

export interface RenderedChange {
  readonly change: RenderedChangeKind;
  readonly resource: ResourceRef;
}

/** One rendered kustomization of a review, as the summary shows it. */
export interface RenderedTargetDiff {
  /** What was rendered: `apps/prod` (a kustomization directory; "." for the root). */
  readonly target: string;
  /** Controller objects that apply it (`Flux Kustomization flux-system/apps`). */
  readonly controllers: readonly string[];
  readonly status: "rendered" | "failed" | "not-evaluated";
  /** Why it failed or was not evaluated. */
  readonly reason?: string;
  readonly changes: readonly RenderedChange[];
  /** Resources in the head's output. */
  readonly resources: number;
  /** Time spent rendering both sides, in milliseconds. */
  readonly durationMs: number;
}

export interface RenderedObject {
  readonly resource: ResourceRef;
  readonly value: unknown;
}

/** A resource's identity across renders: API group, kind, namespace, name. */
export function identityOf(r: ResourceRef): string {
  const apiVersion = r.apiVersion ?? "";
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  return `${group}/${r.kind ?? ""}/${r.namespace ?? ""}/${r.name ?? ""}`;
}

/** Added, changed and removed resources between two renders, in the order of the head's output. */
export function diffRendered(
  base: readonly RenderedObject[],
  head: readonly RenderedObject[],
): RenderedChange[] {
  const before = new Map(base.map((o) => [identityOf(o.resource), o]));
  const after = new Set(head.map((o) => identityOf(o.resource)));
  const out: RenderedChange[] = [];
  for (const o of head) {
    const old = before.get(identityOf(o.resource));
    if (!old) out.push({ change: "added", resource: o.resource });
    else if (JSON.stringify(old.value) !== JSON.stringify(o.value))
      out.push({ change: "changed", resource: o.resource });
  }
  for (const o of base)
    if (!after.has(identityOf(o.resource))) out.push({ change: "removed", resource: o.resource });
  return out;
}
