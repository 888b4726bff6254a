// Flux post-build substitution of a rendered build: the variables the repository tells, and each
// rendered document's text substituted and read again, as kustomize-controller does.
import { SUBSTITUTE_DISABLED, substituteText, type SubstitutionVars } from "./flux-substitute.js";
import type { ControllerTarget } from "./gitops-controllers.js";
import { isPlainObject } from "../core/plain-data.js";
import { parseManifest, type ParsedDocument, type ParseLimits } from "../yaml/index.js";
import type { Side } from "./render-side.js";
import { MAX_CONTROLLER_SCAN_FILES } from "./render-targets.js";

/**
 * Flux `postBuild`: `substitute` values over `substituteFrom` sources in order. A ConfigMap of the
 * repository (by name, in the Kustomization's namespace) gives its values; a Secret only its
 * keys (its values are never read); a source not in the repository leaves any variable open.
 */
export async function substitutionOf(
  side: Side,
  target: ControllerTarget,
): Promise<SubstitutionVars | undefined> {
  const sub = target.substitute;
  if (!sub) return undefined;
  // The sources are looked for among the YAML files the controller scan reads, at this side.
  const scanned = [...side.tree.paths()]
    .filter((p) => /\.ya?ml$/i.test(p))
    .sort()
    .slice(0, MAX_CONTROLLER_SCAN_FILES);
  if (sub.from.length > 0) await side.read(scanned);
  const files = scanned.flatMap((p) => {
    const bytes = side.bytes.get(p);
    const text = bytes ? Buffer.from(bytes).toString("utf8") : "";
    if (!sub.from.some((f) => text.includes(f.name))) return [];
    const file = side.file(p);
    return file ? [file] : [];
  });
  const fromSources: Record<string, string> = {};
  const unknown = new Map<string, string>();
  let external: string | undefined;
  const namespace = target.controller.namespace;
  for (const from of sub.from) {
    let found = false;
    for (const file of files)
      for (const doc of file.documents) {
        const v = doc.value;
        if (!isPlainObject(v) || v.kind !== from.kind || doc.resource.name !== from.name) continue;
        if (namespace && doc.resource.namespace && doc.resource.namespace !== namespace) continue;
        found = true;
        for (const key of from.kind === "Secret" ? ["data", "stringData"] : ["data"]) {
          const data = isPlainObject(v[key]) ? v[key] : {};
          for (const [k, x] of Object.entries(data)) {
            if (from.kind === "Secret") {
              unknown.set(k, `Secret ${from.name}`);
              delete fromSources[k];
            } else {
              fromSources[k] = String(x).replace(/\n/g, "");
              unknown.delete(k);
            }
          }
        }
      }
    if (!found) external ??= `${from.kind} ${from.name}`;
  }
  const values: Record<string, string> = external ? {} : fromSources;
  for (const [k, v] of Object.entries(sub.values)) {
    values[k] = v.replace(/\n/g, "");
    unknown.delete(k);
  }
  return { values, unknown, ...(external ? { external } : {}) };
}

function disabled(value: unknown): boolean {
  const meta = isPlainObject(value) && isPlainObject(value.metadata) ? value.metadata : {};
  return [meta.labels, meta.annotations].some(
    (m) => isPlainObject(m) && m[SUBSTITUTE_DISABLED] === "disabled",
  );
}

/**
 * The rendered documents with their variables substituted on their YAML text and read again
 * through the manifest reader; a document whose result cannot be known is left out with why.
 */
export function substituteDocuments(
  name: string,
  yaml: string,
  documents: readonly ParsedDocument[],
  vars: SubstitutionVars,
  limits: ParseLimits,
): { documents: ParsedDocument[]; notEvaluated: string[] } {
  const texts = yaml.split(/^---[ \t]*$/m).filter((t) => t.trim() !== "");
  // Each document's own text is needed: when the split does not give them, nothing is guessed.
  if (texts.length !== documents.length)
    return {
      documents: [],
      notEvaluated: [
        `its rendered output could not be split into documents for post-build substitution`,
      ],
    };
  const out: ParsedDocument[] = [];
  const notEvaluated: string[] = [];
  documents.forEach((doc, i) => {
    const text = texts[i]!;
    if (!text.includes("${") || disabled(doc.value)) return void out.push(doc);
    const what = doc.resource.kind
      ? `${doc.resource.kind} ${doc.resource.name ?? ""}`.trim()
      : `document ${i + 1}`;
    const substituted = substituteText(text, vars);
    if ("notEvaluated" in substituted)
      return void notEvaluated.push(`${what}: ${substituted.notEvaluated}`);
    const read = parseManifest(name, substituted.text, limits);
    if (read.problems.length > 0)
      return void notEvaluated.push(
        `${what}: after post-build substitution it does not read as YAML (${read.problems[0]!.message})`,
      );
    out.push(...read.documents);
  });
  return { documents: out, notEvaluated };
}
