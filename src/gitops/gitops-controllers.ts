// Flux Kustomizations and Argo CD Applications that build a folder of this repository, read as
// their controllers read them: which folder, with which options, applied by which object.
import { posix } from "node:path";
import type { PatchSource, RepoTree } from "./kustomize-tree.js";
import type { ParsedDocument, ParsedFile } from "../yaml/index.js";
import {
  argoApplicationsOf,
  sameRepository,
  type ArgoApplication,
  type ArgoContext,
} from "./argocd-apps.js";
import { isPlainObject } from "../core/plain-data.js";
import type { JsonPath } from "../core/types.js";

export interface ControllerRef {
  readonly kind: "Flux Kustomization" | "Argo CD Application" | "Flux HelmRelease";
  readonly namespace?: string;
  readonly name: string;
  readonly file: string;
  readonly documentIndex: number;
  /** Where the object names the folder (`spec.path`, `spec.source.path`). */
  readonly pathField: JsonPath;
}

/** Fields a controller adds to the folder's kustomization before building (Flux's generator, Argo's `kustomize edit`). */
export interface KustomizationOverlay {
  readonly namespace?: string;
  readonly namePrefix?: string;
  readonly nameSuffix?: string;
  readonly patches?: readonly { readonly patch: string; readonly target?: unknown }[];
  readonly components?: readonly string[];
  readonly images?: readonly Record<string, unknown>[];
  readonly commonLabels?: Readonly<Record<string, string>>;
  readonly commonAnnotations?: Readonly<Record<string, string>>;
}

export interface SubstituteFrom {
  readonly kind: "ConfigMap" | "Secret";
  readonly name: string;
  readonly optional: boolean;
}

export interface ControllerTarget {
  readonly controller: ControllerRef;
  /** The folder built, repository-relative ("" for the root). */
  readonly dir: string;
  readonly overlay: KustomizationOverlay;
  /** The overlay's patches, where their text is (the controller object's file). */
  readonly patches: readonly PatchSource[];
  /** Without a kustomization in the folder: which files the controller takes. */
  readonly plain: { readonly recurse: boolean; readonly json: boolean };
  /** Flux `postBuild`: variables substituted in the built objects. */
  readonly substitute?: {
    readonly values: Readonly<Record<string, string>>;
    readonly from: readonly SubstituteFrom[];
  };
  /** Flux `commonMetadata`: labels and annotations set on every object after the build. */
  readonly commonMetadata?: {
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
  };
  /** Argo CD: the namespace given to namespaced objects that name none. */
  readonly defaultNamespace?: string;
  /** Where in the controller object the namespace is set: `overlay.namespace`, else `defaultNamespace`. */
  readonly namespaceField?: JsonPath;
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  if (!isPlainObject(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v))
    if (typeof x === "string") out[k] = x;
    else if (typeof x === "number" || typeof x === "boolean") out[k] = String(x);
  return out;
}

export function at(value: unknown, path: JsonPath): unknown {
  let v = value;
  for (const step of path)
    v = Array.isArray(v) || isPlainObject(v) ? (v as Record<string, unknown>)[step] : undefined;
  return v;
}

/** A folder path as a repository path, or undefined when it leaves the repository. */
export function folder(path: string): string | undefined {
  const p = posix.normalize(path.replace(/^\.?\/+/, "") || ".");
  if (p === ".." || p.startsWith("../") || p.startsWith("/")) return undefined;
  return p === "." ? "" : p.replace(/\/+$/, "");
}

/** Copy rules of an ExternalArtifact: `from` a folder of this repository `to` a folder of the artifact. */
type CopyRules = readonly { readonly to: string; readonly from: string }[];

