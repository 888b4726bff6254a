// What a review renders: the folders a change affects, who builds them (Flux Kustomizations,
// Argo CD Applications), and the files each build reads, checked and read.
import { entryRefusal } from "./kustomize-tree.js";
import { posix } from "node:path";
import { isKustomizationFile, isYamlOrJson } from "../core/file-role.js";
import { isKubernetesObject } from "../core/findings.js";
import { gitFilesRead } from "./argocd-apps.js";
import {
  applyOverlay,
  controllerTargetsOf,
  fluxSourcesOf,
  isEmptyOverlay,
  type ControllerRef,
  type ControllerTarget,
  type FluxSources,
} from "./gitops-controllers.js";
import {
  affectedKustomizations,
  pluginRefusal,
  treeOf,
  type Blocked,
  type PatchSource,
} from "./kustomize-tree.js";
import { parseManifest, type ParsedFile } from "../yaml/index.js";
import { isPlainObject } from "../core/plain-data.js";
import { MAX_RENDER_FILES, MAX_RENDER_INPUT_BYTES } from "../core/render-limits.js";
import { loadPatch, type LoadedPatch } from "./render-mapping.js";
import { imageOverridesOf, type ImageOverride } from "./image-overrides.js";
import type { Side } from "./render-side.js";
import { compareText } from "../core/compare-text.js";

/** A folder to build, and who builds it. */ import type { RenderOptions } from "./render-changes.js";

/** YAML files read at the head to find Flux Kustomizations and Argo CD Applications, at most. */
export const MAX_CONTROLLER_SCAN_FILES = 1_000;

export interface Target {
  readonly dir: string;
  readonly controllers: readonly ControllerTarget[];
}

/** The head's Flux Kustomizations and Argo CD Applications that build a folder of this repository. */
export async function findControllers(
  side: Side,
  options: RenderOptions,
  repositoryUrls: readonly string[],
): Promise<{
  targets: ControllerTarget[];
  sources: FluxSources;
  files: ParsedFile[];
  scanned: string[];
}> {
  if (!options.flux && !options.argocd)
    return { targets: [], sources: fluxSourcesOf([], repositoryUrls), files: [], scanned: [] };
  const candidates = [...side.tree.paths()]
    .filter((p) => /\.ya?ml$/i.test(p) && !isKustomizationFile(p))
    .sort()
    .slice(0, MAX_CONTROLLER_SCAN_FILES);
  await side.read(candidates);
  const files = candidates
    .filter((p) => {
      const bytes = side.bytes.get(p);
      if (!bytes) return false;
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return text.includes("fluxcd.io") || text.includes("argoproj.io");
    })
    .map((p) => side.file(p))
    .filter((f): f is ParsedFile => f !== undefined);
  // An ApplicationSet's git files generators read files (often JSON) that the scan did not.
  const paths = [...side.tree.paths()];
  await side.read([
    ...new Set(files.flatMap((f) => f.documents.flatMap((d) => gitFilesRead(d.value, paths)))),
  ]);
  const sources = fluxSourcesOf(files, repositoryUrls, (p) => side.file(p)?.documents[0]?.value);
  return {
    targets: options.kustomize
      ? files.flatMap((f) => controllerTargetsOf(f, side.tree, sources, options))
      : [],
    sources,
    files,
    scanned: candidates,
  };
}

/** What a generated kustomization (a folder without one) lists, as the controller would. */
export function plainResources(
  side: Side,
  dir: string,
  plain: ControllerTarget["plain"],
): string[] {
  const out: string[] = [];
  const pattern = plain.json ? /\.(ya?ml|json)$/i : /\.ya?ml$/i;
  const prefix = dir === "" ? "" : `${dir}/`;
  const subdirs = new Set<string>();
  for (const p of side.tree.filesUnder(dir)) {
    const rest = p.slice(prefix.length);
    const parts = rest.split("/");
    if (parts.length > 1) {
      if (!plain.recurse) continue;
      // A sub-folder with a kustomization of its own is built as one (Flux), not read file by file.
      const sub = parts.slice(0, -1);
      const withKustomization = sub
        .map((_, i) => prefix + sub.slice(0, i + 1).join("/"))
        .find((d) => side.tree.kustomizationOf(d) !== undefined);
      if (withKustomization) {
        subdirs.add(withKustomization);
        continue;
      }
    }
    if (pattern.test(p) && !isKustomizationFile(p)) out.push(p);
  }
  return [...out, ...subdirs];
}

