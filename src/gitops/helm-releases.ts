// Helm releases of charts in this repository (Flux HelmReleases, Argo CD Applications of a chart
// folder), read as their controllers read them, and how a rendered field maps back to a values line.
import { posix } from "node:path";
import { argoApplicationsOf, type ArgoApplication } from "./argocd-apps.js";
import { canonicalChart, remoteRefusal, type RemoteChart } from "./remote-charts.js";
import {
  argoContext,
  argoSources,
  asArray,
  at,
  folder,
  str,
  type ControllerRef,
  type FluxSources,
} from "./gitops-controllers.js";
import type { RepoTree } from "./kustomize-tree.js";
import type { ParsedDocument, ParsedFile } from "../yaml/index.js";
import { isPlainObject } from "../core/plain-data.js";
import type { JsonPath } from "../core/types.js";

/** Where a release's values come from, in the order helm merges them (the last wins). */
export type ValuesSource =
  /** An object in the release object (`spec.values`, `valuesObject`). */
  | { readonly kind: "inline"; readonly path: JsonPath }
  /** A YAML string in the release object (Argo CD `helm.values`). */
  | { readonly kind: "inline-text"; readonly path: JsonPath }
  /** A values file of the repository. */
  | { readonly kind: "file"; readonly file: string }
  /** A key of a ConfigMap of the repository (Flux `valuesFrom`), at `targetPath` if set. */
  | {
      readonly kind: "ConfigMap";
      readonly name: string;
      readonly namespace?: string;
      readonly key: string;
      readonly targetPath?: string;
      readonly optional: boolean;
    };

export interface HelmReleaseTarget {
  readonly controller: ControllerRef;
  readonly release: string;
  readonly namespace: string;
  /** The chart folder (with its Chart.yaml), when the chart is in this repository. */
  readonly chartDir?: string;
  readonly values: readonly ValuesSource[];
  /** Why the release is not rendered (a remote chart, values from a Secret). */
  readonly refusal?: string;
  /** The field of the release object that sets `namespace`, when one does. */
  readonly namespaceField?: JsonPath;
  /** A remote chart the base configuration allows, pinned: fetched, then rendered offline. */
  readonly remote?: RemoteChart;
  /**
   * Argo CD `helm.parameters`, in order, applied after every values source as helm's `--set`
   * (`--set-string` for `forceString`), as Argo CD passes them.
   */
  readonly set?: readonly HelmSet[];
  /**
   * Why the controller would deploy something Portcullis cannot reproduce (Flux `valuesFiles`,
   * `postRenderers`, Argo CD `fileParameters`): an evaluation error, so the check cannot pass.
   */
  readonly unsupported?: string;
}

export interface HelmSet {
  readonly name: string;
  readonly value: string;
  /** `--set-string`: the value stays a string (Argo CD `forceString: true`). */
  readonly string: boolean;
}

/** What a Flux HelmRelease asks of its controller that Portcullis does not reproduce. */
function fluxUnsupported(v: unknown): string | undefined {
  const files = [
    ...asArray(at(v, ["spec", "chart", "spec", "valuesFiles"])),
    ...(at(v, ["spec", "chart", "spec", "valuesFile"]) === undefined
      ? []
      : [at(v, ["spec", "chart", "spec", "valuesFile"])]),
  ];
  if (files.length > 0)
    return `its chart.spec.valuesFiles (${files.map(String).join(", ")}) replace the chart's values.yaml as Flux packages the chart, which Portcullis does not reproduce`;
  const post = asArray(at(v, ["spec", "postRenderers"]));
  if (post.length > 0)
    return `its spec.postRenderers (kustomize patches or images applied to helm's output) are not applied by Portcullis`;
  return undefined;
}

/**
 * Argo CD `helm.parameters` as helm `--set` arguments (a repeated name: the last one, as Argo
 * CD's map keeps it); or why they cannot be (a value that is not a string, `fileParameters`).
 */
