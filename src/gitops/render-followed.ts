// Applications produced by rendered output (an app of apps: a chart or a folder whose objects
// are Argo CD Applications): read as the repository's own Applications, so that the folders and
// charts they build are rendered as they deploy them. Their fields are found where the parent's
// render set them (a values line of the root chart, its template), else at the line of the
// object that rendered them (the parent Application's path, or the release's chart line).
import { isPlainObject } from "../core/plain-data.js";
import {
  argoNotEvaluated,
  controllerTargetsOf,
  type ControllerRef,
  type ControllerTarget,
  type FluxSources,
} from "./gitops-controllers.js";
import { helmReleasesOf, type VendoredCharts } from "./helm-releases.js";
import type { RepoTree } from "./kustomize-tree.js";
import { originDocument } from "./render-mapping.js";
import type { SkippedFile } from "../core/types.js";
import type { ParsedDocument, ParsedFile } from "../yaml/index.js";
import type { FieldPlace, Place } from "./render-helm-chart.js";
import {
  isAffected,
  releaseKey,
  renderReleasePair,
  type HelmContext,
  type HelmRendered,
} from "./render-helm.js";
import type { RenderedResource } from "./render-routing.js";
import type { Side } from "./render-side.js";

/** An Application a render produced, and the object whose render produced it. */
export interface RenderedApplication {
  readonly parent: ControllerRef;
  readonly value: unknown;
  /** Where the parent's render set each of its fields (a Helm render's values lines, template). */
  readonly at?: FieldPlace;
}

/** The Application as a document of its parent's file, at the parent's place. */
function standInOf(
  side: Side,
  app: RenderedApplication,
): { file: ParsedFile; doc: ParsedDocument } | undefined {
  const { parent, value } = app;
  const file = side.file(parent.file);
  const doc = file?.documents.find((d) => d.index === parent.documentIndex);
  if (!file || !doc) return undefined;
  const line = doc.locate(parent.pathField).lines;
  const standIn: ParsedDocument = {
    ...doc,
    value,
    locate: () => ({ lines: line, exact: false }),
    locateInString: () => undefined,
  };
  return { file: { ...file, documents: [standIn] }, doc: standIn };
}

function appKey(app: RenderedApplication): string {
  const meta = isPlainObject(app.value) ? app.value.metadata : undefined;
  const m = isPlainObject(meta) ? meta : {};
  return JSON.stringify([app.parent.file, m.namespace ?? "", m.name ?? ""]);
}

/** Whether a rendered Application differs from the base's (or the base has none). */
function changedSinceBase(app: RenderedApplication, base: readonly RenderedApplication[]): boolean {
  const before = base.find((b) => appKey(b) === appKey(app));
  return !before || JSON.stringify(before.value) !== JSON.stringify(app.value);
}

/** The place of an object in the repository: its file and document. */
export function originKey(ref: { file: string; documentIndex: number }): string {
  return `${ref.file}\u0000${ref.documentIndex}`;
}

/**
 * The Flux HelmReleases of a build's output, as the build made them (a kustomize patch of their
 * values applied), each at its file's document, its fields where the build set them.
 */
export function builtReleases(
  side: Side,
  resources: readonly RenderedResource[],
): RenderedApplication[] {
  return resources.flatMap((r) => {
    const file = r.origin.file ? side.file(r.origin.file) : undefined;
    const doc = file ? originDocument(file, r.resource) : undefined;
    if (r.value.kind !== "HelmRelease" || !r.at || !doc || !isPlainObject(doc.value)) return [];
    const spec = isPlainObject(doc.value.spec) ? doc.value.spec : {};
    const parent: ControllerRef = {
      kind: "Flux HelmRelease",
      namespace: doc.resource.namespace,
      name: doc.resource.name ?? "",
      file: file!.file,
      documentIndex: doc.index,
      pathField: spec.chartRef ? ["spec", "chartRef"] : ["spec", "chart", "spec", "chart"],
    };
    return [{ parent, value: r.value, at: r.at }];
  });
}

