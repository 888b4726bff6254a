// PCV005: the same object (group, kind, namespace, name) twice in what is applied together. A
// folder is applied together (`kubectl apply -f`, the kustomization Flux generates for a folder,
// an Argo CD directory source), and so is one render; objects in different folders may go to
// different clusters and are not compared.
import type { RawFinding } from "../../core/findings.js";
import type { PolicyInput } from "../../ports/policy-engine.js";
import { CLUSTER_SCOPED } from "../../gitops/render-side.js";
import { ownString } from "../../core/own-string.js";
import type { AppliedObject } from "../engine.js";

/** Where an object was first defined: an evaluated file, or one applied with them (and its line). */
interface First {
  readonly path: string;
  readonly line?: () => number;
}

function identity(doc: Record<string, unknown>): string | undefined {
  const meta = doc.metadata as Record<string, unknown> | undefined;
  const name = meta?.name;
  if (typeof name !== "string" || name === "") return undefined;
  const apiVersion = String(doc.apiVersion ?? "");
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  // A cluster-scoped object's namespace is dropped by the API server: one object whatever it says.
  const namespace =
    typeof meta?.namespace === "string" && !CLUSTER_SCOPED.has(String(doc.kind))
      ? meta.namespace
      : "";
  // Its own string, not views of the file's text (ownString): kept for the whole run.
  return ownString(`${group}\u0000${String(doc.kind)}\u0000${namespace}\u0000${name}`);
}

export const folderOf = (path: string) =>
  path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";

export class DuplicateObjects {
  /** folder -> object identity -> where it was defined first. */
  readonly #seen = new Map<string, Map<string, First>>();

  /** An object applied with the evaluated files: a later copy of it is PCV005, it never is. */
  applied(object: AppliedObject): void {
    const doc = object.document as Record<string, unknown>;
    const id = identity(doc);
    if (id !== undefined) this.#first(object.path, id, { path: object.path, line: object.line });
  }

  /** PCV005 when an object of the same identity was already seen in the input's folder. */
  see(input: PolicyInput): RawFinding | undefined {
    const doc = input.document as Record<string, unknown>;
    const id = identity(doc);
    if (id === undefined) return undefined;
    const first = this.#first(input.file.path, id, { path: input.file.path });
    if (first === undefined) return undefined;
    const meta = doc.metadata as Record<string, unknown>;
    const ns = typeof meta.namespace === "string" ? ` in namespace ${meta.namespace}` : "";
    const where =
      first.path === input.file.path
        ? "earlier in this file"
        : `in ${first.path}${first.line ? ` line ${first.line()}` : ""}`;
    return {
      rule: "PCV005",
      msg: `${String(doc.kind)} ${String(meta.name)}${ns} (${String(doc.apiVersion)}) is also defined ${where}: the controllers apply one and drop or fight over the other`,
      path: ["metadata", "name"],
    };
  }

  /** What was first seen of `id` in `path`'s folder; undefined (and `here` kept) if nothing was. */
  #first(path: string, id: string, here: First): First | undefined {
    const folder = folderOf(path);
    let seen = this.#seen.get(folder);
    if (!seen) this.#seen.set(folder, (seen = new Map()));
    const first = seen.get(id);
    if (first === undefined) seen.set(id, here);
    return first;
  }
}
