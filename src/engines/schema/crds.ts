// The repository's CustomResourceDefinitions (at the base commit in a review, the working tree in
// `check`): their schemas validate the custom resources no built-in or bundled schema covers.
import { basename, join, relative, sep } from "node:path";
import picomatch from "picomatch";
import { readableEntries, whyUnreadable } from "../../adapters/fs/unreadable.js";
import { compareText } from "../../core/compare-text.js";
import { isKustomizationFile, isYamlOrJson } from "../../core/file-role.js";
import { INVENTORY_MAX_FILES, MAX_FILE_BYTES } from "../../core/limits.js";
import { parseManifest } from "../../yaml/index.js";
import type { PolicyFiles } from "../repository-files.js";
import type { SchemaFinding } from "./kube-schema.js";
import { crdSearchText } from "./crd-text.js";

/** Where each CRD read from the repository's files was found: its file and first line. */
const crdLocations = new WeakMap<object, { readonly file: string; readonly line: number }>();

const noteLocation = (crd: unknown, file: string, line: number) =>
  crdLocations.set(crd as object, { file, line });

export function isCRD(v: unknown): boolean {
  const o = v as Record<string, unknown> | null;
  return (
    o !== null &&
    typeof o === "object" &&
    o.kind === "CustomResourceDefinition" &&
    o.apiVersion === "apiextensions.k8s.io/v1"
  );
}

/**
 * The repository's CRDs, and what the search of them left out: `unreadable`, a place it could not
 * read (a document still without a schema is then not validated: an error at it); `cut`, where it
 * stopped at a limit (said in that document's PCV007 notice).
 */
export interface CrdSearch {
  readonly crds: unknown[];
  readonly unreadable?: string;
  readonly cut?: string;
}

const MAX_DEPTH = 32;
const cutAtFile = (path: string) =>
  `the CRD search reads at most ${INVENTORY_MAX_FILES} YAML/JSON files: ${path} and those after it were not searched`;

/** Every CRD of the repository's YAML/JSON files (the first INVENTORY_MAX_FILES of them). */
export async function repositoryCRDs(files: PolicyFiles): Promise<CrdSearch> {
  const all = (await files.list(["."])).filter(
    (p) => isYamlOrJson(p) && !isKustomizationFile(p) && !/(^|\/)(node_modules|\.git)\//.test(p),
  );
  const paths = all.slice(0, INVENTORY_MAX_FILES);
  const crds: unknown[] = [];
  for (const source of await files.read(paths)) {
    if (!source.text.includes("CustomResourceDefinition")) continue;
    for (const d of parseManifest(source.path, source.text).documents)
      if (isCRD(d.value)) {
        noteLocation(d.value, source.path, d.lines.start);
        crds.push(d.value);
      }
  }
  const next = all[INVENTORY_MAX_FILES];
  return next === undefined ? { crds } : { crds, cut: cutAtFile(next) };
}

const SKIPPED_FOLDERS = new Set(["node_modules", ".git"]);

interface Walk {
  /** Given each path; the walk stops when it returns false. */
  visit(path: string): boolean;
  /** Told each folder or file the walk cannot read. */
  refuse?(path: string, why: string): void;
  /** Told the first folder (past MAX_DEPTH) or file (past `max`) the walk does not read. */
  cut?(path: string, why: "depth" | "files"): void;
}

const mayHoldCRDs = (name: string) => isYamlOrJson(name) && !isKustomizationFile(name);

/**
 * The YAML/JSON files (not kustomization files) of the working tree at `root`, without
 * node_modules and .git, in name order, at most `max`, at most MAX_DEPTH folders deep.
 */
function walkManifestFiles(root: string, max: number, how: Walk): void {
  let files = 0;
  let stop = false;
  const walk = (dir: string, depth: number) => {
    if (depth > MAX_DEPTH) return how.cut?.(dir, "depth");
    const entries = readableEntries(dir, (path, why) => {
      // A file whose name says it is not YAML/JSON cannot hold a CRD, whatever else its name is.
      if (why.startsWith("a folder") || mayHoldCRDs(basename(path))) how.refuse?.(path, why);
    });
    for (const e of entries.sort((a, b) => compareText(a.name, b.name))) {
      if (stop) return;
      const path = join(dir, e.name);
      if (e.isDirectory() && !SKIPPED_FOLDERS.has(e.name)) walk(path, depth + 1);
      else if (e.isFile() && mayHoldCRDs(e.name)) {
        if (++files > max) {
          stop = true;
          return how.cut?.(path, "files");
        }
        stop = !how.visit(path);
      }
    }
  };
  walk(root, 0);
}

/**
 * `check`'s CRDs: those of the working tree at `root` (without node_modules and .git, at most
 * INVENTORY_MAX_FILES YAML/JSON files, MAX_DEPTH folders deep), so that checking one folder still
 * sees the repository's CRDs in another. The `known` files (absolute paths) are counted but not
 * read: the caller has their CRDs. A folder or file the walk cannot read is `unreadable` (the
 * first, and how many more; not one the `exclude` globs match), the first not read at a limit
 * `cut`; the rest is searched. A file past `maxBytes` (the config's limits.maxFileBytes) is not
 * read whole: only one that may hold a CRD is refused (crd-text.ts).
 */
