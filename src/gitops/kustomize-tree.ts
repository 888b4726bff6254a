// What each kustomization reads (files, other kustomizations) and what it would fetch or run, so
// that a change's affected kustomizations are known and nothing remote or executable is built.
import { posix } from "node:path";
import { isKustomizationFile } from "../core/file-role.js";
import type { ParsedDocument } from "../yaml/index.js";
import { isPlainObject } from "../core/plain-data.js";
import type { JsonPath } from "../core/types.js";

/** The file list of a commit, with the directory questions a kustomization's paths raise. */
export class RepoTree {
  private readonly files: ReadonlySet<string>;
  private readonly dirs = new Set<string>([""]);
  private readonly kustomizations = new Map<string, string>();

  constructor(paths: Iterable<string>) {
    this.files = new Set(paths);
    for (const p of this.files) {
      const parts = p.split("/");
      for (let i = 1; i < parts.length; i++) this.dirs.add(parts.slice(0, i).join("/"));
      if (isKustomizationFile(p)) {
        const dir = posix.dirname(p) === "." ? "" : posix.dirname(p);
        // kustomize's own order of preference when a folder has several.
        const known = this.kustomizations.get(dir);
        if (!known || rank(p) < rank(known)) this.kustomizations.set(dir, p);
      }
    }
  }

  hasFile(path: string): boolean {
    return this.files.has(path);
  }

  hasDir(path: string): boolean {
    return this.dirs.has(path);
  }

  /** The kustomization file of a directory, if it has one. */
  kustomizationOf(dir: string): string | undefined {
    return this.kustomizations.get(dir);
  }

  kustomizationFiles(): string[] {
    return [...this.kustomizations.values()].sort();
  }

  /** Files below `dir` (recursively), sorted. */
  filesUnder(dir: string): string[] {
    const prefix = dir === "" ? "" : `${dir}/`;
    return [...this.files].filter((f) => f.startsWith(prefix)).sort();
  }

  paths(): ReadonlySet<string> {
    return this.files;
  }
}

function rank(file: string): number {
  const name = posix.basename(file);
  return name === "kustomization.yaml" ? 0 : name === "kustomization.yml" ? 1 : 2;
}