function argoParameters(helm: unknown): HelmSet[] | string {
  if (asArray(at(helm, ["fileParameters"])).length > 0)
    return "its helm.fileParameters (--set-file) are not applied by Portcullis";
  const byName = new Map<string, HelmSet>();
  for (const p of asArray(at(helm, ["parameters"]))) {
    const name = at(p, ["name"]);
    const value = at(p, ["value"]) ?? "";
    if (typeof name !== "string" || name === "" || typeof value !== "string")
      return `its helm.parameters entry ${JSON.stringify(p)} is not a name and a string value, which Argo CD cannot read`;
    byName.delete(name);
    byName.set(name, { name, value, string: at(p, ["forceString"]) === true });
  }
  // Argo CD passes every --set, then every --set-string.
  const all = [...byName.values()];
  return [...all.filter((s) => !s.string), ...all.filter((s) => s.string)];
}

function isRelease(v: Record<string, unknown>, kind: string, group: string): boolean {
  return v.kind === kind && typeof v.apiVersion === "string" && v.apiVersion.startsWith(group);
}

function ref(
  file: ParsedFile,
  doc: ParsedDocument,
  kind: ControllerRef["kind"],
  pathField: JsonPath,
): ControllerRef {
  const meta = at(doc.value, ["metadata"]);
  return {
    kind,
    namespace: str(at(meta, ["namespace"])),
    name: str(at(meta, ["name"])) ?? "",
    file: file.file,
    documentIndex: doc.index,
    pathField,
  };
}

function chartFolder(path: string, tree: RepoTree): string | undefined {
  const dir = folder(path);
  return dir !== undefined && tree.hasFile(posix.join(dir, "Chart.yaml")) ? dir : undefined;
}

/** Allow-listed vendored copies of remote charts: chart name -> folder in the repository. */
export type VendoredCharts = ReadonlyMap<string, string>;

/** `render.vendoredCharts` entries, `<chart name>=<folder>`, as a map (malformed entries skipped). */
export function vendoredChartsOf(entries: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    const eq = e.indexOf("=");
    if (eq > 0 && eq < e.length - 1) out.set(e.slice(0, eq).trim(), e.slice(eq + 1).trim());
  }
  return out;
}

function fluxRelease(
  file: ParsedFile,
  doc: ParsedDocument,
  tree: RepoTree,
  sources: FluxSources,
  vendored: VendoredCharts,
  allow: readonly string[],
): HelmReleaseTarget | undefined {
  const v = doc.value;
  // An overlay's patch of a HelmRelease names no chart: the release is where the chart is named.
  if (
    at(v, ["spec", "chartRef"]) === undefined &&
    at(v, ["spec", "chart", "spec", "sourceRef"]) === undefined
  )
    return undefined;
  const name = str(at(v, ["metadata", "name"])) ?? "";
  const targetNamespace = str(at(v, ["spec", "targetNamespace"]));
  const namespace = targetNamespace ?? str(at(v, ["metadata", "namespace"])) ?? "default";
  const release =
    str(at(v, ["spec", "releaseName"])) ?? (targetNamespace ? `${targetNamespace}-${name}` : name);
  const chartRef = at(v, ["spec", "chartRef"]);
  const pathField: JsonPath = chartRef ? ["spec", "chartRef"] : ["spec", "chart", "spec", "chart"];
  const controller = ref(file, doc, "Flux HelmRelease", pathField);
  const { values, refusal: valuesRefusal } = fluxValues(v);
  const chart = chartRef
    ? fluxChartRef(v, chartRef, { tree, sources, vendored, allow })
    : fluxChartSource(v, { tree, sources, vendored, allow });
  // Any refusal stands: the chart's (allow-list, vendored copy), else its values'. A chart the
  // allow-list lets through is fetched only when nothing else refuses the release.
  const refusal = chart.refusal ?? valuesRefusal;
  const { chartDir } = chart;
  const remote = refusal === undefined ? chart.remote : undefined;
  const namespaceField: JsonPath | undefined = targetNamespace
    ? ["spec", "targetNamespace"]
    : str(at(v, ["metadata", "namespace"]))
      ? ["metadata", "namespace"]
      : undefined;
  const unsupported = fluxUnsupported(v);
  return {
    controller,
    release,
    namespace,
    chartDir,
    values,
    refusal: refusal ?? unsupported,
    namespaceField,
    ...(remote ? { remote } : {}),
    ...(unsupported ? { unsupported } : {}),
  };
}