export function workingTreeCRDs(
  root: string,
  known: ReadonlySet<string> = new Set(),
  exclude: readonly string[] = [],
  maxBytes: number = MAX_FILE_BYTES,
): CrdSearch {
  const crds: unknown[] = [];
  const at = (path: string) => relative(root, path).split(sep).join("/") || ".";
  const refused: string[] = [];
  let cut: string | undefined;
  // What the config's exclude globs leave out the user said is not theirs to check, as the
  // repository walk of check's files does (src/adapters/fs/directory-source.ts).
  const excluded = picomatch(exclude as string[], { dot: true });
  const refuse = (path: string, why: string) => {
    if (excluded(at(path)) || excluded(`${at(path)}/`)) return;
    refused.push(`${at(path)}: ${why}: the CRDs in it cannot be searched`);
  };
  const visit = (path: string) => {
    if (known.has(path)) return true;
    let searched;
    try {
      searched = crdSearchText(path, maxBytes);
    } catch (err) {
      refuse(path, `a file that cannot be read (${whyUnreadable(err)})`);
      return true;
    }
    if ("refused" in searched) refuse(path, searched.refused);
    const text = "text" in searched ? searched.text : "";
    if (text.includes("CustomResourceDefinition"))
      for (const d of parseManifest(path, text).documents)
        if (isCRD(d.value)) {
          noteLocation(d.value, at(path), d.lines.start);
          crds.push(d.value);
        }
    return true;
  };
  walkManifestFiles(root, INVENTORY_MAX_FILES, {
    visit,
    refuse,
    cut: (path, why) =>
      (cut ??=
        why === "files"
          ? cutAtFile(at(path))
          : `the CRD search does not go deeper than ${MAX_DEPTH} folders: ${at(path)} was not searched`),
  });
  const more = refused.length > 1 ? ` (and ${refused.length - 1} more places)` : "";
  return {
    crds,
    ...(refused[0] ? { unreadable: `${refused[0]}${more}` } : {}),
    ...(cut ? { cut } : {}),
  };
}

/**
 * A document's findings once the repository's CRDs were tried: still without a schema (PCV007),
 * it is not validated (NOT_VALIDATED, with why) when the search could not read a place, and its
 * notice says where the search stopped at a limit.
 */
export function withSearchGaps(findings: SchemaFinding[], search: CrdSearch): SchemaFinding[] {
  if (!findings.some((f) => f.rule === "PCV007")) return findings;
  if (search.unreadable) return [{ rule: NOT_VALIDATED, path: [], message: search.unreadable }];
  const cut = search.cut;
  if (!cut) return findings;
  return findings.map((f) => (f.rule === "PCV007" ? { ...f, message: `${f.message}; ${cut}` } : f));
}

/** The rule of withSearchGaps' answer for a document that could not be validated. */
export const NOT_VALIDATED = "not-validated";

/** Whether the working tree at `root` holds at most `max` YAML/JSON files (a walk, no reading). */
export function fewManifestFiles(root: string, max: number): boolean {
  let count = 0;
  walkManifestFiles(root, max + 1, { visit: () => ++count <= max });
  return count <= max;
}

type Fields = Record<string, unknown> | undefined;

/**
 * What kube-schema says of the repository's CRDs it cannot use (`crdErrors`: their index in the
 * set sent, `crds` with each one's key), by the group and kind each defines ("group/Kind"): its
 * name, where it was read (the checked files' own CRDs also get their findings at their lines)
 * and why. `keyOf` gives a CRD's key as the set was made with it.
 */
export function unusableCRDs(
  errors: readonly { index: number; message: string }[],
  crds: readonly { key: string }[],
  objects: readonly unknown[],
  keyOf: (crd: unknown) => string,
): Map<string, string> {
  const byKey = new Map<string, unknown>();
  for (const c of objects) {
    const key = keyOf(c);
    if (!byKey.has(key)) byKey.set(key, c);
  }
  const out = new Map<string, string>();
  for (const e of errors) {
    const crd = byKey.get(crds[e.index]?.key ?? "") as Fields;
    const spec = crd?.spec as Fields;
    const group = spec?.group;
    const kind = (spec?.names as Fields)?.kind;
    if (typeof group !== "string" || typeof kind !== "string") continue;
    const where = crdLocations.get(crd as object);
    const name = (crd?.metadata as Fields)?.name;
    const text = `the repository's CRD ${typeof name === "string" ? name : "(no name)"}${where ? ` (${where.file}, line ${where.line})` : ""} cannot be used: ${e.message}`;
    const key = `${group}/${kind}`;
    out.set(key, out.has(key) ? `${out.get(key)!}; ${text}` : text);
  }
  return out;
}

/** A document's PCV007 finding, when a CRD of the repository that defines its kind cannot be used, says so. */
export function explainUnusable<F extends { rule: string; message: string }>(
  document: unknown,
  findings: F[],
  unusable: ReadonlyMap<string, string>,
): F[] {
  const d = document as Fields;
  const apiVersion = d?.apiVersion;
  const kind = d?.kind;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return findings;
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
  const why = unusable.get(`${group}/${kind}`);
  if (!why) return findings;
  return findings.map((f) =>
    f.rule === "PCV007"
      ? { ...f, message: `no usable schema for ${apiVersion} ${kind}: ${why}: not validated` }
      : f,
  );
}
