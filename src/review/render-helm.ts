// The Helm part of a rendering review: releases of the repository's charts that a change affects,
// rendered at base and head with `helm template`, evaluated, and their findings mapped to the
// values line that set a field, else to the template that produced the object.
import { posix } from "node:path";
import type { Config } from "../config/config.js";
import { isKubernetesObject } from "../core/findings.js";
import { describeController, type FluxSources } from "../core/gitops-controllers.js";
import {
  helmReleasesOf,
  type VendoredCharts,
  renderedField,
  splitHelmOutput,
  templateKindLine,
  valuesKeyOf,
  type HelmReleaseTarget,
  type ValuesSource,
} from "../core/helm-releases.js";
import { parseManifest, type ParsedDocument, type ParsedFile } from "../yaml/index.js";
import { isPlainObject } from "../core/plain-data.js";
import { type RenderBudget } from "../core/render-limits.js";
import { diffRendered, type RenderedTargetDiff } from "../core/rendered-diff.js";
import type { Finding, JsonPath, LineRange, ResourceRef, SkippedFile } from "../core/types.js";
import type { ManifestRenderer } from "../ports/manifest-renderer.js";
import {
  evaluateRoutedAsync,
  type EvaluationDeps,
  type EvaluationError,
  type RoutedDocument,
  type RoutedFindings,
} from "./evaluate-files.js";
import { isApplication, type RenderedApplication } from "./render-followed.js";
import {
  CLUSTER_SCOPED,
  renderFailureFindings,
  resourceRef,
  show,
  type Side,
} from "./render-side.js";
import {
  lineOf,
  NONE,
  remoteChart,
  repositoryChart,
  type Place,
  type ReleaseSide,
} from "./render-helm-chart.js";

/** Where the generated values files (a release's inline values) go in the build's copy. */
const VALUES_DIR = ".portcullis-values";

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
}

/** A values source as read at one side: its values, and the line of any key in it. */
interface ReadValues {
  readonly buildPath: string;
  readonly content: Uint8Array;
  readonly value: unknown;
  readonly locate: (key: JsonPath) => { file: ParsedFile; line: number } | undefined;
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

/** The repository's ConfigMap of that name (and namespace, when both say one), among the scanned files. */
function findConfigMap(
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
      return line === undefined ? undefined : { file: place.file, line };
    },
  };
}

/** Each values source of a release at one side, read; or why the release cannot be rendered. */
function readValues(
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
    const value = place.doc.locate(source.path).exact ? valueAt(place.doc.value, source.path) : {};
    return {
      buildPath,
      content: new TextEncoder().encode(`${JSON.stringify(value)}\n`),
      value,
      locate: (key) => ({
        file: place.file,
        line: place.doc.locate([...source.path, ...key]).lines.start,
      }),
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

function valueAt(value: unknown, path: JsonPath): unknown {
  let v = value;
  for (const step of path)
    v = Array.isArray(v) || isPlainObject(v) ? (v as Record<string, unknown>)[step] : undefined;
  return v;
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
): RoutedDocument {
  const resource = resourceRef(value);
  const home = template ?? place.file;
  const homeLine = template ? templateKindLine(template.text) : lineOf(place);
  const route = (raw: RoutedFindings["raw"]): RoutedFindings[] => {
    type Group = { lines: Map<string, LineRange>; raw: RoutedFindings["raw"][number][] };
    const groups = new Map<ParsedFile, Group>();
    for (const finding of raw) {
      let where = { file: home, line: homeLine };
      // The release's namespace is set on the release object (Helm gives it to what names none).
      const setsNamespace =
        release.namespaceField !== undefined &&
        JSON.stringify(finding.path) === '["metadata","namespace"]' &&
        valueAt(value, ["metadata", "namespace"]) === release.namespace;
      if (setsNamespace)
        where = { file: place.file, line: place.doc.locate(release.namespaceField!).lines.start };
      const field = setsNamespace ? undefined : renderedField(value, finding.path);
      for (const v of field ? [...values].reverse() : []) {
        const key = valuesKeyOf(v.value, field!.field, field!.value);
        const found = key ? v.locate(key) : undefined;
        if (found) {
          where = found;
          break;
        }
      }
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
  return { file: home, doc: standIn(value, resource, index, homeLine, new Map()), route };
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
}

/** Renders one release at one side and evaluates what it produces. */
async function renderRelease(
  side: Side,
  release: HelmReleaseTarget | undefined,
  ctx: HelmContext,
  ticket: () => boolean,
): Promise<ReleaseSide> {
  if (!release) return { ...NONE, status: "absent" };
  const place = placeOf(side, release);
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
  for (const out of splitHelmOutput(outcome.yaml, chartDir)) {
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
      resources.push({ resource: resourceRef(doc.value), value: doc.value });
      documents.push(routedHelmDocument(doc.value, template, values, place, release));
    }
  }
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

function releaseKey(r: HelmReleaseTarget): string {
  const c = r.controller;
  return JSON.stringify([c.kind, c.namespace ?? "", c.name, c.pathField]);
}

/** Whether a change touches the release: its object, its chart folder, a values file or ConfigMap. */
function isAffected(
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
  },
  ctx: Omit<HelmContext, "scanned" | "remoteCharts" | "plainHttp">,
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
  };
  if (!ctx.renderer.renderHelmChart) return out;
  const context: HelmContext = {
    ...ctx,
    scanned: found.scanned,
    remoteCharts: options.remoteCharts,
    plainHttp: options.plainHttpRegistries,
  };
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
    (r) => isAffected(head, r, changed, found.scanned) || producesApplications(r),
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
    const ticket = options.budget.ticket();
    const h = await renderRelease(head, release, context, ticket);
    const b = await renderRelease(base, atBase, context, ticket);
    const reason = h.overBudget ? options.budget.reason : (release.refusal ?? h.reason);
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
    if (h.status === "rendered")
      for (const f of h.files) if (changed.head.has(f)) out.covered.add(f);
    for (const r of h.resources)
      if (isApplication(r.value))
        out.applications.push({ parent: release.controller, value: r.value });
    out.head.push(...h.findings);
    out.base.push(...b.findings);
    out.errors.push(...h.errors);
    out.documents += h.resources.length;
    const status = release.refusal ? "not-evaluated" : h.status;
    if (status === "absent" && b.status === "absent") continue;
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
  return out;
}