/** What the Flux sources of the repository say about which sources are this repository. */
export interface FluxSources {
  /** Whether a GitRepository (by namespace and name) is this repository. */
  readonly isSelf: (namespace: string | undefined, name: string) => boolean;
  /**
   * Where an ExternalArtifact's folders come from: the copy rules of the repository's
   * ArtifactGenerators (`from: "@monorepo/apps/base/**"`, `to: "@artifact/base/"`), by name.
   */
  readonly artifacts: ReadonlyMap<string, CopyRules>;
  /**
   * Whether a Git URL (an Argo CD source's `repoURL`) is this repository: the URLs the platform
   * gives for it and the `flux-system` GitRepository's, compared as host/path (https, ssh and
   * `.git` alike); undefined when no URL of this repository is known.
   */
  readonly isSelfUrl: (url: string | undefined) => boolean | undefined;
  /** The parsed content of a repository file read for an ApplicationSet's git files generator. */
  readonly readData: (path: string) => unknown;
  /** The URL of a Flux OCIRepository or HelmRepository of the repository, by kind, namespace and name. */
  readonly chartSourceUrl: (
    kind: string | undefined,
    namespace: string | undefined,
    name: string,
  ) => string | undefined;
  /** An OCIRepository's `spec.ref` (tag, digest, semver), by namespace and name. */
  readonly ociRef: (namespace: string | undefined, name: string) => Record<string, unknown>;
}

function fluxDocs(files: readonly ParsedFile[], kind: string, group: string) {
  return files.flatMap((f) =>
    f.documents.flatMap((d) => {
      const v = d.value;
      return isPlainObject(v) &&
        v.kind === kind &&
        typeof v.apiVersion === "string" &&
        v.apiVersion.startsWith(`${group}/`)
        ? [v]
        : [];
    }),
  );
}

/**
 * The repository is the `flux-system` GitRepository (what `flux bootstrap` makes), and any other
 * GitRepository of the same URL; other sources are other repositories and are not rendered.
 */
