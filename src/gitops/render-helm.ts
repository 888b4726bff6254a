// The Helm part of a rendering review: releases of the repository's charts that a change affects,
// rendered at base and head with `helm template`, evaluated, and their findings mapped to the
// values line that set a field, else to the template that produced the object.
import { posix } from "node:path";
import type { Config } from "../config/config.js";
import { isKubernetesObject } from "../core/findings.js";
import { describeController, type FluxSources } from "./gitops-controllers.js";
import {
  helmReleasesOf,
  type VendoredCharts,
  renderedField,
  splitHelmOutput,
  templateKindLine,
  valuesKeyOf,
  type HelmReleaseTarget,
} from "./helm-releases.js";
import { parseManifest, type ParsedDocument, type ParsedFile } from "../yaml/index.js";
import { isPlainObject } from "../core/plain-data.js";
import { type RenderBudget } from "../core/render-limits.js";
import { diffRendered, type RenderedTargetDiff } from "../core/rendered-diff.js";
import type { Finding, LineRange, ResourceRef, SkippedFile } from "../core/types.js";
import type { ManifestRenderer } from "../ports/manifest-renderer.js";
import {
  evaluateRoutedAsync,
  type EvaluationDeps,
  type EvaluationError,
  type RoutedDocument,
  type RoutedFindings,
} from "../review/evaluate-files.js";
import { isApplication, originKey, type RenderedApplication } from "./render-followed.js";
import {
  CLUSTER_SCOPED,
  renderFailureFindings,
  resourceRef,
  show,
  type Side,
} from "./render-side.js";
import {
  chartDefaults,
  findConfigMap,
  readValues,
  valueAt,
  type ReadValues,
} from "./render-helm-values.js";
import {
  fieldAt,
  lineOf,
  NONE,
  type FieldPlace,
  remoteChart,
  repositoryChart,
  type Place,
  type ReleaseSide,
} from "./render-helm-chart.js";

export interface HelmRendered {
  readonly head: Finding[];
  readonly base: Finding[];
  readonly errors: EvaluationError[];
  readonly notEvaluated: SkippedFile[];
  readonly covered: Set<string>;
  readonly diffs: RenderedTargetDiff[];
  documents: number;
  /** Argo CD Applications the head's renders produced (an app of apps), to be followed. */
  readonly applications: RenderedApplication[];
  /** The same at the base (what the head's are compared with). */
  readonly baseApplications: RenderedApplication[];
}

function placeOf(side: Side, release: HelmReleaseTarget): Place | undefined {
  const file = side.file(release.controller.file);
  const doc = file?.documents.find((d) => d.index === release.controller.documentIndex);
  return file && doc ? { file, doc, path: release.controller.pathField } : undefined;
}

function describe(release: HelmReleaseTarget): string {
  return `${show(release.chartDir ?? "?")} (Helm release ${release.namespace}/${release.release})`;
}

function labelOf(release: HelmReleaseTarget): string[] {
  return [`helm ${describe(release)}`, describeController(release.controller)];
}

/** A document of a file as the pipeline sees a rendered object: every finding at its mapped line. */
function standIn(
  value: Record<string, unknown>,
  resource: ResourceRef,
  index: number,
  kindLine: number,
  lines: ReadonlyMap<string, LineRange>,
): ParsedDocument {
  return {
    index,
    value,
    lines: { start: kindLine, end: kindLine },
    resource,
    kindLine,
    locate: (path) => ({
      lines: lines.get(JSON.stringify(path)) ?? { start: kindLine, end: kindLine },
      exact: true,
    }),
    locateInString: () => undefined,
  };
}

/**
 * Where a field of a rendered object is set: a field holding a value the release's values set
 * under a key of the field's name is at that values line (the last source that sets it); the
 * namespace Helm gave is at the release's namespace field; any other is at the template.
 */
