// One file of the admission folders as an engine reads it (Gatekeeper, Kyverno, ValidatingAdmission
// Policy): its mapping documents, and what could not be read at its line, named for the engine.
import { isPlainObject } from "../core/plain-data.js";
import type { PolicySource } from "../ports/policy-compiler.js";
import { parseManifest, type ParsedDocument } from "../yaml/index.js";
import type { Problem } from "./engine.js";

export interface AdmissionDocument {
  readonly doc: ParsedDocument;
  readonly value: Record<string, unknown>;
}

/** The mapping documents of `source`; its reading problems say "<engine> file could not be read". */
export function readAdmissionFile(
  source: PolicySource,
  engine: string,
): { readonly documents: AdmissionDocument[]; readonly problems: Problem[] } {
  const parsed = parseManifest(source.path, source.text);
  return {
    problems: parsed.problems.map((p) => ({
      file: source.path,
      line: p.line,
      message: `${engine} file could not be read: ${p.message}`,
    })),
    documents: parsed.documents.flatMap((doc) =>
      isPlainObject(doc.value) ? [{ doc, value: doc.value }] : [],
    ),
  };
}
