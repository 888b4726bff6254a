// Maps a field of a rendered resource back to the line a human edits: the patch that set it, else
// the field in the resource's source file, else that resource's kind line.
import { posix } from "node:path";
import { parse } from "yaml";
import type { PatchSource, PatchTarget } from "./kustomize-tree.js";
import { parseManifest, type ParsedDocument, type ParsedFile } from "../yaml/index.js";
import { isPlainObject } from "../core/plain-data.js";
import type { JsonPath, LineRange, ResourceRef } from "../core/types.js";

export const ORIGIN_ANNOTATION = "config.kubernetes.io/origin";
const BUILD_ANNOTATIONS = [ORIGIN_ANNOTATION, "alpha.config.kubernetes.io/transformations"];

/** Where kustomize says a rendered resource came from (repository-relative paths). */
export interface Origin {
  /** The file the resource was read from. */
  readonly file?: string;
  /** For a generated resource: the kustomization that configured the generator, and its kind. */
  readonly configuredIn?: string;
  readonly generator?: string;
}

/** Reads and removes kustomize's build annotations; `originRoot` is what their paths are relative to. */
export function takeOrigin(value: Record<string, unknown>, originRoot: string): Origin {
  const meta = isPlainObject(value.metadata) ? value.metadata : undefined;
  const annotations = meta && isPlainObject(meta.annotations) ? meta.annotations : undefined;
  if (!meta || !annotations) return {};
  const text = annotations[ORIGIN_ANNOTATION];
  for (const key of BUILD_ANNOTATIONS) delete annotations[key];
  if (Object.keys(annotations).length === 0) delete meta.annotations;
  if (typeof text !== "string") return {};
  let origin: unknown;
  try {
    origin = parse(text);
  } catch {
    return {};
  }
  if (!isPlainObject(origin)) return {};
  const repoPath = (p: unknown) =>
    typeof p === "string" && !isRemote(origin as Record<string, unknown>)
      ? posix.normalize(posix.join(originRoot, p))
      : undefined;
  const by = isPlainObject(origin.configuredBy) ? origin.configuredBy : {};
  return {
    file: repoPath(origin.path),
    configuredIn: repoPath(origin.configuredIn),
    generator: typeof by.kind === "string" ? by.kind : undefined,
  };
}

function isRemote(origin: Record<string, unknown>): boolean {
  return typeof origin.repo === "string" && origin.repo !== "";
}

// --- paths across lists ----------------------------------------------------------------------

/** Keys that identify an element of a Kubernetes list (strategic merge keys, most common first). */
const MERGE_KEYS = [
  "name",
  "mountPath",
  "containerPort",
  "devicePath",
  "ip",
  "topologyKey",
  "key",
  "port",
];

function sameElement(rendered: unknown, candidate: unknown): boolean {
  if (!isPlainObject(rendered)) return rendered === candidate;
  if (!isPlainObject(candidate)) return false;
  for (const key of MERGE_KEYS) {
    if (rendered[key] === undefined || typeof rendered[key] === "object") continue;
    return candidate[key] === rendered[key];
  }
  return false;
}

/**
 * `path` (a path in `rendered`) as a path in `source`: list indexes are matched by merge key
 * (`name`, `mountPath`...), since a patch or a base lists elements in an order of its own. Stops
 * at the first step `source` lacks; `complete` says whether it got to the end.
 */
export function translatePath(
  rendered: unknown,
  path: JsonPath,
  source: unknown,
  sameIndexFallback: boolean,
): { path: JsonPath; complete: boolean } {
  const out: (string | number)[] = [];
  let r = rendered;
  let s = source;
  for (const step of path) {
    if (typeof step === "number" && Array.isArray(r) && Array.isArray(s)) {
      const element = r[step];
      let index = s.findIndex((c) => sameElement(element, c));
      if (index < 0 && sameIndexFallback && s.length === r.length && step < s.length) index = step;
      if (index < 0) return { path: out, complete: false };
      out.push(index);
      r = element;
      s = s[index];
    } else if (typeof step === "string" && isPlainObject(s) && Object.hasOwn(s, step)) {
      out.push(step);
      r = isPlainObject(r) ? r[step] : undefined;
      s = s[step];
    } else {
      return { path: out, complete: false };
    }
  }
  return { path: out, complete: true };
}

// --- patches -----------------------------------------------------------------------------------

/** A patch's text read into documents, with a way back to lines of the file that holds it. */
export interface LoadedPatch {
  readonly source: PatchSource;
  readonly documents: readonly ParsedDocument[];
  /** The line in `source.file` of line `line` (1-based) of the patch text. */
  readonly fileLine: (line: number) => number;
}