/** A HelmRelease's values: ConfigMaps of `valuesFrom`, then `spec.values`; a Secret refuses it. */
function fluxValues(v: unknown): { values: ValuesSource[]; refusal: string | undefined } {
  const values: ValuesSource[] = [];
  let refusal: string | undefined;
  for (const from of asArray(at(v, ["spec", "valuesFrom"]))) {
    const kind = str(at(from, ["kind"]));
    const fromName = str(at(from, ["name"])) ?? "";
    const optional = at(from, ["optional"]) === true;
    if (kind === "ConfigMap")
      values.push({
        kind,
        name: fromName,
        namespace: str(at(v, ["metadata", "namespace"])),
        key: str(at(from, ["valuesKey"])) ?? "values.yaml",
        targetPath: str(at(from, ["targetPath"])),
        optional,
      });
    // Secret values are never read: a release that needs them is not evaluated.
    else if (kind === "Secret" && !optional)
      refusal ??= `its values come from Secret ${fromName}, whose values are never read`;
  }
  if (isPlainObject(at(v, ["spec", "values"])))
    values.push({ kind: "inline", path: ["spec", "values"] });
  return { values, refusal };
}

/** Where a HelmRelease's chart comes from, and why the chart itself is refused, if it is. */
interface FluxChart {
  readonly chartDir: string | undefined;
  readonly remote?: RemoteChart;
  readonly refusal: string | undefined;
}

/** Where charts are looked for: the repository, its Flux sources, vendored copies, the allow-list. */
interface ChartLookup {
  readonly tree: RepoTree;
  readonly sources: FluxSources;
  readonly vendored: VendoredCharts;
  readonly allow: readonly string[];
}

/** `chartRef: OCIRepository`: the chart is the artifact at the repository's URL. */
function fluxChartRef(
  v: unknown,
  chartRef: unknown,
  { tree, sources, vendored, allow }: ChartLookup,
): FluxChart {
  let refusal: string | undefined;
  let remote: RemoteChart | undefined;
  const kind = str(at(chartRef, ["kind"]));
  const refName = str(at(chartRef, ["name"])) ?? "";
  const refNamespace = str(at(chartRef, ["namespace"])) ?? str(at(v, ["metadata", "namespace"]));
  const url = sources.chartSourceUrl(kind, refNamespace, refName);
  const chartName = url?.replace(/\/+$/, "").split("/").pop();
  const copy =
    kind === "OCIRepository" && url !== undefined && chartName !== undefined
      ? vendoredCopy(vendored, chartName, { repoURL: url.slice(0, -chartName.length) })
      : undefined;
  const chartDir = copy === undefined ? undefined : chartFolder(copy, tree);
  const ref = sources.ociRef(refNamespace, refName);
  const fetched: RemoteChart | undefined =
    kind === "OCIRepository" && url?.startsWith("oci://")
      ? { kind: "oci", url, tag: str(ref.tag), digest: str(ref.digest) }
      : undefined;
  if (copy === undefined && fetched && allow.length > 0) {
    refusal = remoteRefusal(fetched, allow);
    if (!refusal) remote = canonical(fetched);
  } else if (copy === undefined)
    refusal = `its chart comes from ${kind ?? "a chart reference"} ${refName}${url ? ` (${url})` : ""}, outside the repository (allow its registry with render.remoteCharts, or a vendored copy with render.vendoredCharts)`;
  else if (chartDir === undefined)
    refusal = `render.vendoredCharts names ${copy} for ${url}, but it holds no Chart.yaml`;
  return { chartDir, remote, refusal };
}

/** `chart.spec.sourceRef`: this repository's GitRepository, or a remote source (never fetched
 * unless allow-listed; a copy vendored in the repository may be allow-listed instead). */
