// Applications produced by rendered output (an app of apps: a chart or a folder whose objects
// are Argo CD Applications): read as the repository's own Applications, so that the folders they
// build are rendered as they deploy them. Their fields are found at the line of the object that
// rendered them (the parent Application's path, or the release's chart line).
import { isPlainObject } from "../core/plain-data.js";
import {
  controllerTargetsOf,
  type ControllerRef,
  type ControllerTarget,
  type FluxSources,
} from "../core/gitops-controllers.js";
import type { RepoTree } from "../core/kustomize-tree.js";
import type { ParsedDocument, ParsedFile } from "../yaml/index.js";
import type { Side } from "./render-side.js";

/** An Application a render produced, and the object whose render produced it. */
export interface RenderedApplication {
  readonly parent: ControllerRef;
  readonly value: unknown;
}

export function isApplication(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    value.kind === "Application" &&
    typeof value.apiVersion === "string" &&
    value.apiVersion.startsWith("argoproj.io/")
  );
}

/**
 * The folder targets of rendered Applications: each one as if it were a document of its
 * parent's file at the parent's place (every field's line is the parent's path line).
 */
export function followedTargets(
  side: Side,
  tree: RepoTree,
  sources: FluxSources,
  apps: readonly RenderedApplication[],
): ControllerTarget[] {
  const out: ControllerTarget[] = [];
  for (const { parent, value } of apps) {
    const file = side.file(parent.file);
    const doc = file?.documents.find((d) => d.index === parent.documentIndex);
    if (!file || !doc) continue;
    const line = doc.locate(parent.pathField).lines;
    const standIn: ParsedDocument = {
      ...doc,
      value,
      locate: () => ({ lines: line, exact: false }),
      locateInString: () => undefined,
    };
    const synthetic: ParsedFile = { ...file, documents: [standIn] };
    for (const t of controllerTargetsOf(synthetic, tree, sources, { flux: false, argocd: true }))
      out.push({
        ...t,
        controller: { ...t.controller, pathField: parent.pathField },
        // An inline patch of a rendered Application is not text of the repository's file.
        patches: [],
        namespaceField: undefined,
      });
  }
  return out;
}