/** Reads a patch (a file, or a string inside a document of a file) into documents. */
export function loadPatch(
  source: PatchSource,
  file: (path: string) => ParsedFile | undefined,
): LoadedPatch | undefined {
  const holder = file(source.file);
  if (!holder) return undefined;
  if (!source.inline) return { source, documents: holder.documents, fileLine: (line) => line };
  const doc = holder.documents.find((d) => d.index === source.inline!.documentIndex);
  let text: unknown = doc?.value;
  for (const step of source.inline.path)
    text =
      Array.isArray(text) || isPlainObject(text)
        ? (text as Record<string, unknown>)[step]
        : undefined;
  if (!doc || typeof text !== "string") return undefined;
  const inner = parseManifest(`${source.file}#inline`, text);
  const path = source.inline.path;
  return {
    source,
    documents: inner.documents,
    fileLine: (line) => doc.locateInString(path, line - 1) ?? doc.locate(path).lines.start,
  };
}

function apiGroup(apiVersion: string | undefined): { group: string; version: string } {
  const v = apiVersion ?? "";
  const slash = v.indexOf("/");
  return slash < 0
    ? { group: "", version: v }
    : { group: v.slice(0, slash), version: v.slice(slash + 1) };
}

function fullMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  try {
    return new RegExp(`^(?:${pattern})$`).test(value);
  } catch {
    return pattern === value;
  }
}

/** `a=b,c!=d,e`: kustomize's selector syntax, the equality forms; anything else counts as a match. */
function selectorMatches(selector: string, labels: Record<string, unknown>): boolean {
  for (const term of selector
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean)) {
    const m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) {
      const has = labels[m[1]!] === m[3];
      if (m[2] === "!=" ? has : !has) return false;
    } else if (/^[\w./-]+$/.test(term) && !(term in labels)) return false;
    else if (/^![\w./-]+$/.test(term) && term.slice(1) in labels) return false;
  }
  return true;
}

/** What a patch is matched against: the resource as rendered, and the name in its source. */
export interface PatchedResource {
  readonly value: Record<string, unknown>;
  readonly resource: ResourceRef;
  readonly sourceName?: string;
}

function namesOf(res: PatchedResource): string[] {
  return [res.resource.name, res.sourceName].filter((n): n is string => n !== undefined);
}

function targetMatches(target: PatchTarget, res: PatchedResource): boolean {
  const { group, version } = apiGroup(res.resource.apiVersion);
  if (target.kind !== undefined && target.kind !== res.resource.kind) return false;
  if (target.group !== undefined && target.group !== group) return false;
  if (target.version !== undefined && target.version !== version) return false;
  if (target.name !== undefined && !namesOf(res).some((n) => fullMatch(target.name!, n)))
    return false;
  if (target.namespace !== undefined && !fullMatch(target.namespace, res.resource.namespace ?? ""))
    return false;
  const meta = isPlainObject(res.value.metadata) ? res.value.metadata : {};
  const labels = isPlainObject(meta.labels) ? meta.labels : {};
  const annotations = isPlainObject(meta.annotations) ? meta.annotations : {};
  if (target.labelSelector && !selectorMatches(target.labelSelector, labels)) return false;
  if (target.annotationSelector && !selectorMatches(target.annotationSelector, annotations))
    return false;
  return true;
}

/** A strategic merge patch document aims at a resource by kind and name (before outer prefixes). */
function documentAims(doc: ParsedDocument, res: PatchedResource, target?: PatchTarget): boolean {
  if (target && !targetMatches(target, res)) return false;
  if (target?.name !== undefined || target?.kind !== undefined) return true;
  if (doc.resource.kind !== undefined && doc.resource.kind !== res.resource.kind) return false;
  const name = doc.resource.name;
  if (name === undefined) return true;
  // The name in the resource's own file is what a patch names: exact. Without it (no origin),
  // the rendered name may carry a namePrefix/nameSuffix, which are joined with a dash or not at
  // all; a patch for "api" must never claim "api-worker" when the source name is known.
  if (res.sourceName !== undefined) return res.sourceName === name;
  const rendered = res.resource.name ?? "";
  return rendered === name || rendered.endsWith(name);
}