export interface Materialised {
  readonly files: Map<string, Uint8Array>;
  readonly blocked: Blocked[];
  readonly patches: LoadedPatch[];
  /** The `images:` entries of the build's kustomizations, outermost first. */
  readonly images?: ImageOverride[];
  readonly tooLarge?: string;
}

/** The files a target's build reads at one side, checked and read; or why it is not built. */
export async function materialise(side: Side, target: Target): Promise<Materialised | undefined> {
  const controller = target.controllers[0];
  const own = side.tree.kustomizationOf(target.dir);
  const roots = [target.dir];
  const extraFiles: string[] = [];
  let generated: Record<string, unknown> | undefined;
  if (!own) {
    if (!controller || !side.tree.hasDir(target.dir)) return undefined;
    generated = await plainFolder(side, target, controller, roots, extraFiles);
  }
  const blocked: Blocked[] = [];
  componentRoots(side, target, roots, blocked);
  const files = new Set<string>(extraFiles);
  const dirs: string[] = [];
  for (const r of roots) {
    const tree = treeOf(side.nodes, r);
    for (const f of tree.files) files.add(f);
    blocked.push(...tree.blocked);
    dirs.push(...tree.dirs.filter((d) => !dirs.includes(d)));
  }
  await blockPlugins(side, dirs, blocked);
  if (blocked.length > 0) return { files: new Map(), blocked, patches: [] };
  if (files.size > MAX_RENDER_FILES)
    return {
      files: new Map(),
      blocked,
      patches: [],
      tooLarge: `its tree has ${files.size} files, above the limit of ${MAX_RENDER_FILES}`,
    };
  const { files: out, bytes } = await side.contents(files);
  if (bytes > MAX_RENDER_INPUT_BYTES)
    return {
      files: new Map(),
      blocked,
      patches: [],
      tooLarge: `its tree has ${bytes} bytes, above the limit of ${MAX_RENDER_INPUT_BYTES}`,
    };
  // The controller's fields go into the folder's kustomization (a copy: the repository is not edited).
  const overlay = controller?.overlay;
  if (generated || (overlay && !isEmptyOverlay(overlay))) {
    const base =
      generated ??
      (isPlainObject(side.file(own!)?.documents[0]?.value)
        ? (side.file(own!)!.documents[0]!.value as Record<string, unknown>)
        : {});
    const merged = overlay ? applyOverlay(base, overlay) : base;
    const path = own ?? posix.join(target.dir, "kustomization.yaml");
    out.set(path, new TextEncoder().encode(`${JSON.stringify(merged)}\n`));
  }
  // Patches in the order kustomize applies them: the deepest kustomization first, the controller's last.
  const sources: PatchSource[] = [...dirs]
    .reverse()
    .flatMap((d) => side.nodes.get(d)?.patches ?? []);
  for (const c of target.controllers.slice(0, 1)) sources.push(...c.patches);
  if (controller) await side.read([controller.controller.file]);
  const patches = sources
    .map((s) => loadPatch(s, (p) => side.file(p)))
    .filter((p): p is LoadedPatch => p !== undefined);
  const images = dirs.flatMap((d) => imageOverridesOf(side.file(side.nodes.get(d)?.file ?? "")));
  return { files: out, blocked, patches, images };
}

/**
 * A folder a controller builds without a kustomization: kustomize is given one listing its
 * kustomizations (added to `roots`) and manifest files (added to `extraFiles`).
 */
async function plainFolder(
  side: Side,
  target: Target,
  controller: Target["controllers"][number],
  roots: string[],
  extraFiles: string[],
): Promise<Record<string, unknown>> {
  const listed = plainResources(side, target.dir, controller.plain);
  await side.read(listed.filter((p) => side.tree.hasFile(p)));
  const resources: string[] = [];
  for (const p of listed) {
    if (side.tree.kustomizationOf(p) !== undefined) {
      roots.push(p);
      resources.push(posix.relative(target.dir, p) || ".");
    } else if (side.file(p)?.documents.some((d) => isKubernetesObject(d.value))) {
      extraFiles.push(p);
      resources.push(`./${posix.relative(target.dir, p)}`);
    }
  }
  return { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources };
}

/**
 * A controller's own components go through the same checks as a kustomization's entries:
 * kustomize would otherwise load a folder above the root, or try a remote one.
 */
