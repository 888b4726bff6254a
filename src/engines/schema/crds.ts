// The repository's CustomResourceDefinitions (at the base commit in a review, the working tree in
// `check`): their schemas validate the custom resources no built-in or bundled schema covers.
import { readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { readableEntries, whyUnreadable } from "../../adapters/fs/unreadable.js";
import { compareText } from "../../core/compare-text.js";
import { isKustomizationFile, isYamlOrJson } from "../../core/file-role.js";
import { INVENTORY_MAX_FILES } from "../../core/limits.js";
import { parseManifest } from "../../yaml/index.js";
import type { PolicyFiles } from "../repository-files.js";

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

/** Every CRD of the repository's YAML/JSON files (the first INVENTORY_MAX_FILES of them). */
export async function repositoryCRDs(files: PolicyFiles): Promise<unknown[]> {
  const paths = (await files.list(["."]))
    .filter(
      (p) => isYamlOrJson(p) && !isKustomizationFile(p) && !/(^|\/)(node_modules|\.git)\//.test(p),
    )
    .slice(0, INVENTORY_MAX_FILES);
  const out: unknown[] = [];
  for (const source of await files.read(paths)) {
    if (!source.text.includes("CustomResourceDefinition")) continue;
    for (const d of parseManifest(source.path, source.text).documents)
      if (isCRD(d.value)) {
        noteLocation(d.value, source.path, d.lines.start);
        out.push(d.value);
      }
  }
  return out;
}

const SKIPPED_FOLDERS = new Set(["node_modules", ".git"]);

/**
 * The YAML/JSON files (not kustomization files) of the working tree at `root`, without
 * node_modules and .git, in name order, at most `max`: `visit` is given each path; the walk stops
 * when it returns false. `refuse` is told each folder or file the walk cannot read.
 */
function walkManifestFiles(
  root: string,
  max: number,
  visit: (path: string) => boolean,
  refuse: (path: string, why: string) => void = () => undefined,
): void {
  let files = 0;
  let stop = false;
  const walk = (dir: string, depth: number) => {
    if (depth > 32 || files >= max || stop) return;
    const entries = readableEntries(dir, refuse);
    for (const e of entries.sort((a, b) => compareText(a.name, b.name))) {
      if (stop) return;
      const path = join(dir, e.name);
      if (e.isDirectory() && !SKIPPED_FOLDERS.has(e.name)) walk(path, depth + 1);
      else if (e.isFile() && isYamlOrJson(e.name) && !isKustomizationFile(e.name)) {
        if (++files > max) return;
        stop = !visit(path);
      }
    }
  };
  walk(root, 0);
}

/**
 * `check`'s CRDs: those of the working tree at `root` (without node_modules and .git, at most
 * INVENTORY_MAX_FILES YAML/JSON files), so that checking one folder still sees the repository's
 * CRDs in another. The `known` files (absolute paths) are counted but not read: the caller has
 * their CRDs. A folder or file the walk cannot read fails it (a CRD there would be missed, its
 * resources only noted as without a schema): it is read only when a kind has no other schema.
 */
export function workingTreeCRDs(root: string, known: ReadonlySet<string> = new Set()): unknown[] {
  const out: unknown[] = [];
  const refuse = (path: string, why: string): never => {
    const at = relative(root, path).split(sep).join("/") || ".";
    throw new Error(`${at}: ${why}: the CRDs in it cannot be searched`);
  };
  const visit = (path: string) => {
    if (known.has(path)) return true;
    let text;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      return refuse(path, `a file that cannot be read (${whyUnreadable(err)})`);
    }
    if (text.includes("CustomResourceDefinition"))
      for (const d of parseManifest(path, text).documents)
        if (isCRD(d.value)) {
          noteLocation(d.value, relative(root, path).split(sep).join("/"), d.lines.start);
          out.push(d.value);
        }
    return true;
  };
  walkManifestFiles(root, INVENTORY_MAX_FILES, visit, refuse);
  return out;
}

/** Whether the working tree at `root` holds at most `max` YAML/JSON files (a walk, no reading). */
export function fewManifestFiles(root: string, max: number): boolean {
  let count = 0;
  walkManifestFiles(root, max + 1, () => ++count <= max);
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