/**
 * The built HelmReleases to render instead of their files: every build of a release one build
 * changed from its file (a patch of its values or chart), each distinct build once.
 */
export function patchedReleases(side: Side, built: readonly RenderedApplication[]) {
  const spec = (v: unknown) => JSON.stringify(isPlainObject(v) ? v.spec : undefined);
  const patched = new Set(
    built
      .filter((b) => {
        const doc = side
          .file(b.parent.file)
          ?.documents.find((d) => d.index === b.parent.documentIndex);
        return spec(doc?.value) !== spec(b.value);
      })
      .map((b) => originKey(b.parent)),
  );
  const seen = new Set<string>();
  return built.filter((b) => {
    const key = `${originKey(b.parent)}\u0000${JSON.stringify(b.value)}`;
    if (!patched.has(originKey(b.parent)) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Rendered Applications the change touches that build another repository (or cannot say). */
export function followedNotices(
  side: Side,
  sources: FluxSources,
  apps: readonly RenderedApplication[],
  base: readonly RenderedApplication[],
): SkippedFile[] {
  return apps.flatMap((app) => {
    const own = changedSinceBase(app, base) ? standInOf(side, app) : undefined;
    return own ? argoNotEvaluated(own.file, side.tree, sources) : [];
  });
}

/**
 * The Helm charts of rendered Applications (this repository's chart folders, allow-listed
 * remote charts), rendered like a top-level Application's when the change touches the chart,
 * its values, or the Application itself; the outcome added to `out`.
 */
export async function renderFollowedReleases(
  sides: { head: Side; base: Side },
  apps: { head: readonly RenderedApplication[]; base: readonly RenderedApplication[] },
  changed: { head: ReadonlySet<string>; base: ReadonlySet<string> },
  sources: FluxSources,
  options: { vendoredCharts?: VendoredCharts; remoteCharts: readonly string[] },
  context: HelmContext,
  out: HelmRendered,
  kind: "Argo CD" | "Flux" = "Argo CD",
): Promise<void> {
  const enabled = { ...options, flux: kind === "Flux", argocd: kind === "Argo CD" };
  const releasesOf = (side: Side, app: RenderedApplication) => {
    const own = standInOf(side, app);
    return (own ? helmReleasesOf(own.file, side.tree, sources, enabled) : []).map((release) => ({
      release,
      place: { ...own!, path: release.controller.pathField, at: app.at } as Place,
    }));
  };
  for (const app of apps.head) {
    const before = apps.base.filter((b) => appKey(b) === appKey(app));
    for (const { release, place } of releasesOf(sides.head, app)) {
      const touched =
        changedSinceBase(app, apps.base) ||
        isAffected(sides.head, release, changed, context.scanned);
      if (!touched) continue;
      const atBase = before
        .flatMap((b) => releasesOf(sides.base, b))
        .find((r) => releaseKey(r.release) === releaseKey(release));
      await renderReleasePair(
        sides,
        { release, atBase: atBase?.release, place, basePlace: atBase?.place },
        changed,
        context,
        out,
      );
    }
  }
}

export function isApplication(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    value.kind === "Application" &&
    typeof value.apiVersion === "string" &&
    value.apiVersion.startsWith("argoproj.io/")
  );
}

/**
 * The folder targets of rendered Applications: each one as if it were a document of its
 * parent's file at the parent's place (every field's line is the parent's path line).
 */
export function followedTargets(
  side: Side,
  tree: RepoTree,
  sources: FluxSources,
  apps: readonly RenderedApplication[],
): ControllerTarget[] {
  const out: ControllerTarget[] = [];
  for (const app of apps) {
    const { parent } = app;
    const own = standInOf(side, app);
    if (!own) continue;
    for (const t of controllerTargetsOf(own.file, tree, sources, { flux: false, argocd: true }))
      out.push({
        ...t,
        controller: { ...t.controller, pathField: parent.pathField },
        // An inline patch of a rendered Application is not text of the repository's file.
        patches: [],
        namespaceField: undefined,
      });
  }
  return out;
}