function pointer(path: string): (string | number)[] {
  return path
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** How many leading steps of `path` the JSON pointer covers, or -1 when it is not a prefix. */
function coveredSteps(op: (string | number)[], path: JsonPath): number {
  if (op.length > path.length) return -1;
  for (let i = 0; i < op.length; i++) {
    const o = op[i];
    if (o === "-" && typeof path[i] === "number") continue;
    if (String(o) !== String(path[i])) return -1;
  }
  return op.length;
}

/** The lines a JSON 6902 patch gives for `path`, when one of its operations sets or removes it. */
function locateInJsonPatch(doc: ParsedDocument, path: JsonPath): { lines: LineRange } | undefined {
  const ops = Array.isArray(doc.value) ? doc.value : [];
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i];
    if (!isPlainObject(op) || typeof op.path !== "string" || typeof op.op !== "string") continue;
    const covered = coveredSteps(pointer(op.path), path);
    if (covered < 0) continue;
    if (op.op === "remove") return { lines: doc.locate([i]).lines };
    if (op.op !== "add" && op.op !== "replace" && op.op !== "copy" && op.op !== "move") continue;
    if (op.op === "copy" || op.op === "move") return { lines: doc.locate([i, "from"]).lines };
    const rest = translatePath(undefined, path.slice(covered), op.value, false);
    return { lines: doc.locate([i, "value", ...rest.path]).lines };
  }
  return undefined;
}

/** Where a rendered field is written: a file, its lines, and the document and path there when known. */
export interface SourcePlace {
  readonly file: string;
  readonly lines: LineRange;
  readonly documentIndex?: number;
  /** The document's value and the field's path in it (a strategic merge patch or a source resource). */
  readonly source?: { readonly value: unknown; readonly path: JsonPath };
}

/** The patch lines that set `path` of `res`, from the patch applied last that sets it. */
export function locateInPatches(
  patches: readonly LoadedPatch[],
  res: PatchedResource,
  path: JsonPath,
): SourcePlace | undefined {
  for (let p = patches.length - 1; p >= 0; p--) {
    const patch = patches[p]!;
    const docs = patch.documents;
    const toFile = (lines: LineRange) => ({
      file: patch.source.file,
      lines: { start: patch.fileLine(lines.start), end: patch.fileLine(lines.end) },
    });
    const json = patch.source.json6902 ?? (docs.length === 1 && Array.isArray(docs[0]!.value));
    if (json) {
      if (!patch.source.target || !targetMatches(patch.source.target, res)) continue;
      for (const doc of docs) {
        const found = locateInJsonPatch(doc, path);
        if (found) return toFile(found.lines);
      }
      continue;
    }
    for (let d = docs.length - 1; d >= 0; d--) {
      const doc = docs[d]!;
      if (!isPlainObject(doc.value) || !documentAims(doc, res, patch.source.target)) continue;
      const translated = translatePath(res.value, path, doc.value, false);
      if (!translated.complete) continue;
      const place = toFile(doc.locate(translated.path).lines);
      // An inline patch's documents are not documents of the file: no index, no fix there.
      if (patch.source.inline) return place;
      return {
        ...place,
        documentIndex: doc.index,
        source: { value: doc.value, path: translated.path },
      };
    }
  }
  return undefined;
}

// --- origin ------------------------------------------------------------------------------------

/** The document of a rendered resource in its source file: same kind, the name it had there. */
export function originDocument(
  file: ParsedFile,
  resource: ResourceRef,
): ParsedDocument | undefined {
  const sameKind = file.documents.filter((d) => d.resource.kind === resource.kind);
  const name = resource.name ?? "";
  const exact = sameKind.find((d) => d.resource.name === name);
  if (exact) return exact;
  // Outer kustomizations add prefixes and suffixes: the longest source name inside the rendered one.
  const inside = sameKind
    .filter((d) => d.resource.name !== undefined && name.includes(d.resource.name))
    .sort((a, b) => b.resource.name!.length - a.resource.name!.length);
  return inside[0] ?? (sameKind.length === 1 ? sameKind[0] : undefined);
}

/** The entry of a kustomization's generator that made a generated resource (its name is a prefix). */
export function generatorEntry(
  kustomization: ParsedDocument,
  generator: string | undefined,
  resource: ResourceRef,
): JsonPath {
  const key = generator === "SecretGenerator" ? "secretGenerator" : "configMapGenerator";
  const value = isPlainObject(kustomization.value) ? kustomization.value[key] : undefined;
  if (!Array.isArray(value)) return [key];
  const name = resource.name ?? "";
  const index = value.findIndex(
    (e) => isPlainObject(e) && typeof e.name === "string" && name.includes(e.name),
  );
  return index < 0 ? [key] : [key, index];
}

/**
 * A path of a rendered resource (a fix's) as a path of the source document: the steps the source
 * has, translated, then the new keys a fix would add. Undefined when a list element is not there.
 */
export function sourcePathOf(
  rendered: unknown,
  path: JsonPath,
  source: unknown,
): JsonPath | undefined {
  const t = translatePath(rendered, path, source, true);
  const rest = path.slice(t.path.length);
  return rest.every((step) => typeof step === "string") ? [...t.path, ...rest] : undefined;
}