function fieldPlaceOf(
  value: Record<string, unknown>,
  home: ParsedFile,
  homeLine: number,
  values: readonly ReadValues[],
  place: Place,
  release: HelmReleaseTarget,
): FieldPlace {
  return (path) => {
    // The release's namespace is set on the release object (Helm gives it to what names none).
    const setsNamespace =
      release.namespaceField !== undefined &&
      JSON.stringify(path) === '["metadata","namespace"]' &&
      valueAt(value, ["metadata", "namespace"]) === release.namespace;
    if (setsNamespace) return fieldAt(place, release.namespaceField!);
    const field = renderedField(value, path);
    for (const v of field ? [...values].reverse() : []) {
      const key = valuesKeyOf(v.value, field!.field, field!.value);
      const found = key ? v.locate(key) : undefined;
      if (found) return found;
    }
    return { file: home, line: homeLine };
  };
}

/**
 * A rendered object routed as the pipeline needs it: a finding whose field holds a value the
 * release's values set under a key of the field's name lands on that values line (the last source
 * that sets it); any other lands on the template's kind line. Fixes are dropped: a template is not
 * the object.
 */
function routedHelmDocument(
  value: Record<string, unknown>,
  template: ParsedFile | undefined,
  values: readonly ReadValues[],
  place: Place,
  release: HelmReleaseTarget,
  defaults: readonly ReadValues[],
): RoutedDocument & { at: FieldPlace } {
  const resource = resourceRef(value);
  const home = template ?? place.file;
  const homeLine = template ? templateKindLine(template.text) : lineOf(place);
  const fieldPlace = fieldPlaceOf(value, home, homeLine, values, place, release);
  const route = (raw: RoutedFindings["raw"]): RoutedFindings[] => {
    type Group = { lines: Map<string, LineRange>; raw: RoutedFindings["raw"][number][] };
    const groups = new Map<ParsedFile, Group>();
    for (const finding of raw) {
      const where = fieldPlace(finding.path);
      const g: Group = groups.get(where.file) ?? { lines: new Map(), raw: [] };
      groups.set(where.file, g);
      g.lines.set(JSON.stringify(finding.path), { start: where.line, end: where.line });
      g.raw.push({ ...finding, fix: undefined });
    }
    return [...groups].map(([file, g]) => {
      const index =
        file === place.file
          ? place.doc.index
          : file === template
            ? 0
            : (file.documents[0]?.index ?? 0);
      const kindLine = file === home ? homeLine : (g.lines.values().next().value?.start ?? 1);
      return { file, doc: standIn(value, resource, index, kindLine, g.lines), raw: g.raw };
    });
  };
  const index = home === place.file ? place.doc.index : 0;
  const doc = standIn(value, resource, index, homeLine, new Map());
  // An object's fields as a child Application's values: the chart's own values.yaml counts too.
  const at = fieldPlaceOf(value, home, homeLine, [...defaults, ...values], place, release);
  return { file: home, doc, route, at };
}

export interface HelmContext {
  readonly config: Config;
  readonly renderer: ManifestRenderer;
  readonly evaluation: EvaluationDeps;
  /** The YAML files scanned for controller objects (where ConfigMaps of values are looked for). */
  readonly scanned: readonly string[];
  /** The base configuration's allow-list of remote charts, and registries reached without TLS. */
  readonly remoteCharts: readonly string[];
  readonly plainHttp: readonly string[];
  /** Shared with the kustomizations: a release costs one build, only if it builds. */
  readonly budget: RenderBudget;
}