function componentRoots(side: Side, target: Target, roots: string[], blocked: Blocked[]): void {
  const controller = target.controllers[0];
  for (const c of controller?.overlay.components ?? []) {
    const d = posix.normalize(posix.join(target.dir, c));
    const why =
      entryRefusal(target.dir, c, side.tree) ??
      (side.tree.kustomizationOf(d) === undefined
        ? `component ${JSON.stringify(c)} is not a kustomization of this repository`
        : undefined);
    if (why === undefined) {
      roots.push(d);
      continue;
    }
    const ref = controller!.controller;
    const doc = side.file(ref.file)?.documents[ref.documentIndex];
    blocked.push({ file: ref.file, line: doc?.kindLine ?? 1, reason: why });
  }
}

/** Plugin configurations are read before anything runs: only kustomize's built-ins are built. */
async function blockPlugins(
  side: Side,
  dirs: readonly string[],
  blocked: Blocked[],
): Promise<void> {
  const plugins = dirs.flatMap((d) => side.nodes.get(d)?.plugins ?? []);
  await side.read(plugins.flatMap((p) => (p.path ? [p.path] : [])));
  for (const p of plugins) {
    const docs =
      p.inline !== undefined
        ? parseManifest(`${p.file}#inline`, p.inline).documents
        : (side.file(p.path!)?.documents ?? []);
    for (const d of docs) {
      const why = pluginRefusal(d.value);
      if (why) blocked.push({ file: p.file, line: p.line, reason: why });
    }
  }
}

/** The targets of a change: affected kustomizations, and controller objects whose folder it touches. */
export function targetsOf(
  head: Side,
  base: Side,
  changed: { head: Set<string>; base: Set<string> },
  controllers: readonly ControllerTarget[],
): Target[] {
  const dirs = new Set([
    ...affectedKustomizations(head.nodes, changed.head),
    ...affectedKustomizations(base.nodes, changed.base),
  ]);
  const byKey = new Map<string, { dir: string; controllers: ControllerTarget[] }>();
  const controlled = new Set<string>();
  for (const c of controllers) {
    const own = head.tree.kustomizationOf(c.dir);
    // What the controller builds: the folder's kustomization tree, or its files and the trees
    // of its sub-folders that have a kustomization (no kustomization of its own).
    const reads = own
      ? [...treeOf(head.nodes, c.dir).files]
      : plainResources(head, c.dir, c.plain).flatMap((p) =>
          head.tree.kustomizationOf(p) !== undefined ? [...treeOf(head.nodes, p).files] : [p],
        );
    const under = c.dir === "" ? "" : `${c.dir}/`;
    const touched =
      changed.head.has(c.controller.file) ||
      reads.some((f) => changed.head.has(f)) ||
      // A file added to or removed from a folder without a kustomization changes what it lists.
      (!own &&
        [...changed.head, ...changed.base].some((p) => p.startsWith(under) && isYamlOrJson(p)));
    if (!touched) continue;
    const key = JSON.stringify([
      c.dir,
      c.overlay,
      c.plain,
      c.substitute,
      c.commonMetadata,
      c.defaultNamespace,
    ]);
    const entry = byKey.get(key) ?? { dir: c.dir, controllers: [] };
    entry.controllers.push(c);
    byKey.set(key, entry);
    controlled.add(c.dir);
  }
  const out: Target[] = [...byKey.values()];
  for (const dir of dirs) if (!controlled.has(dir)) out.push({ dir, controllers: [] });
  return out.sort(
    (a, b) => compareText(a.dir, b.dir) || a.controllers.length - b.controllers.length,
  );
}

/** The controllers of the head, as the base had them (options may differ); the head's when the base has none. */
export function atBase(
  base: Side,
  head: ControllerTarget[],
  baseControllers: ControllerTarget[],
): Map<ControllerTarget, ControllerTarget | undefined> {
  const key = (c: ControllerRef) => `${c.kind}\u0000${c.namespace ?? ""}\u0000${c.name}`;
  const found = new Map(baseControllers.map((c) => [key(c.controller), c]));
  return new Map(head.map((c) => [c, found.get(key(c.controller))]));
}

/** The kustomization folders a target's build reads (its own tree, or its sub-folders' trees). */
export function buildDirs(side: Side, target: Target): Set<string> {
  const roots = side.tree.kustomizationOf(target.dir)
    ? [target.dir]
    : target.controllers[0]
      ? plainResources(side, target.dir, target.controllers[0].plain).filter(
          (p) => side.tree.kustomizationOf(p) !== undefined,
        )
      : [];
  return new Set(roots.flatMap((r) => treeOf(side.nodes, r).dirs));
}
