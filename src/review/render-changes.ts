// The rendering part of a review: the kustomizations a change affects (and the Flux and Argo CD
// objects that build them) rendered at base and head, their resources evaluated, every finding
// mapped back to the line a human edits, and what the change does to each output.
import { entryRefusal } from "../core/kustomize-tree.js";
import { posix } from "node:path";
import type { Config } from "../config/config.js";
import { isKustomizationFile, isYamlOrJson } from "../core/file-role.js";
import { isKubernetesObject } from "../core/findings.js";
import { gitFilesRead } from "../core/argocd-apps.js";
import {
  applyOverlay,
  argoNotEvaluated,
  controllerTargetsOf,
  describeController,
  fluxSourcesOf,
  isEmptyOverlay,
  substituteVariables,
  type ControllerRef,
  type ControllerTarget,
  type FluxSources,
} from "../core/gitops-controllers.js";
import {
  affectedKustomizations,
  pluginRefusal,
  RepoTree,
  treeOf,
  type Blocked,
  type PatchSource,
} from "../core/kustomize-tree.js";
import {
  DEFAULT_PARSE_LIMITS,
  parseManifest,
  type ParsedDocument,
  type ParsedFile,
} from "../core/manifest.js";
import { isPlainObject } from "../core/plain-data.js";
import { inPool } from "../core/pool.js";
import {
  MAX_RENDER_FILES,
  MAX_RENDER_INPUT_BYTES,
  MAX_RENDER_OUTPUT_BYTES,
  MAX_RENDER_TARGETS,
  RENDER_CONCURRENCY,
  RenderBudget,
} from "../core/render-limits.js";
import {
  generatorEntry,
  loadPatch,
  locateInPatches,
  originDocument,
  sourcePathOf,
  takeOrigin,
  type SourcePlace,
  translatePath,
  type LoadedPatch,
  type Origin,
} from "../core/render-mapping.js";
import { diffRendered, type RenderedTargetDiff } from "../core/rendered-diff.js";
import type { Finding, JsonPath, LineRange, ResourceRef, SkippedFile } from "../core/types.js";
import type { ManifestRenderer } from "../ports/manifest-renderer.js";
import type { ChangedFile, PullRequestSource } from "../ports/pull-request-source.js";
import { renderHelmReleases } from "./render-helm.js";
import { followedTargets, isApplication, type RenderedApplication } from "./render-followed.js";
import { vendoredChartsOf } from "../core/helm-releases.js";
import {
  changedPaths,
  CLUSTER_SCOPED,
  renderFailureFindings,
  resourceRef,
  show,
  Side,
} from "./render-side.js";
import {
  evaluateRoutedAsync,
  type EvaluationDeps,
  type EvaluationError,
  type RoutedDocument,
  type RoutedFindings,
} from "./evaluate-files.js";

export { RENDER_FAILURE_RULE } from "./render-side.js";

/** YAML files read at the head to find Flux Kustomizations and Argo CD Applications, at most. */
export const MAX_CONTROLLER_SCAN_FILES = 1_000;

export interface RenderOptions {
  readonly kustomize: boolean;
  /** Render the Helm releases of charts in the repository (needs `flux` or `argocd`). */
  readonly helm: boolean;
  readonly flux: boolean;
  readonly argocd: boolean;
  /** Remote charts rendered from a vendored copy: `<chart>=<folder>` entries. */
  readonly vendoredCharts?: readonly string[];
  /** Builds this review may run (MAX_RENDER_TARGETS when unset). */
  readonly maxTargets?: number;
  /** Allow-listed remote chart registries and repositories (none: never fetched). */
  readonly remoteCharts?: readonly string[];
  readonly plainHttpRegistries?: readonly string[];
}

export interface RenderDeps {
  readonly renderer: ManifestRenderer;
  readonly evaluation: EvaluationDeps;
}