/** Something a kustomization asks for that is never loaded: reported at its line as not evaluated. */
export interface Blocked {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** Where a patch's text is: a file of its own, or a string inside a YAML document. */
export interface PatchSource {
  readonly file: string;
  /** For an inline patch: the document of `file` and the path of the string in it. */
  readonly inline?: { readonly documentIndex: number; readonly path: JsonPath };
  readonly target?: PatchTarget;
  /** patchesJson6902 entries are JSON patches; `patches` entries are told apart by their text. */
  readonly json6902?: boolean;
}

/** A patch's `target` selector (kustomize's Selector). */
export interface PatchTarget {
  readonly group?: string;
  readonly version?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly annotationSelector?: string;
}

/** A plugin configuration (generators, transformers, validators) to inspect before building. */
export interface PluginConfigRef {
  readonly file: string;
  readonly line: number;
  /** The configuration's text when it is written inline in the kustomization. */
  readonly inline?: string;
  /** The referenced file, when it is a file. */
  readonly path?: string;
}

export interface KustomizationNode {
  readonly file: string;
  readonly dir: string;
  readonly component: boolean;
  /** Kustomization directories it builds on (resources, bases, components), in order. */
  readonly dirs: readonly string[];
  /** Repository files it reads besides its own (resources, patches, generator inputs...). */
  readonly files: readonly string[];
  readonly patches: readonly PatchSource[];
  readonly plugins: readonly PluginConfigRef[];
  readonly blocked: readonly Blocked[];
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** A first path segment that reads as a host name (`github.com/org/repo//path?ref=v1`). */
const HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?$/i;

/** Why a path is never loaded, or undefined when it is a plain path inside the repository. */
/** Why an entry of a kustomization (resource, base, component...) is never loaded, if it is not. */
export function entryRefusal(dir: string, ref: string, tree: RepoTree): string | undefined {
  if (
    SCHEME.test(ref) ||
    /^git@|^git::|^ssh:/i.test(ref) ||
    /[?&](ref|version|timeout|submodules)=/.test(ref)
  )
    return `remote resource ${JSON.stringify(ref)} is never fetched`;
  if (ref.startsWith("/")) return `absolute path ${JSON.stringify(ref)} is outside the repository`;
  const resolved = posix.normalize(posix.join(dir, ref));
  if (resolved === ".." || resolved.startsWith("../"))
    return `path ${JSON.stringify(ref)} leaves the repository`;
  const first = ref.split("/")[0] ?? "";
  if (!tree.hasFile(resolved) && !tree.hasDir(resolved) && HOST.test(first) && ref.includes("/"))
    return `remote resource ${JSON.stringify(ref)} is never fetched`;
  return undefined;
}

function resolve(dir: string, ref: string): string {
  const p = posix.normalize(posix.join(dir, ref));
  return p === "." ? "" : p.replace(/\/+$/, "");
}

function strings(v: unknown): { value: string; index: number }[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((x, index) => (typeof x === "string" ? [{ value: x, index }] : []));
}

function entries(v: unknown): { value: Record<string, unknown>; index: number }[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((x, index) => (isPlainObject(x) ? [{ value: x, index }] : []));
}

function targetOf(v: unknown): PatchTarget | undefined {
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const key of [
    "group",
    "version",
    "kind",
    "name",
    "namespace",
    "labelSelector",
    "annotationSelector",
  ])
    if (typeof v[key] === "string") out[key] = v[key];
  return out;
}

/** An inline string that is YAML text rather than a path (a patch or a plugin configuration). */
export function isInlineYaml(text: string): boolean {
  return text.includes("\n") || /^\s*[[{]/.test(text) || /\bkind\s*:/.test(text);
}

/**
 * Reads one kustomization document: the directories, files and patches it uses, and what it
 * asks for that is never loaded (remote resources, Helm charts, paths outside the repository).
 */
export function parseKustomization(
  file: string,
  doc: ParsedDocument,
  tree: RepoTree,
): KustomizationNode {
  const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
  const k = isPlainObject(doc.value) ? doc.value : {};
  const c = entryCollector(file, dir, doc, tree);
  for (const key of ["resources", "bases"] as const)
    for (const { value, index } of strings(k[key])) c.use(value, [key, index], true);
  for (const { value, index } of strings(k.components)) c.use(value, ["components", index], true);
  readPatches(k, c);
  readInputFiles(k, c);
  readPlugins(k, c);
  if (k.helmCharts !== undefined || k.helmChartInflationGenerator !== undefined)
    c.block(
      [k.helmCharts !== undefined ? "helmCharts" : "helmChartInflationGenerator"],
      "helmCharts are never inflated (charts would be downloaded and templated with helm)",
    );

  return {
    file,
    dir,
    component: k.kind === "Component",
    dirs: c.dirs,
    files: c.files,
    patches: c.patches,
    plugins: c.plugins,
    blocked: c.blocked,
  };
}

/** What parseKustomization collects from one kustomization, in the order its entries are read. */
interface EntryCollector {
  readonly file: string;
  readonly dir: string;
  readonly doc: ParsedDocument;
  readonly tree: RepoTree;
  readonly dirs: string[];
  readonly files: string[];
  readonly patches: PatchSource[];
  readonly plugins: PluginConfigRef[];
  readonly blocked: Blocked[];
  lineOf(path: JsonPath): number;
  block(path: JsonPath, reason: string): void;
  /** A path entry: checked, then recorded as a kustomization directory or a file. */
  use(ref: string, path: JsonPath, allowDir: boolean): string | undefined;
}

function entryCollector(
  file: string,
  dir: string,
  doc: ParsedDocument,
  tree: RepoTree,
): EntryCollector {
  const c: EntryCollector = {
    file,
    dir,
    doc,
    tree,
    dirs: [],
    files: [],
    patches: [],
    plugins: [],
    blocked: [],
    lineOf: (path) => doc.locate(path).lines.start,
    block: (path, reason) => {
      c.blocked.push({ file, line: c.lineOf(path), reason });
    },
    use: (ref, path, allowDir) => {
      const why = entryRefusal(dir, ref, tree);
      if (why) {
        c.block(path, why);
        return undefined;
      }
      const target = resolve(dir, ref);
      if (allowDir && tree.kustomizationOf(target) !== undefined) c.dirs.push(target);
      else c.files.push(target);
      return target;
    },
  };
  return c;
}

/** `patchesStrategicMerge`, `patches`, `patchesJson6902`: patch files and inline patches. */
function readPatches(k: Record<string, unknown>, c: EntryCollector): void {
  const { file, doc, patches } = c;
  for (const { value, index } of strings(k.patchesStrategicMerge)) {
    if (isInlineYaml(value))
      patches.push({
        file,
        inline: { documentIndex: doc.index, path: ["patchesStrategicMerge", index] },
      });
    else {
      const p = c.use(value, ["patchesStrategicMerge", index], false);
      if (p) patches.push({ file: p });
    }
  }
  for (const key of ["patches", "patchesJson6902"] as const) {
    for (const { value, index } of entries(k[key])) {
      const target = targetOf(value.target);
      const json6902 = key === "patchesJson6902" ? true : undefined;
      if (typeof value.path === "string") {
        const p = c.use(value.path, [key, index, "path"], false);
        if (p) patches.push({ file: p, target, json6902 });
      } else if (typeof value.patch === "string") {
        patches.push({
          file,
          inline: { documentIndex: doc.index, path: [key, index, "patch"] },
          target,
          json6902,
        });
      }
    }
  }
}

/** Files a build reads: generators' files and envs, replacements, crds, configurations, openapi. */
function readInputFiles(k: Record<string, unknown>, c: EntryCollector): void {
  for (const key of ["configMapGenerator", "secretGenerator"] as const) {
    for (const { value, index } of entries(k[key])) {
      for (const { value: f, index: i } of strings(value.files)) {
        // `key=path` names the data key; the path is what is read.
        const eq = f.indexOf("=");
        c.use(eq >= 0 ? f.slice(eq + 1) : f, [key, index, "files", i], false);
      }
      for (const { value: f, index: i } of strings(value.envs))
        c.use(f, [key, index, "envs", i], false);
      if (typeof value.env === "string") c.use(value.env, [key, index, "env"], false);
    }
  }
  for (const { value, index } of entries(k.replacements))
    if (typeof value.path === "string") c.use(value.path, ["replacements", index, "path"], false);
  for (const key of ["crds", "configurations"] as const)
    for (const { value, index } of strings(k[key])) c.use(value, [key, index], false);
  if (isPlainObject(k.openapi) && typeof k.openapi.path === "string")
    c.use(k.openapi.path, ["openapi", "path"], false);
}

/** `generators`, `transformers`, `validators`: inline plugin configurations or their files. */
function readPlugins(k: Record<string, unknown>, c: EntryCollector): void {
  const { file, dir, tree } = c;
  for (const key of ["generators", "transformers", "validators"] as const) {
    for (const { value, index } of strings(k[key])) {
      if (isInlineYaml(value)) {
        c.plugins.push({ file, line: c.lineOf([key, index]), inline: value });
        continue;
      }
      const why = entryRefusal(dir, value, tree);
      if (why) {
        c.block([key, index], why);
        continue;
      }
      const target = resolve(dir, value);
      if (tree.kustomizationOf(target) !== undefined) {
        // A directory whose output configures plugins: not inspected, so not built.
        c.block(
          [key, index],
          `${key} from the directory ${JSON.stringify(value)} are not inspected, so not run`,
        );
        continue;
      }
      c.files.push(target);
      c.plugins.push({ file, line: c.lineOf([key, index]), path: target });
    }
  }
}

/**
 * Why a plugin configuration is not built, or undefined for kustomize's built-in generators and
 * transformers. Anything else is a plugin: an exec or container KRM function, a Go plugin.
 */
export function pluginRefusal(config: unknown): string | undefined {
  if (!isPlainObject(config)) return undefined;
  const meta = isPlainObject(config.metadata) ? config.metadata : {};
  const annotations = isPlainObject(meta.annotations) ? meta.annotations : {};
  const fn = annotations["config.kubernetes.io/function"] ?? annotations["config.k8s.io/function"];
  const kind = typeof config.kind === "string" ? config.kind : "?";
  if (typeof fn === "string") {
    const what = /^\s*exec\s*:/m.test(fn)
      ? "an exec"
      : /^\s*container\s*:/m.test(fn)
        ? "a containerized"
        : "a";
    return `${kind} is ${what} KRM function: plugins are never run`;
  }
  if (config.apiVersion === "builtin") return undefined;
  return `${kind} (${String(config.apiVersion ?? "no apiVersion")}) is a kustomize plugin: plugins are never run`;
}

/** A kustomization and every kustomization it builds on, with the files they read. */
export interface KustomizationTree {
  readonly root: string;
  /** Kustomization directories, the root first, each once. */
  readonly dirs: readonly string[];
  /** Every repository file the build reads, kustomization files included. */
  readonly files: ReadonlySet<string>;
  readonly blocked: readonly Blocked[];
}

export function treeOf(
  nodes: ReadonlyMap<string, KustomizationNode>,
  root: string,
): KustomizationTree {
  const dirs: string[] = [];
  const files = new Set<string>();
  const blocked: Blocked[] = [];
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const node = nodes.get(dir);
    if (!node) return;
    dirs.push(dir);
    files.add(node.file);
    for (const f of node.files) files.add(f);
    blocked.push(...node.blocked);
    for (const d of node.dirs) visit(d);
  };
  visit(root);
  return { root, dirs, files, blocked };
}

/**
 * The kustomizations to render for a set of changed paths: every kustomization whose tree reads
 * one of them, directly or through other kustomizations, kept only at the top (one that another
 * kustomization builds on is rendered as part of that one). Components are never built alone.
 */
export function affectedKustomizations(
  nodes: ReadonlyMap<string, KustomizationNode>,
  changed: Iterable<string>,
): string[] {
  const parents = new Map<string, Set<string>>();
  const readers = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, key: string, value: string) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(value);
  };
  for (const node of nodes.values()) {
    add(readers, node.file, node.dir);
    for (const f of node.files) add(readers, f, node.dir);
    for (const d of node.dirs) add(parents, d, node.dir);
  }
  const affected = new Set<string>();
  const queue: string[] = [];
  for (const path of changed) for (const dir of readers.get(path) ?? []) queue.push(dir);
  while (queue.length > 0) {
    const dir = queue.pop()!;
    if (affected.has(dir)) continue;
    affected.add(dir);
    for (const p of parents.get(dir) ?? []) queue.push(p);
  }
  return [...affected]
    .filter((dir) => {
      const node = nodes.get(dir);
      return node !== undefined && !node.component && (parents.get(dir)?.size ?? 0) === 0;
    })
    .sort();
}
