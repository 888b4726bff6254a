// The values of a Helm release at one side of a review: each source (inline, a values text, a
// file, a ConfigMap of the repository) read, with the line of any key in it.
import { posix } from "node:path";
import type { HelmReleaseTarget, ValuesSource } from "./helm-releases.js";
import { isPlainObject } from "../core/plain-data.js";
import type { JsonPath } from "../core/types.js";
import { parseManifest, type ParsedFile } from "../yaml/index.js";
import { fieldAt, type Place } from "./render-helm-chart.js";
import type { Side } from "./render-side.js";

/** Where the generated values files (a release's inline values) go in the build's copy. */
const VALUES_DIR = ".portcullis-values";

/** A values source as read at one side: its values, and the line of any key in it. */
export interface ReadValues {
  readonly buildPath: string;
  readonly content: Uint8Array;
  readonly value: unknown;
  readonly locate: (key: JsonPath) => { file: ParsedFile; line: number } | undefined;
}

/** The repository's ConfigMap of that name (and namespace, when both say one), among the scanned files. */
export function findConfigMap(
  side: Side,
  files: readonly string[],
  name: string,
  namespace: string | undefined,
): Place | undefined {
  for (const path of files) {
    const bytes = side.bytes.get(path);
    if (!bytes || !Buffer.from(bytes).includes("ConfigMap")) continue;
    const file = side.file(path);
    const doc = file?.documents.find(
      (d) =>
        isPlainObject(d.value) &&
        d.value.kind === "ConfigMap" &&
        d.resource.name === name &&
        (!namespace || !d.resource.namespace || d.resource.namespace === namespace),
    );
    if (file && doc) return { file, doc, path: [] };
  }
  return undefined;
}

/** A YAML string inside a document (`helm.values`, a ConfigMap key), with its keys' lines in the file. */
function valuesInString(place: Place, buildPath: string, text: string): ReadValues {
  const inner = parseManifest(buildPath, text).documents[0];
  return {
    buildPath,
    content: new TextEncoder().encode(text),
    value: inner?.value,
    locate: (key) => {
      if (!inner) return undefined;
      const offset = inner.locate(key).lines.start - 1;
      const line = place.doc.locateInString(place.path, offset);
      // An Application a chart rendered: where its whole values text was set.
      if (line === undefined) return place.at ? place.at(place.path) : undefined;
      return { file: place.file, line };
    },
  };
}

/** Each values source of a release at one side, read; or why the release cannot be rendered. */
export function readValues(
  side: Side,
  release: HelmReleaseTarget,
  place: Place,
  scanned: readonly string[],
): ReadValues[] | string {
  const out: ReadValues[] = [];
  for (const [i, source] of release.values.entries()) {
    const buildPath = `${VALUES_DIR}/${i}.yaml`;
    const read = readOne(side, source, place, scanned, buildPath);
    if (typeof read === "string") return read;
    if (read) out.push(read);
  }
  return out;
}

function readOne(
  side: Side,
  source: ValuesSource,
  place: Place,
  scanned: readonly string[],
  buildPath: string,
): ReadValues | string | undefined {
  if (source.kind === "inline") {
    // (A rendered Application stands in with no lines of its own: its value is read directly.)
    const value = valueAt(place.doc.value, source.path) ?? {};
    return {
      buildPath,
      content: new TextEncoder().encode(`${JSON.stringify(value)}\n`),
      value,
      locate: (key) => fieldAt(place, [...source.path, ...key]),
    };
  }
  if (source.kind === "inline-text") {
    const text = valueAt(place.doc.value, source.path);
    return valuesInString({ ...place, path: source.path }, buildPath, String(text ?? ""));
  }
  if (source.kind === "file") {
    const file = side.file(source.file);
    const content = side.bytes.get(source.file);
    if (!file || !content) return `its values file ${source.file} could not be read`;
    const doc = file.documents[0];
    return {
      buildPath: source.file,
      content,
      value: doc?.value,
      locate: (key) => (doc ? { file, line: doc.locate(key).lines.start } : undefined),
    };
  }
  const found = findConfigMap(side, scanned, source.name, source.namespace);
  const text = found ? valueAt(found.doc.value, ["data", source.key]) : undefined;
  if (typeof text !== "string")
    return source.optional
      ? undefined
      : `its values come from ConfigMap ${source.name} (key ${source.key}), which is not in the repository`;
  const read = valuesInString({ ...found!, path: ["data", source.key] }, buildPath, text);
  if (!source.targetPath) return read;
  // Flux sets the whole text at a dotted path; the keys keep their names (and their lines).
  const wrapped = source.targetPath
    .split(".")
    .reverse()
    .reduce<unknown>((v, k) => ({ [k]: v }), text);
  return { ...read, content: new TextEncoder().encode(`${JSON.stringify(wrapped)}\n`) };
}

export function valueAt(value: unknown, path: JsonPath): unknown {
  let v = value;
  for (const step of path)
    v = Array.isArray(v) || isPlainObject(v) ? (v as Record<string, unknown>)[step] : undefined;
  return v;
}

/** The repository chart's own values.yaml, read (where a rendered Application's values may be set). */
export async function chartDefaults(
  side: Side,
  release: HelmReleaseTarget,
  place: Place,
): Promise<ReadValues[]> {
  if (release.remote || release.chartDir === undefined) return [];
  const file = posix.join(release.chartDir, "values.yaml");
  if (!side.tree.hasFile(file)) return [];
  await side.read([file]);
  const read = readOne(side, { kind: "file", file }, place, [], file);
  return read && typeof read !== "string" ? [read] : [];
}