/** Renders one release at one side and evaluates what it produces. */
async function renderRelease(
  side: Side,
  release: HelmReleaseTarget | undefined,
  ctx: HelmContext,
  ticket: () => boolean,
  at?: Place,
): Promise<ReleaseSide> {
  if (!release) return { ...NONE, status: "absent" };
  const place = at ?? placeOf(side, release);
  if (!place) return { ...NONE, status: "absent" };
  const chart = release.remote
    ? await remoteChart(release, release.remote, ctx, place)
    : await repositoryChart(side, release);
  if ("status" in chart) return chart;
  const { dir: chartDir, files } = chart;
  const valuesFiles = release.values.flatMap((v) => (v.kind === "file" ? [v.file] : []));
  await side.read(valuesFiles);
  // ConfigMaps of values are looked for among the files scanned at the head, as this side has them.
  if (release.values.some((v) => v.kind === "ConfigMap"))
    await side.read(ctx.scanned.filter((p) => side.tree.hasFile(p)));
  const values = readValues(side, release, place, ctx.scanned);
  if (typeof values === "string") return { ...NONE, status: "not-evaluated", reason: values };
  for (const v of values) files.set(v.buildPath, v.content);
  const defaults = await chartDefaults(side, release, place);
  if (!ticket()) return { ...NONE, status: "not-evaluated", overBudget: true };
  const outcome = await ctx.renderer.renderHelmChart!({
    files,
    chartDir,
    release: release.release,
    namespace: release.namespace,
    valuesFiles: values.map((v) => v.buildPath),
    ...(release.set ? { set: release.set } : {}),
  });
  if (!outcome.ok && outcome.reason === "unavailable")
    return {
      ...NONE,
      status: "failed",
      reason: outcome.message,
      errors: [{ file: place.file.file, line: lineOf(place), message: outcome.message }],
    };
  if (!outcome.ok)
    return {
      ...NONE,
      status: "failed",
      reason: outcome.message,
      findings: renderFailureFindings(
        place,
        `${describeController(release.controller)} (${describe(release)}) could not be rendered: ${outcome.message}`,
        labelOf(release),
        ctx.config,
        ctx.evaluation,
      ),
      durationMs: outcome.durationMs,
    };
  const { resources, documents, covered } = routedOutput(
    side,
    release,
    { chartDir, valuesFiles, yaml: outcome.yaml },
    values,
    place,
    defaults,
  );
  const report = await evaluateRoutedAsync(documents, ctx.config, ctx.evaluation);
  const affects = labelOf(release);
  return {
    status: "rendered",
    resources,
    findings: report.findings.map((f) => ({ ...f, affects })),
    errors: [...report.errors],
    files: [...covered],
    durationMs: outcome.durationMs,
  };
}

/**
 * A release's rendered output, each resource routed to the template, values or chart default
 * line that set it, and the files the render stands for.
 */
function routedOutput(
  side: Side,
  release: HelmReleaseTarget,
  rendered: { chartDir: string; valuesFiles: readonly string[]; yaml: string },
  values: Exclude<ReturnType<typeof readValues>, string>,
  place: Place,
  defaults: Awaited<ReturnType<typeof chartDefaults>>,
): { resources: ReleaseSide["resources"]; documents: RoutedDocument[]; covered: Set<string> } {
  const { chartDir, valuesFiles } = rendered;
  const resources: ReleaseSide["resources"] = [];
  const documents: RoutedDocument[] = [];
  // What this render stands for: the values files, the chart's own metadata and defaults, and
  // the templates that produced output. A changed file of the chart that produced nothing here
  // (a test hook, crds/, ci/ values, a disabled template) is still looked at on its own.
  const covered = new Set<string>([
    ...valuesFiles,
    posix.join(chartDir, "Chart.yaml"),
    posix.join(chartDir, "values.yaml"),
  ]);
  for (const out of splitHelmOutput(rendered.yaml, chartDir)) {
    if (out.template) covered.add(out.template);
    const parsed = parseManifest(`${describe(release)} (rendered)`, out.text).documents;
    const template =
      out.template && side.bytes.get(out.template)
        ? {
            file: out.template,
            text: Buffer.from(side.bytes.get(out.template)!).toString("utf8"),
            documents: [],
            problems: [],
          }
        : undefined;
    for (const doc of parsed) {
      if (!isPlainObject(doc.value) || !isKubernetesObject(doc.value)) continue;
      // Helm applies namespaced objects that name none in the release's namespace.
      const meta = doc.value.metadata;
      if (
        isPlainObject(meta) &&
        typeof doc.value.kind === "string" &&
        !CLUSTER_SCOPED.has(doc.value.kind) &&
        (typeof meta.namespace !== "string" || meta.namespace === "")
      )
        meta.namespace = release.namespace;
      const routed = routedHelmDocument(doc.value, template, values, place, release, defaults);
      resources.push({ resource: resourceRef(doc.value), value: doc.value, at: routed.at });
      documents.push(routed);
    }
  }
  return { resources, documents, covered };
}

