// ValidatingAdmissionPolicies and their bindings read from repository files (any file: only their
// documents are taken; Gatekeeper and Kyverno documents beside them are left to their engines).
import { isPlainObject } from "../../core/plain-data.js";
import type { JsonPath, PolicyLocation } from "../../core/types.js";
import type { PolicySource } from "../../ports/policy-compiler.js";
import type { ParsedDocument } from "../../yaml/index.js";
import { readAdmissionFile } from "../admission-file.js";
import type { Problem } from "../engine.js";

export const VAP_GROUP = "admissionregistration.k8s.io";
/** The versions the apiserver serves them in (v1beta1 and v1alpha1 have the same fields here). */
const VERSIONS = ["v1", "v1beta1", "v1alpha1"];
export const POLICY_KIND = "ValidatingAdmissionPolicy";
export const BINDING_KIND = "ValidatingAdmissionPolicyBinding";

export interface VapDocument {
  readonly file: string;
  readonly doc: ParsedDocument;
  readonly value: Record<string, unknown>;
  readonly name: string;
}

export interface VapDocuments {
  readonly policies: readonly VapDocument[];
  readonly bindings: readonly VapDocument[];
  readonly problems: readonly Problem[];
}

function nameOf(value: Record<string, unknown>): string {
  const metadata = value.metadata;
  return isPlainObject(metadata) && typeof metadata.name === "string" ? metadata.name : "";
}

/** Whether a text holds an admissionregistration document (a cheap test before parsing). */
export function mentionsVap(text: string): boolean {
  return text.includes(VAP_GROUP) && text.includes(POLICY_KIND);
}

export function readVapDocuments(sources: readonly PolicySource[]): VapDocuments {
  const policies: VapDocument[] = [];
  const bindings: VapDocument[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, VapDocument>();
  for (const source of sources) {
    if (!mentionsVap(source.text)) continue;
    const read = readAdmissionFile(source, "ValidatingAdmissionPolicy");
    problems.push(...read.problems);
    for (const { doc, value } of read.documents) {
      if (typeof value.apiVersion !== "string") continue;
      const [group, version] = value.apiVersion.split("/");
      if (group !== VAP_GROUP || !VERSIONS.includes(version ?? "")) continue;
      if (value.kind !== POLICY_KIND && value.kind !== BINDING_KIND) continue;
      const placed = { file: source.path, doc, value, name: nameOf(value) };
      const what = `${value.kind} ${placed.name || "(no name)"}`;
      if (placed.name === "") {
        problems.push({
          file: source.path,
          line: doc.kindLine,
          message: `${what} has no metadata.name`,
        });
        continue;
      }
      const key = `${value.kind}/${placed.name}`;
      const first = seen.get(key);
      if (first) {
        problems.push({
          file: source.path,
          line: doc.kindLine,
          message: `${what} is also defined at ${first.file}:${first.doc.kindLine}`,
        });
        continue;
      }
      seen.set(key, placed);
      (value.kind === POLICY_KIND ? policies : bindings).push(placed);
    }
  }
  return { policies, bindings, problems };
}

/** The line of `path` in a document (the nearest parent that exists). */
export function lineIn(d: VapDocument, path: JsonPath): PolicyLocation {
  return { file: d.file, line: d.doc.locate(path).lines.start };
}