function fluxChartSource(v: unknown, { tree, sources, vendored, allow }: ChartLookup): FluxChart {
  let refusal: string | undefined;
  const chartSpec = at(v, ["spec", "chart", "spec"]);
  const sourceKind = str(at(chartSpec, ["sourceRef", "kind"]));
  const sourceName = str(at(chartSpec, ["sourceRef", "name"])) ?? "";
  const sourceNamespace =
    str(at(chartSpec, ["sourceRef", "namespace"])) ?? str(at(v, ["metadata", "namespace"]));
  const chart = str(at(chartSpec, ["chart"])) ?? "";
  if (sourceKind === "GitRepository" && sources.isSelf(sourceNamespace, sourceName)) {
    const chartDir = chartFolder(chart, tree);
    if (chartDir === undefined) refusal = `its chart path ${chart} has no Chart.yaml here`;
    return { chartDir, refusal };
  }
  let remote: RemoteChart | undefined;
  const repoUrl = sources.chartSourceUrl(sourceKind, sourceNamespace, sourceName);
  const copy = vendoredCopy(vendored, chart, { repoURL: repoUrl });
  const chartDir = copy === undefined ? undefined : chartFolder(copy, tree);
  const version = str(at(chartSpec, ["version"])) ?? "";
  const fetched: RemoteChart | undefined =
    sourceKind !== "HelmRepository" || repoUrl === undefined
      ? undefined
      : repoUrl.startsWith("oci://")
        ? { kind: "oci", url: `${repoUrl.replace(/\/+$/, "")}/${chart}`, tag: version }
        : { kind: "http", repository: repoUrl, chart, version };
  if (copy === undefined && fetched && allow.length > 0) {
    refusal = remoteRefusal(fetched, allow);
    if (!refusal) remote = canonical(fetched);
  } else if (copy === undefined)
    refusal = `its chart ${chart} comes from ${sourceKind ?? "a source"} ${sourceName}, outside the repository (allow its repository with render.remoteCharts, or a vendored copy with render.vendoredCharts)`;
  else if (chartDir === undefined)
    refusal = `render.vendoredCharts names ${copy} for chart ${chart}, but it holds no Chart.yaml`;
  return { chartDir, remote, refusal };
}

function argoReleases(
  file: ParsedFile,
  app: ArgoApplication,
  tree: RepoTree,
  vendored: VendoredCharts,
  sources: FluxSources,
  allow: readonly string[],
): HelmReleaseTarget[] {
  const doc = app.doc;
  const v = doc.value;
  const spec = at(v, ["spec"]);
  const all = argoSources(spec);
  // Multi-source Applications: `ref: values` names a source whose files `$values/...` reads.
  const refs = new Map<string, unknown>();
  for (const { value } of all) {
    const name = str(at(value, ["ref"]));
    if (name) refs.set(name, at(value, ["repoURL"]));
  }
  const out: HelmReleaseTarget[] = [];
  for (const { value, field: own } of all) {
    const lookup = { tree, sources, vendored, allow };
    const release = argoRelease(file, app, lookup, refs, value, own);
    if (release) out.push(release);
  }
  return out;
}

/** The Helm release of one source of an Application (none: not a chart of this repository). */
function argoRelease(
  file: ParsedFile,
  app: ArgoApplication,
  { tree, sources, vendored, allow }: ChartLookup,
  refs: ReadonlyMap<string, unknown>,
  value: unknown,
  own: JsonPath,
): HelmReleaseTarget | undefined {
  const doc = app.doc;
  const spec = at(doc.value, ["spec"]);
  const field = [...app.prefix, ...own];
  const helm = at(value, ["helm"]);
  const remote = str(at(value, ["chart"]));
  const path = str(at(value, ["path"]));
  // A chart folder of another repository is not this repository's, whatever its path.
  if (remote === undefined && sources.isSelfUrl(str(at(value, ["repoURL"]))) !== true)
    return undefined;
  const copy = remote === undefined ? undefined : vendoredCopy(vendored, remote, value);
  const chartDir =
    remote === undefined && path !== undefined
      ? chartFolder(path, tree)
      : copy !== undefined
        ? chartFolder(copy, tree)
        : undefined;
  if (remote === undefined && chartDir === undefined) return undefined;
  const controller = ref(file, doc, "Argo CD Application", [
    ...field,
    remote !== undefined ? "chart" : "path",
  ]);
  const values: ValuesSource[] = [];
  const fetched =
    remote !== undefined && copy === undefined && allow.length > 0
      ? argoRemote(value, remote)
      : undefined;
  let refusal: string | undefined = fetched
    ? remoteRefusal(fetched, allow)
    : remote !== undefined && copy === undefined
      ? `its chart ${remote} comes from ${str(at(value, ["repoURL"])) ?? "a Helm repository"}, outside the repository (allow its repository with render.remoteCharts, or a vendored copy with render.vendoredCharts)`
      : remote !== undefined && chartDir === undefined
        ? `render.vendoredCharts names ${copy} for chart ${remote}, but it holds no Chart.yaml`
        : undefined;
  for (const f of asArray(at(helm, ["valueFiles"]))) {
    if (typeof f !== "string") continue;
    const resolved = valuesFilePath(f, chartDir, refs, sources);
    if (typeof resolved === "string" && tree.hasFile(resolved))
      values.push({ kind: "file", file: resolved });
    else
      refusal ??=
        typeof resolved === "object"
          ? resolved.refusal
          : `its values file ${f} is not a file of this repository`;
  }
  if (typeof at(helm, ["values"]) === "string")
    values.push({ kind: "inline-text", path: [...field, "helm", "values"] });
  if (isPlainObject(at(helm, ["valuesObject"])))
    values.push({ kind: "inline", path: [...field, "helm", "valuesObject"] });
  const set = argoParameters(helm);
  const unsupported = typeof set === "string" ? set : undefined;
  refusal ??= unsupported;
  return {
    controller,
    release: str(at(helm, ["releaseName"])) ?? controller.name,
    namespace: str(at(spec, ["destination", "namespace"])) ?? "default",
    ...(str(at(spec, ["destination", "namespace"]))
      ? { namespaceField: [...app.prefix, "spec", "destination", "namespace"] }
      : {}),
    chartDir,
    values,
    refusal,
    ...(fetched && !refusal ? { remote: canonical(fetched) } : {}),
    ...(typeof set === "string" ? { unsupported } : set.length > 0 ? { set } : {}),
  };
}