/** The context a review's Helm renders share: the budget, allow-lists and scanned files. */
export function helmContextOf(
  found: { scanned: readonly string[] },
  options: {
    readonly budget: RenderBudget;
    readonly remoteCharts: readonly string[];
    readonly plainHttpRegistries: readonly string[];
  },
  ctx: Omit<HelmContext, "scanned" | "remoteCharts" | "plainHttp" | "budget">,
): HelmContext {
  return {
    ...ctx,
    scanned: found.scanned,
    remoteCharts: options.remoteCharts,
    plainHttp: options.plainHttpRegistries,
    budget: options.budget,
  };
}

/**
 * One release rendered at head and base for one ticket of the budget, its outcome added to
 * `out`; `place` is where the release object is (for a rendered Application, a stand-in whose
 * fields are found where the parent's render set them).
 */
export async function renderReleasePair(
  sides: { head: Side; base: Side },
  pair: {
    release: HelmReleaseTarget;
    atBase: HelmReleaseTarget | undefined;
    place: Place;
    basePlace?: Place;
  },
  changed: { head: ReadonlySet<string> },
  context: HelmContext,
  out: HelmRendered,
): Promise<void> {
  const { release, atBase, place } = pair;
  const budget = context.budget;
  const ticket = budget.ticket();
  const h = await renderRelease(sides.head, release, context, ticket, place);
  const b = await renderRelease(sides.base, atBase, context, ticket, pair.basePlace);
  const reason = h.overBudget ? budget.reason : (release.refusal ?? h.reason);
  // Left out for the budget: an error, so the check cannot pass without it.
  if (h.overBudget)
    out.errors.push({
      file: place.file.file,
      line: lineOf(place),
      message: `${describeController(release.controller)} (${describe(release)}) was left out, ${reason}`,
    });
  // What the controller would do and Portcullis cannot: an error, never a silent pass.
  else if (release.unsupported)
    out.errors.push({
      file: place.file.file,
      line: lineOf(place),
      message: `not evaluated: ${release.unsupported}; ${describeController(release.controller)} was not rendered`,
    });
  else if (release.refusal || h.status === "not-evaluated")
    out.notEvaluated.push({
      file: place.file.file,
      line: lineOf(place),
      reason: `${release.refusal ?? h.reason}; ${describeController(release.controller)} was not rendered`,
    });
  if (h.status === "rendered") for (const f of h.files) if (changed.head.has(f)) out.covered.add(f);
  const produced = (r: ReleaseSide, parent: HelmReleaseTarget) =>
    r.resources
      .filter((x) => isApplication(x.value))
      .map((x) => ({ parent: parent.controller, value: x.value, at: x.at }));
  out.applications.push(...produced(h, release));
  if (atBase) out.baseApplications.push(...produced(b, atBase));
  out.head.push(...h.findings);
  out.base.push(...b.findings);
  out.errors.push(...h.errors);
  out.documents += h.resources.length;
  const status = release.refusal ? "not-evaluated" : h.status;
  if (status === "absent" && b.status === "absent") return;
  out.diffs.push({
    target: describe(release),
    controllers: [describeController(release.controller)],
    status: status === "absent" ? "rendered" : status,
    reason,
    changes:
      status === "rendered" || status === "absent" ? diffRendered(b.resources, h.resources) : [],
    resources: h.resources.length,
    durationMs: h.durationMs + b.durationMs,
  });
}

export function releaseKey(r: HelmReleaseTarget): string {
  const c = r.controller;
  return JSON.stringify([c.kind, c.namespace ?? "", c.name, c.pathField]);
}

