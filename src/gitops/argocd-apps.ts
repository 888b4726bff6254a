// Argo CD Applications as the repository declares them: each Application, and each Application an
// ApplicationSet's generators that can be decided from the repository produce (list, git
// directories, git files, and matrix and merge of those). Other generators are not guessed.
import { posix } from "node:path";
import picomatch from "picomatch";
import type { RepoTree } from "./kustomize-tree.js";
import type { ParsedDocument, ParsedFile } from "../yaml/index.js";
import { isPlainObject } from "../core/plain-data.js";
import type { JsonPath } from "../core/types.js";

/** A Git URL as host/path, so that `ssh://git@host/org/repo.git` and `https://host/org/repo` match. */
export function sameRepository(url: string): string {
  return url
    .trim()
    .replace(/^[a-z+]+:\/\//i, "")
    .replace(/^[^@/]+@/, "")
    .replace(/^([^/:]+):(?!\d)/, "$1/")
    .replace(/\.git\/?$/, "")
    .replace(/\/+$/, "")
    .toLowerCase();
}

/** An Application to build: its value, and where its fields are in the document that declares it. */
export interface ArgoApplication {
  /** The declaring document with the Application's value (an ApplicationSet's: the generated one). */
  readonly doc: ParsedDocument;
  /** Prepended to an Application path to find the field in the declaring document. */
  readonly prefix: JsonPath;
}

/** Why an Application (or an ApplicationSet) of the repository is not evaluated, at a field. */
export interface ArgoRefusal {
  readonly documentIndex: number;
  readonly path: JsonPath;
  readonly reason: string;
}

export interface ArgoContext {
  readonly tree: RepoTree;
  /** true: this repository; false: another; undefined: this repository's URL is unknown. */
  readonly isSelfUrl: (url: string | undefined) => boolean | undefined;
  /** The parsed content of a data file of the repository (a git files generator's), if read. */
  readonly readData: (path: string) => unknown;
}

/** Generated Applications per ApplicationSet, at most (a runaway matrix is refused, not truncated). */
export const MAX_GENERATED_APPLICATIONS = 500;

type Params = Record<string, unknown>;
type Expanded = { params: Params[] } | { refusal: string };

function at(value: unknown, path: JsonPath): unknown {
  let v = value;
  for (const step of path)
    v = Array.isArray(v) || isPlainObject(v) ? (v as Record<string, unknown>)[step] : undefined;
  return v;
}

const isKind = (v: unknown, kind: string): v is Record<string, unknown> =>
  isPlainObject(v) &&
  v.kind === kind &&
  typeof v.apiVersion === "string" &&
  v.apiVersion.startsWith("argoproj.io/");

/** The Applications of a file (declared and generated), and the ones that cannot be decided. */
export function argoApplicationsOf(
  file: ParsedFile,
  ctx: ArgoContext,
): { apps: ArgoApplication[]; refusals: ArgoRefusal[] } {
  const apps: ArgoApplication[] = [];
  const refusals: ArgoRefusal[] = [];
  for (const doc of file.documents) {
    if (isKind(doc.value, "Application")) apps.push({ doc, prefix: [] });
    if (!isKind(doc.value, "ApplicationSet")) continue;
    const spec = isPlainObject(doc.value.spec) ? doc.value.spec : {};
    const generators = Array.isArray(spec.generators) ? spec.generators : [];
    const goTemplate = spec.goTemplate === true;
    const expanded = combine(generators, "product", [], ctx, goTemplate);
    if ("refusal" in expanded) {
      refusals.push({
        documentIndex: doc.index,
        path: ["spec", "generators"],
        reason: expanded.refusal,
      });
      continue;
    }
    for (const params of expanded.params) {
      const r = render(spec.template, params, goTemplate);
      if ("refusal" in r) {
        refusals.push({ documentIndex: doc.index, path: ["spec", "template"], reason: r.refusal });
        break;
      }
      const value = isPlainObject(r.value) ? r.value : {};
      // Argo CD creates the Applications in the ApplicationSet's namespace.
      const meta = isPlainObject(value.metadata) ? value.metadata : {};
      const namespace = at(doc.value, ["metadata", "namespace"]);
      const generated = {
        apiVersion: doc.value.apiVersion,
        kind: "Application",
        ...value,
        metadata: { ...(typeof namespace === "string" ? { namespace } : {}), ...meta },
      };
      apps.push({ doc: { ...doc, value: generated }, prefix: ["spec", "template"] });
    }
  }
  return { apps, refusals };
}

/** A matrix (every combination) or the generators of an ApplicationSet (each one's, in turn). */
function combine(
  generators: readonly unknown[],
  mode: "product" | "union",
  mergeKeys: readonly string[],
  ctx: ArgoContext,
  goTemplate: boolean,
): Expanded {
  const each: Params[][] = [];
  for (const g of generators) {
    const e = generator(g, ctx, goTemplate);
    if ("refusal" in e) return e;
    each.push(e.params);
  }
  let out: Params[];
  if (mode === "union") out = each.flat();
  else if (mergeKeys.length > 0) out = merged(each, mergeKeys);
  else
    out = each.reduce<Params[]>(
      (acc, ps) => acc.flatMap((a) => ps.map((p) => ({ ...a, ...p }))),
      [{}],
    );
  if (out.length > MAX_GENERATED_APPLICATIONS)
    return {
      refusal: `its generators make ${out.length} Applications, above the limit of ${MAX_GENERATED_APPLICATIONS}`,
    };
  return { params: out };
}

/** The merge generator: the first generator's parameter sets, overridden by later ones with the same merge keys. */
function merged(each: readonly Params[][], keys: readonly string[]): Params[] {
  const key = (p: Params) => JSON.stringify(keys.map((k) => flatGet(p, k)));
  const base = (each[0] ?? []).map((p) => ({ ...p }));
  for (const later of each.slice(1))
    for (const p of later) {
      const target = base.find((b) => key(b) === key(p));
      if (target) Object.assign(target, p);
    }
  return base;
}

function flatGet(p: Params, key: string): unknown {
  return key in p ? p[key] : at(p, key.split("."));
}

function generator(g: unknown, ctx: ArgoContext, goTemplate: boolean): Expanded {
  if (!isPlainObject(g)) return { refusal: "a generator is not a mapping" };
  const names = Object.keys(g).filter((k) => k !== "selector" && k !== "values");
  if (names.length !== 1) return { refusal: "a generator names no single kind" };
  const kind = names[0]!;
  const spec = g[kind];
  if (!isPlainObject(spec)) return { refusal: `its ${kind} generator is not a mapping` };
  if (isPlainObject(g.selector))
    return { refusal: `its ${kind} generator has a selector, which the review does not apply` };
  if (kind === "list") {
    if (spec.elementsYaml !== undefined) return { refusal: "its list generator uses elementsYaml" };
    const elements = Array.isArray(spec.elements) ? spec.elements : [];
    return { params: elements.filter(isPlainObject).map((e) => flatten(e, goTemplate)) };
  }
  if (kind === "git") return gitGenerator(spec, ctx, goTemplate);
  if (kind === "matrix" || kind === "merge") {
    const children = Array.isArray(spec.generators) ? spec.generators : [];
    if (kind === "matrix" && children.length !== 2)
      return { refusal: "its matrix generator does not combine exactly two generators" };
    const keys = Array.isArray(spec.mergeKeys)
      ? spec.mergeKeys.filter((k): k is string => typeof k === "string")
      : [];
    if (kind === "merge" && keys.length === 0)
      return { refusal: "its merge generator has no mergeKeys" };
    return combine(children, "product", kind === "merge" ? keys : [], ctx, goTemplate);
  }
  return { refusal: `its ${kind} generator depends on what is outside the repository` };
}

function gitGenerator(
  spec: Record<string, unknown>,
  ctx: ArgoContext,
  goTemplate: boolean,
): Expanded {
  const url = typeof spec.repoURL === "string" ? spec.repoURL : undefined;
  const self = ctx.isSelfUrl(url);
  if (self === false)
    return { refusal: `not evaluated: other repository (its git generator reads ${url})` };
  if (self === undefined)
    return {
      refusal: `its git generator reads ${url ?? "a repository"}, which cannot be compared with this repository (its URL is unknown)`,
    };
  const pathParams = (dir: string): Params => {
    const segments = dir === "" ? [] : dir.split("/");
    const base = segments.at(-1) ?? "";
    const normalized = base.replace(/[^a-zA-Z0-9-.]/g, "-").toLowerCase();
    if (goTemplate)
      return { path: { path: dir, basename: base, basenameNormalized: normalized, segments } };
    const out: Params = { path: dir, "path.basename": base, "path.basenameNormalized": normalized };
    segments.forEach((s, i) => (out[`path[${i}]`] = s));
    return out;
  };
  if (Array.isArray(spec.directories)) {
    const dirs = new Set<string>();
    for (const p of [...ctx.tree.paths()]) {
      const parts = p.split("/");
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    }
    const include = spec.directories.filter(
      (d) => isPlainObject(d) && typeof d.path === "string" && d.exclude !== true,
    );
    const exclude = spec.directories.filter(
      (d) => isPlainObject(d) && typeof d.path === "string" && d.exclude === true,
    );
    const matcher = (list: unknown[]) =>
      list.map((d) => picomatch((d as { path: string }).path, { dot: false }));
    const inc = matcher(include);
    const exc = matcher(exclude);
    const chosen = [...dirs].filter((d) => inc.some((m) => m(d)) && !exc.some((m) => m(d))).sort();
    return { params: chosen.map(pathParams) };
  }
  if (Array.isArray(spec.files)) {
    const out: Params[] = [];
    for (const f of spec.files) {
      if (!isPlainObject(f) || typeof f.path !== "string") continue;
      const match = picomatch(f.path, { dot: false });
      for (const p of [...ctx.tree.paths()].filter((x) => match(x)).sort()) {
        const data = ctx.readData(p);
        if (data === undefined)
          return { refusal: `its git files generator's ${p} could not be read` };
        const dir = posix.dirname(p) === "." ? "" : posix.dirname(p);
        const items = Array.isArray(data) ? data : [data];
        for (const item of items.filter(isPlainObject)) {
          const params: Params = { ...flatten(item, goTemplate), ...pathParams(dir) };
          const file = posix.basename(p);
          if (goTemplate) (params.path as Params).filename = file;
          else params["path.filename"] = file;
          out.push(params);
        }
      }
    }
    return { params: out };
  }
  return { refusal: "its git generator lists neither directories nor files" };
}

/** Parameters as the fasttemplate form names them (`a.b`), or as they are for Go templates. */
function flatten(value: Record<string, unknown>, goTemplate: boolean, prefix = ""): Params {
  if (goTemplate) return { ...value };
  const out: Params = {};
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v)) Object.assign(out, flatten(v, false, key));
    else out[key] = v;
  }
  return out;
}