/** A chart the allow-list let through, by the address it was matched with. */
function canonical(chart: RemoteChart): RemoteChart {
  const c = canonicalChart(chart);
  return "refusal" in c ? chart : c;
}

/** An Argo CD Helm source's chart: `oci://` (or a bare registry host) or an HTTP repository. */
function argoRemote(source: unknown, chart: string): RemoteChart | undefined {
  const repo = str(at(source, ["repoURL"]))?.replace(/\/+$/, "");
  const version = str(at(source, ["targetRevision"])) ?? "";
  if (repo === undefined) return undefined;
  if (/^https?:\/\//i.test(repo)) return { kind: "http", repository: repo, chart, version };
  const host = repo.replace(/^oci:\/\//i, "");
  return { kind: "oci", url: `oci://${host}/${chart}`, tag: version };
}

/** The Flux HelmReleases and Argo CD Helm Applications of a file. */
export function helmReleasesOf(
  file: ParsedFile,
  tree: RepoTree,
  sources: FluxSources,
  enabled: {
    readonly flux: boolean;
    readonly argocd: boolean;
    readonly vendoredCharts?: VendoredCharts;
    /** The base configuration's allow-list of chart registries and repositories. */
    readonly remoteCharts?: readonly string[];
  },
): HelmReleaseTarget[] {
  const vendored = enabled.vendoredCharts ?? new Map<string, string>();
  const out: HelmReleaseTarget[] = [];
  for (const doc of file.documents) {
    const v = doc.value;
    if (!isPlainObject(v)) continue;
    const flux =
      enabled.flux && isRelease(v, "HelmRelease", "helm.toolkit.fluxcd.io/")
        ? fluxRelease(file, doc, tree, sources, vendored, enabled.remoteCharts ?? [])
        : undefined;
    if (flux) out.push(flux);
  }
  if (enabled.argocd)
    for (const app of argoApplicationsOf(file, argoContext(tree, sources)).apps)
      out.push(...argoReleases(file, app, tree, vendored, sources, enabled.remoteCharts ?? []));
  return out;
}

/**
 * A values file of an Argo CD Helm source as a repository path: relative to the chart, or
 * `$<ref>/path` from the source with that `ref` when it is this repository; else why not.
 */
function valuesFilePath(
  f: string,
  chartDir: string | undefined,
  refs: ReadonlyMap<string, unknown>,
  sources: FluxSources,
): string | { refusal: string } | undefined {
  const m = /^\$([^/]+)\/(.*)$/.exec(f);
  if (!m) return chartDir !== undefined ? folder(posix.join(chartDir, f)) : undefined;
  if (!refs.has(m[1]!)) return { refusal: `its values file ${f} names no source with ref ${m[1]}` };
  const url = refs.get(m[1]!);
  const self = sources.isSelfUrl(typeof url === "string" ? url : undefined);
  if (self !== true)
    return {
      refusal:
        self === false
          ? `its values file ${f} comes from another repository (${String(url)})`
          : `its values file ${f} comes from ${String(url)}, which cannot be compared with this repository (its URL is unknown)`,
    };
  return folder(m[2]!);
}

/**
 * The vendored copy of a remote chart: by the chart's name, or by its full reference (the
 * Helm repository or OCI registry URL and the chart), so `oci://` sources match as well.
 */
function vendoredCopy(
  vendored: VendoredCharts,
  chart: string,
  source: unknown,
): string | undefined {
  const repo = (str(at(source, ["repoURL"])) ?? "").replace(/\/+$/, "");
  const full = repo === "" ? chart : `${repo}/${chart}`;
  return (
    vendored.get(full) ??
    vendored.get(full.replace(/^oci:\/\//, "")) ??
    vendored.get(`oci://${full.replace(/^oci:\/\//, "")}`) ??
    vendored.get(chart)
  );
}

/**
 * Why a chart is not rendered without fetching anything: a dependency of its Chart.yaml that is
 * not vendored in its `charts/` folder (helm would need `helm dependency update`).
 */
export function missingDependency(
  chartDir: string,
  chartYaml: unknown,
  tree: RepoTree,
): string | undefined {
  for (const d of asArray(at(chartYaml, ["dependencies"]))) {
    const name = str(at(d, ["name"]));
    if (!name) continue;
    const charts = posix.join(chartDir, "charts");
    const vendored =
      tree.hasFile(posix.join(charts, name, "Chart.yaml")) ||
      tree
        .filesUnder(charts)
        .some(
          (f) =>
            posix.dirname(f) === charts &&
            posix.basename(f).startsWith(`${name}-`) &&
            f.endsWith(".tgz"),
        );
    if (!vendored)
      return `its chart ${chartDir} depends on ${name}, which is not vendored under ${charts}/ (charts are never downloaded)`;
  }
  return undefined;
}

/** A document of `helm template`'s output and the `# Source:` comment helm puts above it. */
export interface HelmOutputDocument {
  /** The template as a repository path (`<chartDir>/templates/x.yaml`), when helm named it. */
  readonly template?: string;
  readonly text: string;
}

/** Splits helm's output into documents with their template files. */
export function splitHelmOutput(yaml: string, chartDir: string): HelmOutputDocument[] {
  return yaml
    .split(/^---[ \t]*$/m)
    .filter((text) => text.trim() !== "")
    .map((text) => {
      const source = /^# Source: ([^\n]+)$/m.exec(text)?.[1]?.trim();
      // `<chart name>/templates/x.yaml`, or `<chart>/charts/<sub>/templates/x.yaml`: the chart's name is its folder here.
      const rest = source?.includes("/") ? source.slice(source.indexOf("/") + 1) : undefined;
      return { template: rest ? posix.join(chartDir, rest) : undefined, text };
    });
}

/** The line of a template's top-level `kind:` (1 when it has none): where template findings land. */
export function templateKindLine(text: string): number {
  const index = text.split("\n").findIndex((l) => /^kind\s*:/.test(l));
  return index >= 0 ? index + 1 : 1;
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (a === null || typeof a === "object" || b === null || typeof b === "object") return false;
  return a === b || String(a) === String(b);
}

/**
 * Where a release's values set a rendered field: the deepest-last key of the values named as the
 * field's last step and holding the same scalar (`privileged: true` in the values for a rendered
 * `securityContext.privileged: true`). A simple heuristic: a template may rename or transform a
 * value, and then the finding stays at the template.
 */
export function valuesKeyOf(values: unknown, field: string, value: unknown): JsonPath | undefined {
  if (value === null || typeof value === "object") return undefined;
  let found: JsonPath | undefined;
  const walk = (v: unknown, path: JsonPath) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (isPlainObject(v))
      for (const [k, x] of Object.entries(v)) {
        if (k === field && sameScalar(x, value)) found = [...path, k];
        walk(x, [...path, k]);
      }
  };
  walk(values, []);
  return found;
}

/** The scalar a finding's path points at in a rendered object, with the field's name. */
export function renderedField(
  value: unknown,
  path: JsonPath,
): { field: string; value: unknown } | undefined {
  const last = path[path.length - 1];
  if (typeof last !== "string") return undefined;
  const v = at(value, path);
  return v === undefined || v === null || typeof v === "object"
    ? undefined
    : { field: last, value: v };
}