/** Whether a change touches the release: its object, its chart folder, a values file or ConfigMap. */
export function isAffected(
  side: Side,
  release: HelmReleaseTarget,
  changed: { head: ReadonlySet<string>; base: ReadonlySet<string> },
  scanned: readonly string[],
): boolean {
  const paths = [...changed.head, ...changed.base];
  if (changed.head.has(release.controller.file)) return true;
  const under =
    release.chartDir === undefined
      ? undefined
      : release.chartDir === ""
        ? ""
        : `${release.chartDir}/`;
  if (under !== undefined && paths.some((p) => p.startsWith(under))) return true;
  return release.values.some((v) => {
    if (v.kind === "file") return changed.head.has(v.file);
    if (v.kind !== "ConfigMap") return false;
    const found = findConfigMap(side, scanned, v.name, v.namespace);
    return found !== undefined && changed.head.has(found.file.file);
  });
}

/**
 * The Helm releases the change affects, rendered at head and base. `files` are the head's
 * parsed controller files (those that mention fluxcd.io or argoproj.io); `scanned`, every YAML
 * file read for them.
 */
export async function renderHelmReleases(
  head: Side,
  base: Side,
  changed: { head: ReadonlySet<string>; base: ReadonlySet<string> },
  found: { files: readonly ParsedFile[]; sources: FluxSources; scanned: readonly string[] },
  options: {
    readonly flux: boolean;
    readonly argocd: boolean;
    /** Shared with the kustomizations: a release costs one build, only if it builds. */
    readonly budget: RenderBudget;
    readonly vendoredCharts?: VendoredCharts;
    readonly remoteCharts: readonly string[];
    readonly plainHttpRegistries: readonly string[];
    /** Releases (by file and document) rendered as a build patched them instead. */
    readonly replaced?: ReadonlySet<string>;
  },
  ctx: Omit<HelmContext, "scanned" | "remoteCharts" | "plainHttp" | "budget">,
): Promise<HelmRendered> {
  const out: HelmRendered = {
    head: [],
    base: [],
    errors: [],
    notEvaluated: [],
    covered: new Set(),
    diffs: [],
    documents: 0,
    applications: [],
    baseApplications: [],
  };
  if (!ctx.renderer.renderHelmChart) return out;
  const context = helmContextOf(found, options, ctx);
  const all = found.files.flatMap((f) => helmReleasesOf(f, head.tree, found.sources, options));
  // A chart whose templates are Argo CD Applications (an app of apps) is rendered even when the
  // change does not touch it: the folders its Applications build are known only from its output.
  const templates = all.flatMap((r) =>
    r.chartDir === undefined ? [] : head.tree.filesUnder(posix.join(r.chartDir, "templates")),
  );
  await head.read(templates);
  const producesApplications = (r: HelmReleaseTarget) =>
    options.argocd &&
    r.chartDir !== undefined &&
    head.tree.filesUnder(posix.join(r.chartDir, "templates")).some((t) => {
      const text = head.bytes.get(t);
      return (
        text !== undefined &&
        /argoproj\.io[\s\S]*kind:\s*Application\b|kind:\s*Application\b[\s\S]*argoproj\.io/.test(
          Buffer.from(text).toString("utf8"),
        )
      );
    });
  const releases = all.filter(
    (r) =>
      !options.replaced?.has(originKey(r.controller)) &&
      (isAffected(head, r, changed, found.scanned) || producesApplications(r)),
  );
  for (const release of releases) {
    const place = placeOf(head, release);
    if (!place) continue;
    await base.read(base.tree.hasFile(release.controller.file) ? [release.controller.file] : []);
    const baseFile = base.file(release.controller.file);
    const atBase = baseFile
      ? helmReleasesOf(baseFile, base.tree, found.sources, options).find(
          (r) => releaseKey(r) === releaseKey(release),
        )
      : undefined;
    await renderReleasePair({ head, base }, { release, atBase, place }, changed, context, out);
  }
  return out;
}