/** The template with its parameters filled in, or why it cannot be (a Go template function). */
function render(
  template: unknown,
  params: Params,
  goTemplate: boolean,
): { value: unknown } | { refusal: string } {
  if (typeof template === "string") {
    let refusal: string | undefined;
    const value = template.replace(/\{\{-?\s*([^{}]*?)\s*-?\}\}/g, (whole, expr: string) => {
      const key = goTemplate ? /^\.([\w.-]+)$/.exec(expr)?.[1] : expr;
      const v =
        key === undefined ? undefined : goTemplate ? at(params, key.split(".")) : params[key];
      if (v === undefined || isPlainObject(v) || Array.isArray(v)) {
        refusal ??= `its template's ${whole} cannot be filled in from the generators`;
        return whole;
      }
      return String(v);
    });
    return refusal ? { refusal } : { value };
  }
  if (Array.isArray(template)) {
    const out: unknown[] = [];
    for (const t of template) {
      const r = render(t, params, goTemplate);
      if ("refusal" in r) return r;
      out.push(r.value);
    }
    return { value: out };
  }
  if (isPlainObject(template)) {
    const out: Record<string, unknown> = {};
    for (const [k, t] of Object.entries(template)) {
      const r = render(t, params, goTemplate);
      if ("refusal" in r) return r;
      out[k] = r.value;
    }
    return { value: out };
  }
  return { value: template };
}

/** The path patterns of every git files generator in an ApplicationSet (matrix and merge too). */
export function gitFilesPatterns(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(gitFilesPatterns);
  if (!isPlainObject(value)) return [];
  const own =
    isPlainObject(value.git) && Array.isArray(value.git.files)
      ? value.git.files.flatMap((f) =>
          isPlainObject(f) && typeof f.path === "string" ? [f.path] : [],
        )
      : [];
  return [...own, ...Object.values(value).flatMap(gitFilesPatterns)];
}

/** The repository files an ApplicationSet's git files generators read. */
export function gitFilesRead(value: unknown, paths: readonly string[]): string[] {
  if (!isKind(value, "ApplicationSet")) return [];
  const patterns = gitFilesPatterns(at(value, ["spec", "generators"]));
  if (patterns.length === 0) return [];
  const match = picomatch(patterns, { dot: false });
  return paths.filter((p) => match(p));
}