export function fluxSourcesOf(
  files: readonly ParsedFile[],
  repositoryUrls: readonly string[] = [],
  readData: (path: string) => unknown = () => undefined,
): FluxSources {
  const urls = new Map<string, string>();
  for (const v of fluxDocs(files, "GitRepository", "source.toolkit.fluxcd.io")) {
    const url = str(at(v, ["spec", "url"]));
    if (url)
      urls.set(
        `${str(at(v, ["metadata", "namespace"])) ?? ""}/${str(at(v, ["metadata", "name"])) ?? ""}`,
        sameRepository(url),
      );
  }
  const selfUrls = new Set([...urls].filter(([k]) => k.endsWith("/flux-system")).map(([, u]) => u));
  const isSelf = (namespace: string | undefined, name: string) => {
    if (name === "flux-system") return true;
    const url = urls.get(`${namespace ?? ""}/${name}`);
    return url !== undefined && selfUrls.has(url);
  };
  const artifacts = new Map<string, { to: string; from: string }[]>();
  for (const v of fluxDocs(files, "ArtifactGenerator", "source.extensions.fluxcd.io")) {
    const namespace = str(at(v, ["metadata", "namespace"]));
    const selfAliases = new Set(
      asArray(at(v, ["spec", "sources"])).flatMap((s) => {
        const alias = str(at(s, ["alias"]));
        const name = str(at(s, ["name"]));
        return alias &&
          name &&
          str(at(s, ["kind"])) === "GitRepository" &&
          isSelf(str(at(s, ["namespace"])) ?? namespace, name)
          ? [alias]
          : [];
      }),
    );
    for (const artifact of asArray(at(v, ["spec", "artifacts"]))) {
      const name = str(at(artifact, ["name"]));
      if (!name) continue;
      const rules = artifacts.get(name) ?? [];
      for (const copy of asArray(at(artifact, ["copy"]))) {
        const from = /^@([\w-]+)\/(.*?)\/?\*\*$/.exec(str(at(copy, ["from"])) ?? "");
        const to = /^@artifact\/?(.*)$/.exec(str(at(copy, ["to"])) ?? "");
        if (from && to && selfAliases.has(from[1]!))
          rules.push({ from: from[2]!.replace(/\/+$/, ""), to: to[1]!.replace(/\/+$/, "") });
      }
      artifacts.set(name, rules);
    }
  }
  const chartSources = new Map<string, Record<string, unknown>>();
  for (const kind of ["OCIRepository", "HelmRepository"])
    for (const v of fluxDocs(files, kind, "source.toolkit.fluxcd.io")) {
      const ns = str(at(v, ["metadata", "namespace"])) ?? "";
      const spec = at(v, ["spec"]);
      if (isPlainObject(spec) && str(spec.url))
        chartSources.set(`${kind}/${ns}/${str(at(v, ["metadata", "name"])) ?? ""}`, spec);
    }
  const chartSource = (kind: string | undefined, namespace: string | undefined, name: string) =>
    chartSources.get(`${kind ?? ""}/${namespace ?? ""}/${name}`) ??
    // A source without a namespace in the repository is applied into the object's.
    chartSources.get(`${kind ?? ""}//${name}`);
  const chartSourceUrl = (kind: string | undefined, namespace: string | undefined, name: string) =>
    str(chartSource(kind, namespace, name)?.url);
  const ociRef = (namespace: string | undefined, name: string) => {
    const ref = chartSource("OCIRepository", namespace, name)?.ref;
    return isPlainObject(ref) ? ref : {};
  };
  const known = new Set([...selfUrls, ...repositoryUrls.map(sameRepository)]);
  const isSelfUrl = (url: string | undefined) =>
    known.size === 0 ? undefined : url !== undefined && known.has(sameRepository(url));
  return { isSelf, artifacts, isSelfUrl, readData, chartSourceUrl, ociRef };
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A Flux source path inside an ExternalArtifact, as a folder of this repository. */
function throughArtifact(path: string, rules: CopyRules): string | undefined {
  for (const rule of rules) {
    if (rule.to !== "" && path !== rule.to && !path.startsWith(`${rule.to}/`)) continue;
    const rest = rule.to === "" ? path : path.slice(rule.to.length).replace(/^\//, "");
    return [rule.from, rest].filter(Boolean).join("/");
  }
  return undefined;
}

function fluxTarget(
  file: ParsedFile,
  doc: ParsedDocument,
  tree: RepoTree,
  sources: FluxSources,
): ControllerTarget | undefined {
  const v = doc.value as Record<string, unknown>;
  const spec = isPlainObject(v.spec) ? v.spec : {};
  const meta = isPlainObject(v.metadata) ? v.metadata : {};
  const sourceKind = str(at(spec, ["sourceRef", "kind"]));
  const sourceName = str(at(spec, ["sourceRef", "name"])) ?? "";
  const sourceNamespace = str(at(spec, ["sourceRef", "namespace"])) ?? str(meta.namespace);
  const path = folder(str(spec.path) ?? "./");
  if (path === undefined) return undefined;
  let dir: string | undefined;
  if (sourceKind === "GitRepository" && sources.isSelf(sourceNamespace, sourceName)) dir = path;
  else if (sourceKind === "ExternalArtifact")
    dir = throughArtifact(path, sources.artifacts.get(sourceName) ?? []);
  if (dir === undefined || !tree.hasDir(dir)) return undefined;
  const patches = asArray(spec.patches);
  const overlay: KustomizationOverlay = {
    namespace: str(spec.targetNamespace),
    namePrefix: str(spec.namePrefix),
    nameSuffix: str(spec.nameSuffix),
    patches: patches.flatMap((p) =>
      isPlainObject(p) && typeof p.patch === "string" ? [{ patch: p.patch, target: p.target }] : [],
    ),
    components: asArray(spec.components).filter((c): c is string => typeof c === "string"),
    images: asArray(spec.images).filter(isPlainObject),
  };
  const postBuild = isPlainObject(spec.postBuild) ? spec.postBuild : undefined;
  const common = isPlainObject(spec.commonMetadata) ? spec.commonMetadata : undefined;
  return {
    controller: {
      kind: "Flux Kustomization",
      namespace: str(meta.namespace),
      name: str(meta.name) ?? "",
      file: file.file,
      documentIndex: doc.index,
      pathField: ["spec", "path"],
    },
    dir,
    overlay,
    ...(overlay.namespace ? { namespaceField: ["spec", "targetNamespace"] } : {}),
    patches: patches.flatMap((p, i) =>
      isPlainObject(p) && typeof p.patch === "string"
        ? [
            {
              file: file.file,
              inline: { documentIndex: doc.index, path: ["spec", "patches", i, "patch"] },
              target: targetOf(p.target),
            },
          ]
        : [],
    ),
    plain: { recurse: true, json: false },
    substitute: postBuild
      ? {
          values: stringMap(postBuild.substitute),
          from: asArray(postBuild.substituteFrom).flatMap((s) =>
            isPlainObject(s) &&
            (s.kind === "ConfigMap" || s.kind === "Secret") &&
            typeof s.name === "string"
              ? [{ kind: s.kind, name: s.name, optional: s.optional === true }]
              : [],
          ),
        }
      : undefined,
    commonMetadata: common
      ? { labels: stringMap(common.labels), annotations: stringMap(common.annotations) }
      : undefined,
  };
}

function targetOf(v: unknown): PatchSource["target"] {
  if (!isPlainObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
}

/** Argo CD's image override syntax: `name=newName:tag`, `name:tag`, `name@digest`. */
function argoImage(spec: string): Record<string, unknown> | undefined {
  const eq = spec.indexOf("=");
  const name = eq >= 0 ? spec.slice(0, eq) : undefined;
  const ref = eq >= 0 ? spec.slice(eq + 1) : spec;
  const at = ref.indexOf("@");
  const lastColon = ref.lastIndexOf(":");
  const tagged = lastColon > ref.lastIndexOf("/") ? lastColon : -1;
  const image = at >= 0 ? ref.slice(0, at) : tagged >= 0 ? ref.slice(0, tagged) : ref;
  const out: Record<string, unknown> = { name: name ?? image };
  if (name !== undefined && image !== name) out.newName = image;
  if (at >= 0) out.digest = ref.slice(at + 1);
  else if (tagged >= 0) out.newTag = ref.slice(tagged + 1);
  return image === "" ? undefined : out;
}

function argoTargets(
  file: ParsedFile,
  app: ArgoApplication,
  tree: RepoTree,
  sources: FluxSources,
): ControllerTarget[] {
  const doc = app.doc;
  const v = doc.value as Record<string, unknown>;
  const fieldOf = (p: JsonPath): JsonPath => [...app.prefix, ...p];
  const spec = isPlainObject(v.spec) ? v.spec : {};
  const meta = isPlainObject(v.metadata) ? v.metadata : {};
  const out: ControllerTarget[] = [];
  for (const { value, field: own } of argoSources(spec)) {
    const field = app.prefix.length > 0 ? [...app.prefix, ...own] : own;
    const raw = str(at(value, ["path"]));
    // A chart from a Helm repository has no path; a path into a chart is left to Helm rendering.
    if (raw === undefined || str(at(value, ["chart"])) !== undefined) continue;
    // Another repository's folder is not this one's, whatever its path.
    if (sources.isSelfUrl(str(at(value, ["repoURL"]))) !== true) continue;
    const dir = folder(raw);
    // A folder with a Chart.yaml is a Helm chart to Argo CD (rendered by helm, not kustomize).
    if (dir === undefined || !tree.hasDir(dir) || tree.hasFile(posix.join(dir, "Chart.yaml")))
      continue;
    const k = isPlainObject(at(value, ["kustomize"]))
      ? (at(value, ["kustomize"]) as Record<string, unknown>)
      : {};
    const directory = isPlainObject(at(value, ["directory"]))
      ? (at(value, ["directory"]) as Record<string, unknown>)
      : {};
    const patches = asArray(k.patches);
    out.push({
      controller: {
        kind: "Argo CD Application",
        namespace: str(meta.namespace),
        name: str(meta.name) ?? "",
        file: file.file,
        documentIndex: doc.index,
        pathField: [...field, "path"],
      },
      dir,
      overlay: {
        namespace: str(k.namespace),
        namePrefix: str(k.namePrefix),
        nameSuffix: str(k.nameSuffix),
        patches: patches.flatMap((p) =>
          isPlainObject(p) && typeof p.patch === "string"
            ? [{ patch: p.patch, target: p.target }]
            : [],
        ),
        components: asArray(k.components).filter((c): c is string => typeof c === "string"),
        images: asArray(k.images).flatMap((i) =>
          typeof i === "string" ? [argoImage(i)].filter(isPlainObject) : [],
        ),
        commonLabels: stringMap(k.commonLabels),
        commonAnnotations: stringMap(k.commonAnnotations),
      },
      patches: patches.flatMap((p, i) =>
        isPlainObject(p) && typeof p.patch === "string"
          ? [
              {
                file: file.file,
                inline: {
                  documentIndex: doc.index,
                  path: [...field, "kustomize", "patches", i, "patch"],
                },
                target: targetOf(p.target),
              },
            ]
          : [],
      ),
      plain: { recurse: directory.recurse === true, json: true },
      defaultNamespace: str(at(spec, ["destination", "namespace"])),
      namespaceField: str(k.namespace)
        ? [...field, "kustomize", "namespace"]
        : fieldOf(["spec", "destination", "namespace"]),
    });
  }
  return out;
}

/** The Flux Kustomizations and Argo CD Applications of a file that build a folder of this repository. */
export function controllerTargetsOf(
  file: ParsedFile,
  tree: RepoTree,
  sources: FluxSources,
  enabled: { readonly flux: boolean; readonly argocd: boolean },
): ControllerTarget[] {
  const out: ControllerTarget[] = [];
  for (const doc of file.documents) {
    const v = doc.value;
    if (!isPlainObject(v) || typeof v.apiVersion !== "string") continue;
    if (
      enabled.flux &&
      v.kind === "Kustomization" &&
      v.apiVersion.startsWith("kustomize.toolkit.fluxcd.io/")
    ) {
      const t = fluxTarget(file, doc, tree, sources);
      if (t) out.push(t);
    }
  }
  if (enabled.argocd)
    for (const app of argoApplicationsOf(file, argoContext(tree, sources)).apps)
      out.push(...argoTargets(file, app, tree, sources));
  return out;
}

export function argoContext(tree: RepoTree, sources: FluxSources): ArgoContext {
  return { tree, isSelfUrl: sources.isSelfUrl, readData: sources.readData };
}

/** An Application's sources: `spec.source`, or each of `spec.sources`, with their paths. */
export function argoSources(spec: unknown): { value: unknown; field: JsonPath }[] {
  return at(spec, ["source"]) !== undefined
    ? [{ value: at(spec, ["source"]), field: ["spec", "source"] }]
    : asArray(at(spec, ["sources"])).map((s, i) => ({ value: s, field: ["spec", "sources", i] }));
}

/**
 * What of a file's Argo CD objects is not evaluated, at the field: an Application source (a
 * folder) of another repository, or of a repository that cannot be compared with this one, and
 * an ApplicationSet whose generators cannot be decided from the repository.
 */
export function argoNotEvaluated(
  file: ParsedFile,
  tree: RepoTree,
  sources: FluxSources,
): { file: string; line: number; reason: string; fails?: true }[] {
  const { apps, refusals } = argoApplicationsOf(file, argoContext(tree, sources));
  const out: { file: string; line: number; reason: string; fails?: true }[] = refusals.map((r) => {
    const doc = file.documents.find((d) => d.index === r.documentIndex)!;
    return { file: file.file, line: doc.locate(r.path).lines.start, reason: r.reason };
  });
  for (const app of apps)
    for (const { value, field } of argoSources(at(app.doc.value, ["spec"]))) {
      const url = str(at(value, ["repoURL"]));
      if (str(at(value, ["chart"])) !== undefined) continue;
      const self = sources.isSelfUrl(url);
      const unrendered = self === true ? argoUnrenderable(value, tree) : undefined;
      if (unrendered) {
        const name = str(at(app.doc.value, ["metadata", "name"])) ?? "";
        const line = app.doc.locate([...app.prefix, ...field, unrendered.field]).lines.start;
        const reason = `not evaluated: Argo CD Application ${name} ${unrendered.reason}`;
        out.push({ file: file.file, line, reason, fails: true });
      }
      if (self === true) continue;
      const line = app.doc.locate([...app.prefix, ...field, "repoURL"]).lines.start;
      const name = str(at(app.doc.value, ["metadata", "name"])) ?? "";
      out.push({
        file: file.file,
        line,
        reason:
          self === false
            ? `not evaluated: other repository (Argo CD Application ${name} builds ${url})`
            : `not evaluated: Argo CD Application ${name} builds ${url ?? "a repository"}, which cannot be compared with this repository (its URL is unknown: no git remote, no flux-system GitRepository)`,
      });
    }
  return out;
}

/**
 * Why Argo CD would deploy a source of this repository that Portcullis cannot render: a config
 * management plugin, or a directory app whose folder holds Jsonnet (Argo CD evaluates `*.jsonnet`
 * in directory apps by default). Either would otherwise look like an empty render and pass.
 */
function argoUnrenderable(
  source: unknown,
  tree: RepoTree,
): { field: string; reason: string } | undefined {
  if (at(source, ["plugin"]) !== undefined)
    return {
      field: "plugin",
      reason:
        "is rendered by a config management plugin (source.plugin), which Portcullis cannot run",
    };
  const raw = str(at(source, ["path"]));
  const dir = raw === undefined ? undefined : folder(raw);
  if (dir === undefined || !tree.hasDir(dir)) return undefined;
  if (tree.hasFile(posix.join(dir, "Chart.yaml")) || tree.kustomizationOf(dir) !== undefined)
    return undefined;
  const recurse = at(source, ["directory", "recurse"]) === true;
  const prefix = dir === "" ? "" : `${dir}/`;
  const jsonnet = tree
    .filesUnder(dir)
    .find((f) => f.endsWith(".jsonnet") && (recurse || !f.slice(prefix.length).includes("/")));
  return jsonnet === undefined
    ? undefined
    : {
        field: "path",
        reason: `reads ${jsonnet}: Argo CD evaluates Jsonnet in a directory app, which Portcullis does not`,
      };
}

export function describeController(c: ControllerRef): string {
  return `${c.kind} ${[c.namespace, c.name].filter(Boolean).join("/")}`;
}

/** The folder's kustomization with the controller's fields added, as Flux and Argo CD add them. */
export function applyOverlay(
  kustomization: Record<string, unknown>,
  overlay: KustomizationOverlay,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...kustomization };
  if (overlay.namespace) out.namespace = overlay.namespace;
  if (overlay.namePrefix) out.namePrefix = overlay.namePrefix;
  if (overlay.nameSuffix) out.nameSuffix = overlay.nameSuffix;
  if (overlay.patches?.length) out.patches = [...asArray(out.patches), ...overlay.patches];
  if (overlay.components?.length)
    out.components = [...asArray(out.components), ...overlay.components];
  if (overlay.images?.length) {
    const images = asArray(out.images)
      .filter(isPlainObject)
      .map((i) => ({ ...i }));
    for (const image of overlay.images) {
      const known = images.find((i) => i.name === image.name);
      if (known) Object.assign(known, image);
      else images.push({ ...image });
    }
    out.images = images;
  }
  if (overlay.commonLabels && Object.keys(overlay.commonLabels).length > 0)
    out.commonLabels = {
      ...(isPlainObject(out.commonLabels) ? out.commonLabels : {}),
      ...overlay.commonLabels,
    };
  if (overlay.commonAnnotations && Object.keys(overlay.commonAnnotations).length > 0)
    out.commonAnnotations = {
      ...(isPlainObject(out.commonAnnotations) ? out.commonAnnotations : {}),
      ...overlay.commonAnnotations,
    };
  return out;
}

export function isEmptyOverlay(overlay: KustomizationOverlay): boolean {
  return Object.values(overlay).every(
    (v) =>
      v === undefined ||
      (Array.isArray(v) ? v.length === 0 : isPlainObject(v) && Object.keys(v).length === 0),
  );
}
