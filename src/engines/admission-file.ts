// One file of the admission folders as an engine reads it (Gatekeeper, Kyverno, ValidatingAdmission
// Policy): its mapping documents, and what could not be read at its line, named for the engine.
import { isPlainObject } from "../core/plain-data.js";
import type { PolicySource } from "../ports/policy-compiler.js";
import { parseManifest, type ParsedDocument, type ParsedFile } from "../yaml/index.js";
import type { Problem } from "./engine.js";

export interface AdmissionDocument {
  readonly doc: ParsedDocument;
  readonly value: Record<string, unknown>;
}

/**
 * Each source's reading, once: the engines of a run are given the same source objects
 * (admission-reads.ts), so a file is parsed once per run, and forgotten with the run's sources.
 */
const parsedSources = new WeakMap<PolicySource, ParsedFile>();

function parsedOnce(source: PolicySource): ParsedFile {
  let parsed = parsedSources.get(source);
  if (!parsed || parsed.text !== source.text || parsed.file !== source.path) {
    parsed = parseManifest(source.path, source.text);
    parsedSources.set(source, parsed);
  }
  return parsed;
}

/** The mapping documents of `source`; its reading problems say "<engine> file could not be read". */
export function readAdmissionFile(
  source: PolicySource,
  engine: string,
): { readonly documents: AdmissionDocument[]; readonly problems: Problem[] } {
  const parsed = parsedOnce(source);
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