export interface RenderedChanges {
  /** Findings of the rendered resources (pre-existing ones marked by the caller), and PCS004. */
  readonly head: readonly Finding[];
  readonly base: readonly Finding[];
  readonly errors: readonly EvaluationError[];
  readonly notEvaluated: readonly SkippedFile[];
  /** Changed files the head renders read: their resources were evaluated as rendered. */
  readonly covered: ReadonlySet<string>;
  readonly diffs: readonly RenderedTargetDiff[];
  readonly documentsEvaluated: number;
  /** The renderer that ran ("kustomize v5.8.2, without network"), when anything was rendered. */
  readonly renderer?: string;
}

const EMPTY: RenderedChanges = {
  head: [],
  base: [],
  errors: [],
  notEvaluated: [],
  covered: new Set(),
  diffs: [],
  documentsEvaluated: 0,
};

/** A folder to build, and who builds it. */
interface Target {
  readonly dir: string;
  readonly controllers: readonly ControllerTarget[];
}

/** The head's Flux Kustomizations and Argo CD Applications that build a folder of this repository. */
async function findControllers(
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
function plainResources(side: Side, dir: string, plain: ControllerTarget["plain"]): string[] {
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

interface Materialised {
  readonly files: Map<string, Uint8Array>;
  readonly blocked: Blocked[];
  readonly patches: LoadedPatch[];
  readonly tooLarge?: string;
}

/** The files a target's build reads at one side, checked and read; or why it is not built. */
async function materialise(side: Side, target: Target): Promise<Materialised | undefined> {
  const controller = target.controllers[0];
  const own = side.tree.kustomizationOf(target.dir);
  const roots = [target.dir];
  const extraFiles: string[] = [];
  let generated: Record<string, unknown> | undefined;
  if (!own) {
    if (!controller || !side.tree.hasDir(target.dir)) return undefined;
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
    generated = { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources };
  }
  // A controller's own components go through the same checks as a kustomization's entries:
  // kustomize would otherwise load a folder above the root, or try a remote one.
  const blocked: Blocked[] = [];
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
  const files = new Set<string>(extraFiles);
  const dirs: string[] = [];
  for (const r of roots) {
    const tree = treeOf(side.nodes, r);
    for (const f of tree.files) files.add(f);
    blocked.push(...tree.blocked);
    dirs.push(...tree.dirs.filter((d) => !dirs.includes(d)));
  }
  // Plugin configurations are read before anything runs: only kustomize's built-ins are built.
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
  return { files: out, blocked, patches };
}

/** A rendered resource with where it came from. */
interface RenderedResource {
  readonly value: Record<string, unknown>;
  readonly resource: ResourceRef;
  readonly origin: Origin;
}

/** Flux `substituteFrom`: the repository's ConfigMaps by name in the object's namespace; Secrets' values are never read. */
function substitutionValues(side: Side, target: ControllerTarget): Record<string, string> {
  const sub = target.substitute;
  if (!sub) return {};
  const vars: Record<string, string> = {};
  const namespace = target.controller.namespace;
  for (const from of sub.from) {
    for (const file of side.parsed.values())
      for (const doc of file.documents) {
        const v = doc.value;
        if (!isPlainObject(v) || v.kind !== from.kind || doc.resource.name !== from.name) continue;
        if (namespace && doc.resource.namespace && doc.resource.namespace !== namespace) continue;
        for (const key of ["data", "stringData"]) {
          const data = isPlainObject(v[key]) ? v[key] : {};
          for (const [k, x] of Object.entries(data))
            vars[k] =
              from.kind === "Secret" ? `SECRET-${from.name}-${k}` : String(x).replace(/\n/g, "");
        }
      }
  }
  for (const [k, v] of Object.entries(sub.values)) vars[k] = v.replace(/\n/g, "");
  return vars;
}

function postProcess(
  value: Record<string, unknown>,
  controller: ControllerTarget | undefined,
  vars: Record<string, string>,
): Record<string, unknown> {
  let out = value;
  if (controller?.substitute) {
    const meta = isPlainObject(out.metadata) ? out.metadata : {};
    const disabled = [meta.labels, meta.annotations].some(
      (m) => isPlainObject(m) && m["kustomize.toolkit.fluxcd.io/substitute"] === "disabled",
    );
    if (!disabled) out = substituteVariables(out, vars) as Record<string, unknown>;
  }
  const common = controller?.commonMetadata;
  if (common) {
    const meta = isPlainObject(out.metadata) ? out.metadata : (out.metadata = {});
    const m = meta as Record<string, unknown>;
    if (Object.keys(common.labels).length > 0)
      m.labels = { ...(isPlainObject(m.labels) ? m.labels : {}), ...common.labels };
    if (Object.keys(common.annotations).length > 0)
      m.annotations = {
        ...(isPlainObject(m.annotations) ? m.annotations : {}),
        ...common.annotations,
      };
  }
  const ns = controller?.defaultNamespace;
  if (ns && typeof out.kind === "string" && !CLUSTER_SCOPED.has(out.kind)) {
    const meta = (isPlainObject(out.metadata) ? out.metadata : (out.metadata = {})) as Record<
      string,
      unknown
    >;
    if (typeof meta.namespace !== "string" || meta.namespace === "") meta.namespace = ns;
  }
  return out;
}

/** Where a failure of the target is reported: the controller's path field, else the kustomization's kind line. */
function reportPlace(
  side: Side,
  target: Target,
): { file: ParsedFile; doc: ParsedDocument; path: JsonPath } | undefined {
  const c = target.controllers[0]?.controller;
  if (c) {
    const file = side.file(c.file);
    const doc = file?.documents.find((d) => d.index === c.documentIndex);
    if (file && doc) return { file, doc, path: c.pathField };
  }
  const own = side.tree.kustomizationOf(target.dir);
  const file = own ? side.file(own) : undefined;
  const doc = file?.documents[0];
  return file && doc ? { file, doc, path: [] } : undefined;
}

function labelOf(target: Target): string[] {
  return [
    `kustomize ${show(target.dir)}`,
    ...target.controllers.map((c) => describeController(c.controller)),
  ];
}

interface SideOutcome {
  readonly status: "rendered" | "failed" | "not-evaluated" | "absent";
  readonly reason?: string;
  readonly resources: RenderedResource[];
  readonly findings: Finding[];
  readonly errors: EvaluationError[];
  readonly blocked: Blocked[];
  readonly files: ReadonlySet<string>;
  readonly durationMs: number;
  readonly documents: number;
  /** Left out: the review's render budget was used up. */
  readonly overBudget?: boolean;
}

/** Renders one target at one side and evaluates what it produces; `ticket` grants the build. */
async function renderSide(
  side: Side,
  target: Target,
  config: Config,
  deps: RenderDeps,
  budget: { ticket: () => boolean; reason: () => string },
): Promise<SideOutcome> {
  const none = {
    resources: [],
    findings: [],
    errors: [],
    blocked: [],
    files: new Set<string>(),
    durationMs: 0,
    documents: 0,
  };
  const m = await materialise(side, target);
  if (!m) return { ...none, status: "absent" };
  if (m.blocked.length > 0 || m.tooLarge)
    return {
      ...none,
      status: "not-evaluated",
      blocked: m.blocked,
      reason: m.tooLarge ?? "it asks for what is never loaded",
    };
  if (!budget.ticket())
    return { ...none, status: "not-evaluated", reason: budget.reason(), overBudget: true };
  const outcome = await deps.renderer.renderKustomization({ dir: target.dir, files: m.files });
  if (!outcome.ok && outcome.reason === "unavailable") {
    // Not the repository's fault, and not something the base "already had": the review is incomplete.
    const place = reportPlace(side, target);
    const errors = place
      ? [
          {
            file: place.file.file,
            line: place.doc.locate(place.path).lines.start,
            message: outcome.message,
          },
        ]
      : [];
    return { ...none, status: "failed", reason: outcome.message, errors };
  }
  if (!outcome.ok) {
    const findings = failureFindings(side, target, outcome.message, config, deps);
    return {
      ...none,
      status: "failed",
      reason: outcome.message,
      findings,
      durationMs: outcome.durationMs,
    };
  }
  const rendered = parseManifest(`${show(target.dir)} (rendered)`, outcome.yaml, {
    ...DEFAULT_PARSE_LIMITS,
    maxFileBytes: MAX_RENDER_OUTPUT_BYTES,
    maxDocuments: Number.MAX_SAFE_INTEGER,
  });
  if (rendered.problems.length > 0) {
    const findings = failureFindings(
      side,
      target,
      `the rendered output could not be read: ${rendered.problems[0]!.message}`,
      config,
      deps,
    );
    return {
      ...none,
      status: "failed",
      reason: rendered.problems[0]!.message,
      findings,
      durationMs: outcome.durationMs,
    };
  }
  const controller = target.controllers[0];
  const vars = controller ? substitutionValues(side, controller) : {};
  const resources: RenderedResource[] = [];
  for (const doc of rendered.documents) {
    if (!isPlainObject(doc.value) || !isKubernetesObject(doc.value)) continue;
    const value = structuredClone(doc.value);
    const origin = takeOrigin(value, outcome.originRoot);
    const processed = postProcess(value, controller, vars);
    resources.push({ value: processed, resource: resourceRef(processed), origin });
  }
  await side.read(
    resources
      .flatMap((r) => [r.origin.file, r.origin.configuredIn])
      .filter((p): p is string => p !== undefined),
  );
  const place = reportPlace(side, target);
  const documents = resources.flatMap((r) => {
    const routed = routedDocument(side, r, m.patches, place, (res) =>
      namespaceSetter(side, target, res),
    );
    return routed ? [routed] : [];
  });
  const report = await evaluateRoutedAsync(documents, config, deps.evaluation);
  const affects = labelOf(target);
  return {
    status: "rendered",
    resources,
    findings: report.findings.map((f) => ({ ...f, affects })),
    errors: [...report.errors],
    blocked: [],
    files: new Set(m.files.keys()),
    durationMs: outcome.durationMs,
    documents: documents.length,
  };
}

/**
 * The line a human edits to change a rendered object's namespace: the controller's
 * `targetNamespace` (Argo CD `kustomize.namespace`), else the outermost kustomization of the build
 * that sets `namespace:` over the object's file, else the object's own `metadata.namespace`
 * (undefined: the usual mapping), else the Application's `destination.namespace`.
 */
function namespaceSetter(side: Side, target: Target, r: RenderedResource): SourcePlace | undefined {
  const controller = target.controllers[0];
  const at = (file: string, documentIndex: number, path: JsonPath): SourcePlace | undefined => {
    const doc = side.file(file)?.documents.find((d) => d.index === documentIndex);
    return doc ? { file, lines: doc.locate(path).lines } : undefined;
  };
  const ref = controller?.controller;
  if (ref && controller.overlay.namespace && controller.namespaceField)
    return at(ref.file, ref.documentIndex, controller.namespaceField);
  const own = side.tree.kustomizationOf(target.dir);
  const roots = own ? [target.dir] : [...buildDirs(side, target)];
  for (const root of roots) {
    const tree = treeOf(side.nodes, root);
    for (const dir of tree.dirs) {
      const node = side.nodes.get(dir)!;
      const doc = side.file(node.file)?.documents[0];
      if (!doc || !isPlainObject(doc.value) || typeof doc.value.namespace !== "string") continue;
      if (r.origin.file && !treeOf(side.nodes, dir).files.has(r.origin.file)) continue;
      return { file: node.file, lines: doc.locate(["namespace"]).lines };
    }
  }
  const originFile = r.origin.file ? side.file(r.origin.file) : undefined;
  const originDoc = originFile ? originDocument(originFile, r.resource) : undefined;
  const meta = isPlainObject(originDoc?.value) ? originDoc.value.metadata : undefined;
  if (isPlainObject(meta) && typeof meta.namespace === "string") return undefined;
  if (ref && controller.defaultNamespace && controller.namespaceField)
    return at(ref.file, ref.documentIndex, controller.namespaceField);
  return undefined;
}

/** PCS004 at the target's line, through the pipeline's assembly (severity, waivers, fingerprint). */
function failureFindings(
  side: Side,
  target: Target,
  message: string,
  config: Config,
  deps: RenderDeps,
): Finding[] {
  const place = reportPlace(side, target);
  if (!place) return [];
  const controller = target.controllers[0]?.controller;
  const what = controller
    ? `${describeController(controller)} (${show(target.dir)})`
    : `kustomization ${show(target.dir)}`;
  return renderFailureFindings(
    place,
    `${what} could not be rendered: ${message}`,
    labelOf(target),
    config,
    deps.evaluation,
  );
}

/**
 * A rendered resource as the pipeline sees it: evaluated as rendered, each result routed to the
 * patch that set its field, else to the field in the resource's source file, else to the
 * resource's (or the kustomization's) kind line. A fix is kept when its path exists in the
 * document the finding lands in (list elements matched by name), and dropped otherwise.
 */
function routedDocument(
  side: Side,
  r: RenderedResource,
  patches: readonly LoadedPatch[],
  place: { file: ParsedFile; doc: ParsedDocument } | undefined,
  namespaceSetter?: (r: RenderedResource) => SourcePlace | undefined,
): RoutedDocument | undefined {
  const originFile = r.origin.file ? side.file(r.origin.file) : undefined;
  const originDoc = originFile ? originDocument(originFile, r.resource) : undefined;
  const generatedIn =
    !originDoc && r.origin.configuredIn ? side.file(r.origin.configuredIn) : undefined;
  const home =
    originDoc && originFile
      ? { file: originFile, doc: originDoc }
      : generatedIn?.documents[0]
        ? { file: generatedIn, doc: generatedIn.documents[0] }
        : place;
  if (!home) return undefined;
  const patched = { value: r.value, resource: r.resource, sourceName: originDoc?.resource.name };
  const locate = (path: JsonPath): SourcePlace => {
    if (path.length === 2 && path[0] === "metadata" && path[1] === "namespace") {
      const setter = namespaceSetter?.(r);
      if (setter) return setter;
    }
    const inPatch = locateInPatches(patches, patched, path);
    if (inPatch) return inPatch;
    if (originDoc && originFile) {
      const t = translatePath(r.value, path, originDoc.value, true);
      const found = originDoc.locate(t.path).lines;
      return {
        file: originFile.file,
        lines: t.complete ? found : { start: found.start, end: found.start },
        documentIndex: originDoc.index,
        source: { value: originDoc.value, path: t.path },
      };
    }
    if (generatedIn?.documents[0]) {
      const entry = generatorEntry(generatedIn.documents[0], r.origin.generator, r.resource);
      return { file: generatedIn.file, lines: generatedIn.documents[0].locate(entry).lines };
    }
    return { file: home.file.file, lines: { start: home.doc.kindLine, end: home.doc.kindLine } };
  };
  const standIn = (
    file: ParsedFile,
    index: number | undefined,
    lines: Map<string, LineRange>,
  ): ParsedDocument => {
    const sameAsOrigin =
      file === originFile && originDoc !== undefined && index === originDoc.index;
    const first = lines.values().next().value as LineRange | undefined;
    const kindLine = sameAsOrigin
      ? originDoc.kindLine
      : file === home.file
        ? home.doc.kindLine
        : (first?.start ?? 1);
    return {
      index: index ?? (file === home.file ? home.doc.index : 0),
      value: r.value,
      lines: sameAsOrigin ? originDoc.lines : { start: kindLine, end: kindLine },
      resource: r.resource,
      kindLine,
      locate: (path) => ({
        lines: lines.get(JSON.stringify(path)) ?? locate(path).lines,
        exact: true,
      }),
      locateInString: (path, offset) => {
        if (!sameAsOrigin) return undefined;
        const t = translatePath(r.value, path, originDoc.value, true);
        return t.complete ? originDoc.locateInString(t.path, offset) : undefined;
      },
    };
  };
  const route = (raw: RoutedFindings["raw"]): RoutedFindings[] => {
    type Raw = RoutedFindings["raw"][number];
    const groups = new Map<
      string,
      { file: string; index?: number; lines: Map<string, LineRange>; raw: Raw[] }
    >();
    for (const finding of raw) {
      const where = locate(finding.path);
      const key = `${where.file}\u0000${where.documentIndex ?? ""}`;
      let g = groups.get(key);
      if (!g)
        groups.set(
          key,
          (g = { file: where.file, index: where.documentIndex, lines: new Map(), raw: [] }),
        );
      g.lines.set(JSON.stringify(finding.path), where.lines);
      const fixPath =
        finding.fix && where.source
          ? sourcePathOf(r.value, finding.fix.path, where.source.value)
          : undefined;
      const { fix, ...rest } = finding;
      g.raw.push(fix && fixPath ? { ...rest, fix: { ...fix, path: fixPath } } : rest);
    }
    return [...groups.values()].flatMap((g) => {
      const file = side.file(g.file);
      return file ? [{ file, doc: standIn(file, g.index, g.lines), raw: g.raw }] : [];
    });
  };
  return { file: home.file, doc: standIn(home.file, home.doc.index, new Map()), route };
}

/** One finding per rule, line and message across kustomizations, naming every one it appears in. */
function mergeAcrossTargets(findings: readonly Finding[]): Finding[] {
  const byPlace = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.rule}\u0000${f.file}\u0000${f.lines.start}\u0000${f.message}`;
    const known = byPlace.get(key);
    if (!known) byPlace.set(key, f);
    else
      byPlace.set(key, {
        ...known,
        affects: [...new Set([...(known.affects ?? []), ...(f.affects ?? [])])],
      });
  }
  return [...byPlace.values()];
}

/** The targets of a change: affected kustomizations, and controller objects whose folder it touches. */
function targetsOf(
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
    (a, b) => a.dir.localeCompare(b.dir) || a.controllers.length - b.controllers.length,
  );
}

/** The controllers of the head, as the base had them (options may differ); the head's when the base has none. */
function atBase(
  base: Side,
  head: ControllerTarget[],
  baseControllers: ControllerTarget[],
): Map<ControllerTarget, ControllerTarget | undefined> {
  const key = (c: ControllerRef) => `${c.kind}\u0000${c.namespace ?? ""}\u0000${c.name}`;
  const found = new Map(baseControllers.map((c) => [key(c.controller), c]));
  return new Map(head.map((c) => [c, found.get(key(c.controller))]));
}

export async function renderChanges(
  source: PullRequestSource,
  changedFiles: readonly ChangedFile[],
  config: Config,
  options: RenderOptions,
  deps: RenderDeps,
): Promise<RenderedChanges> {
  if (!options.kustomize && !options.helm) return EMPTY;
  const [headPaths, basePaths] = await Promise.all([
    source.listPaths(source.head),
    source.listPaths(source.base),
  ]);
  const head = new Side(source.head, new RepoTree(headPaths), source, config);
  const base = new Side(source.base, new RepoTree(basePaths), source, config);
  if (options.kustomize) await Promise.all([head.loadKustomizations(), base.loadKustomizations()]);
  const changed = changedPaths(changedFiles);
  const found = await findControllers(head, options, source.repositoryUrls ?? []);
  const { targets: headControllers, sources } = found;
  // The base is read only where the head found controllers: their files, as the base had them.
  await base.read(
    [...new Set(headControllers.map((c) => c.controller.file))].filter((p) => base.tree.hasFile(p)),
  );
  const baseFiles = [...new Set(headControllers.map((c) => c.controller.file))]
    .map((p) => base.file(p))
    .filter((f): f is ParsedFile => f !== undefined);
  const baseControllers = baseFiles.flatMap((f) =>
    // The head's sources say which are this repository (the base's are not read again).
    controllerTargetsOf(f, base.tree, sources, options),
  );
  const baseOf = atBase(base, headControllers, baseControllers);

  const all = targetsOf(head, base, changed, headControllers);
  const budget = new RenderBudget(options.maxTargets ?? MAX_RENDER_TARGETS);
  const renderTarget = async (t: Target): Promise<TargetResult> => {
    const baseTarget: Target = {
      dir: t.dir,
      controllers: t.controllers.map((c) => baseOf.get(c) ?? c),
    };
    // Head and base share one ticket: a target costs one unit of the budget, and only if it builds.
    const gate = { ticket: budget.ticket(), reason: () => budget.reason };
    const h = await renderSide(head, t, config, deps, gate);
    const b = await renderSide(base, baseTarget, config, deps, gate);
    return { target: t, head: h, base: b };
  };
  // What a Flux or Argo CD object builds comes first, then its Helm releases, then the
  // kustomizations no object names.
  const controlled = all.filter((t) => t.controllers.length > 0);
  const results = await inPool(controlled, RENDER_CONCURRENCY, renderTarget);
  const helm = options.helm
    ? await renderHelmReleases(
        head,
        base,
        changed,
        found,
        {
          flux: options.flux,
          argocd: options.argocd,
          budget,
          vendoredCharts: vendoredChartsOf(options.vendoredCharts ?? []),
          remoteCharts: options.remoteCharts ?? [],
          plainHttpRegistries: options.plainHttpRegistries ?? [],
        },
        { config, renderer: deps.renderer, evaluation: deps.evaluation },
      )
    : undefined;
  // An app of apps: the Applications that renders produced build folders too.
  const produced = [
    ...results.flatMap((r) =>
      r.head.status === "rendered"
        ? r.head.resources
            .filter((x) => isApplication(x.value))
            .map((x) => ({ parent: parentOf(head, r.target), value: x.value }))
        : [],
    ),
    ...(helm?.applications ?? []),
  ].filter((a): a is RenderedApplication => a.parent !== undefined);
  const built = new Set(all.map((t) => t.dir));
  const followed = targetsOf(
    head,
    base,
    changed,
    followedTargets(head, head.tree, sources, produced),
  ).filter((t) => !built.has(t.dir) && t.controllers.length > 0);
  results.push(...(await inPool(followed, RENDER_CONCURRENCY, renderTarget)));
  results.push(...(await renderPlain(head, [...all, ...followed], results, renderTarget)));
  // Argo CD objects the change touches that are not this repository's, or cannot be decided.
  const argoNotices = options.argocd
    ? found.files
        .filter((f) => changed.head.has(f.file))
        .flatMap((f) => argoNotEvaluated(f, head.tree, sources))
    : [];
  if (results.length === 0 && (!helm || helm.diffs.length + helm.notEvaluated.length === 0))
    return { ...EMPTY, notEvaluated: argoNotices };

  const covered = new Set<string>(helm?.covered);
  const diffs: RenderedTargetDiff[] = [];
  const errors: EvaluationError[] = [];
  let documents = helm?.documents ?? 0;
  const notEvaluated: SkippedFile[] = [...(helm?.notEvaluated ?? []), ...argoNotices];
  for (const { target, head: h, base: b } of results) {
    if (h.overBudget) errors.push(overBudgetError(head, target, h.reason!));
    for (const blocked of h.blocked)
      notEvaluated.push({
        file: blocked.file,
        line: blocked.line,
        reason: `${blocked.reason}; ${show(target.dir)} was not rendered`,
      });
    // Not rendered for another reason (too many files or bytes): listed too, at the kustomization.
    if (h.status === "not-evaluated" && h.blocked.length === 0 && !h.overBudget)
      notEvaluated.push({
        file: head.tree.kustomizationOf(target.dir) ?? show(target.dir),
        line: 1,
        reason: `${h.reason ?? "not rendered"}; ${show(target.dir)} was not rendered`,
      });
    if (h.status === "rendered") for (const f of h.files) if (changed.head.has(f)) covered.add(f);
    errors.push(...h.errors);
    documents += h.documents;
    if (h.status === "absent" && b.status === "absent") continue;
    diffs.push({
      target: show(target.dir),
      controllers: target.controllers.map((c) => describeController(c.controller)),
      status: h.status === "absent" ? "rendered" : h.status,
      reason: h.reason,
      changes:
        h.status === "rendered" || h.status === "absent"
          ? diffRendered(b.resources, h.resources)
          : [],
      resources: h.resources.length,
      durationMs: h.durationMs + b.durationMs,
    });
  }
  return {
    head: mergeAcrossTargets([...results.flatMap((r) => r.head.findings), ...(helm?.head ?? [])]),
    base: mergeAcrossTargets([...results.flatMap((r) => r.base.findings), ...(helm?.base ?? [])]),
    errors: [...errors, ...(helm?.errors ?? [])].sort(byPlace),
    notEvaluated: dedupeSkipped(notEvaluated),
    covered,
    diffs: [...diffs, ...(helm?.diffs ?? [])],
    documentsEvaluated: documents,
    renderer: await deps.renderer.describe(),
  };
}

/** What a target's render is attributed to: its controller object, else its kustomization. */
function parentOf(side: Side, target: Target): ControllerRef | undefined {
  const c = target.controllers[0]?.controller;
  if (c) return c;
  const own = side.tree.kustomizationOf(target.dir);
  return own
    ? { kind: "Argo CD Application", name: "", file: own, documentIndex: 0, pathField: [] }
    : undefined;
}

interface TargetResult {
  readonly target: Target;
  readonly head: SideOutcome;
  readonly base: SideOutcome;
}

/** The kustomization folders a target's build reads (its own tree, or its sub-folders' trees). */
function buildDirs(side: Side, target: Target): Set<string> {
  const roots = side.tree.kustomizationOf(target.dir)
    ? [target.dir]
    : target.controllers[0]
      ? plainResources(side, target.dir, target.controllers[0].plain).filter(
          (p) => side.tree.kustomizationOf(p) !== undefined,
        )
      : [];
  return new Set(roots.flatMap((r) => treeOf(side.nodes, r).dirs));
}

/**
 * The kustomizations no Flux or Argo CD object builds. One that a rendered target's tree already
 * holds is not built again on its own (its changes were evaluated as that target deploys them);
 * it is built alone only when none of those rendered at the head.
 */
async function renderPlain(
  head: Side,
  all: readonly Target[],
  done: readonly TargetResult[],
  renderTarget: (t: Target) => Promise<TargetResult>,
): Promise<TargetResult[]> {
  const dirs = new Map(all.map((t) => [t, buildDirs(head, t)]));
  const plain = all.filter((t) => t.controllers.length === 0);
  const containers = new Map(
    plain.map((t) => [t, all.filter((o) => o !== t && dirs.get(o)!.has(t.dir))]),
  );
  const out = await inPool(
    plain.filter((t) => containers.get(t)!.length === 0),
    RENDER_CONCURRENCY,
    renderTarget,
  );
  const rendered = new Set(
    [...done, ...out].filter((r) => r.head.status === "rendered").map((r) => r.target),
  );
  const nested = plain
    .filter((t) => containers.get(t)!.length > 0)
    .sort((a, b) => containers.get(a)!.length - containers.get(b)!.length);
  for (const t of nested) {
    if (containers.get(t)!.some((o) => rendered.has(o))) continue;
    const r = await renderTarget(t);
    out.push(r);
    if (r.head.status === "rendered") rendered.add(t);
  }
  return out;
}

/** A target the budget left out: an error at its line, so the check cannot pass without it. */
function overBudgetError(side: Side, target: Target, reason: string): EvaluationError {
  const place = reportPlace(side, target);
  const what = target.controllers[0]
    ? `${describeController(target.controllers[0].controller)} (${show(target.dir)})`
    : `kustomization ${show(target.dir)}`;
  return {
    file: place?.file.file ?? show(target.dir),
    line: place ? place.doc.locate(place.path).lines.start : 1,
    message: `${what} was left out, ${reason}`,
  };
}

function byPlace(a: EvaluationError, b: EvaluationError): number {
  return a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0);
}

function dedupeSkipped(items: readonly SkippedFile[]): SkippedFile[] {
  const seen = new Set<string>();
  return items.filter((s) => {
    const key = `${s.file}\u0000${s.line ?? ""}\u0000${s.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
