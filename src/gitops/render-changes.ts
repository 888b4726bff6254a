// The rendering part of a review: the kustomizations a change affects (and the Flux and Argo CD
// objects that build them) rendered at base and head, their resources evaluated, every finding
// mapped back to the line a human edits, and what the change does to each output.
import type { Config } from "../config/config.js";
import {
  argoNotEvaluated,
  controllerTargetsOf,
  describeController,
  type ControllerRef,
} from "./gitops-controllers.js";
import { RepoTree } from "./kustomize-tree.js";
import type { ParsedFile } from "../yaml/index.js";
import { inPool } from "../core/pool.js";
import { MAX_RENDER_TARGETS, RENDER_CONCURRENCY, RenderBudget } from "../core/render-limits.js";
import { diffRendered, type RenderedTargetDiff } from "../core/rendered-diff.js";
import type { Finding, SkippedFile } from "../core/types.js";
import type { ManifestRenderer } from "../ports/manifest-renderer.js";
import type { ChangedFile, PullRequestSource } from "../ports/pull-request-source.js";
import { helmContextOf, renderHelmReleases, type HelmRendered } from "./render-helm.js";
import {
  builtReleases,
  followedNotices,
  followedTargets,
  isApplication,
  originKey,
  patchedReleases,
  renderFollowedReleases,
  type RenderedApplication,
} from "./render-followed.js";
import { vendoredChartsOf } from "./helm-releases.js";
import { changedPaths, show, Side } from "./render-side.js";
import type { EvaluationDeps, EvaluationError } from "../review/evaluate-files.js";
import { atBase, buildDirs, findControllers, targetsOf, type Target } from "./render-targets.js";
import { renderSide, reportPlace, type SideOutcome } from "./render-build.js";
import { compareText } from "../core/compare-text.js";

export { RENDER_FAILURE_RULE } from "./render-side.js";

export { MAX_CONTROLLER_SCAN_FILES } from "./render-targets.js";

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
  /** Among `notEvaluated`: kustomizations refused before building (helmCharts, exec functions, paths outside). */
  readonly unbuilt?: readonly SkippedFile[];
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

export async function renderChanges(
  source: PullRequestSource,
  changedFiles: readonly ChangedFile[],
  config: Config,
  options: RenderOptions,
  deps: RenderDeps,
): Promise<RenderedChanges> {
  if (!options.kustomize && !options.helm) return EMPTY;
  const { head, base, found, baseOf } = await readSides(source, config, options);
  const changed = changedPaths(changedFiles);
  const { sources } = found;
  const all = targetsOf(head, base, changed, found.targets);
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
  // HelmReleases a Flux Kustomization's build patched are rendered as built, not as stored.
  const builtAt = (s: "head" | "base") =>
    results.flatMap((r) =>
      r[s].status === "rendered" ? builtReleases(s === "head" ? head : base, r[s].resources) : [],
    );
  const patched = options.flux ? patchedReleases(head, builtAt("head")) : [];
  const helmOptions = helmOptionsOf(
    options,
    budget,
    new Set(patched.map((p) => originKey(p.parent))),
  );
  const helmDeps = { config, renderer: deps.renderer, evaluation: deps.evaluation };
  const helm = options.helm
    ? await renderHelmReleases(head, base, changed, found, helmOptions, helmDeps)
    : undefined;
  // An app of apps: the Applications that renders produced build folders and charts too.
  const produced = producedApplications(head, results, helm, "head");
  const producedAtBase = producedApplications(head, results, helm, "base");
  const built = new Set(all.map((t) => t.dir));
  const followed = targetsOf(
    head,
    base,
    changed,
    followedTargets(head, head.tree, sources, produced),
  ).filter((t) => !built.has(t.dir) && t.controllers.length > 0);
  results.push(...(await inPool(followed, RENDER_CONCURRENCY, renderTarget)));
  if (helm && deps.renderer.renderHelmChart) {
    const context = helmContextOf(found, helmOptions, helmDeps);
    const sides = { head, base };
    const apps = { head: produced, base: producedAtBase };
    await renderFollowedReleases(sides, apps, changed, sources, helmOptions, context, helm);
    const built = { head: patched, base: builtAt("base") };
    await renderFollowedReleases(
      sides,
      built,
      changed,
      sources,
      helmOptions,
      context,
      helm,
      "Flux",
    );
  }
  results.push(...(await renderPlain(head, [...all, ...followed], results, renderTarget)));
  // Argo CD objects the change touches that are not this repository's, or cannot be decided.
  const argoNotices: (SkippedFile & { readonly fails?: true })[] = options.argocd
    ? [
        ...found.files
          .filter((f) => changed.head.has(f.file))
          .flatMap((f) => argoNotEvaluated(f, head.tree, sources)),
        ...followedNotices(head, sources, produced, producedAtBase),
      ]
    : [];
  return assembleRendered(head, changed, results, helm, argoNotices, deps);
}

/** What renderHelmReleases is told: the releases a build replaced, the shared budget, charts. */
function helmOptionsOf(options: RenderOptions, budget: RenderBudget, replaced: Set<string>) {
  return {
    replaced,
    flux: options.flux,
    argocd: options.argocd,
    budget,
    vendoredCharts: vendoredChartsOf(options.vendoredCharts ?? []),
    remoteCharts: options.remoteCharts ?? [],
    plainHttpRegistries: options.plainHttpRegistries ?? [],
  };
}

/** Both sides' trees and kustomizations, the head's controllers, and each one's base version. */
async function readSides(source: PullRequestSource, config: Config, options: RenderOptions) {
  const [headPaths, basePaths] = await Promise.all([
    source.listPaths(source.head),
    source.listPaths(source.base),
  ]);
  const head = new Side(source.head, new RepoTree(headPaths), source, config);
  const base = new Side(source.base, new RepoTree(basePaths), source, config);
  if (options.kustomize) await Promise.all([head.loadKustomizations(), base.loadKustomizations()]);
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
  return { head, base, found, baseOf: atBase(base, headControllers, baseControllers) };
}

/** Argo CD Applications that the renders (and Helm releases) of one side produced. */
function producedApplications(
  head: Side,
  results: readonly TargetResult[],
  helm: HelmRendered | undefined,
  side: "head" | "base",
): RenderedApplication[] {
  return [
    ...results.flatMap((r) =>
      r[side].status === "rendered"
        ? r[side].resources
            .filter((x) => isApplication(x.value))
            .map((x) => ({ parent: parentOf(head, r.target), value: x.value }))
        : [],
    ),
    ...((side === "head" ? helm?.applications : helm?.baseApplications) ?? []),
  ].filter((a): a is RenderedApplication => a.parent !== undefined);
}

/** The review's rendered part: every target's and release's findings, errors, skips and diffs. */
async function assembleRendered(
  head: Side,
  changed: ReturnType<typeof changedPaths>,
  results: readonly TargetResult[],
  helm: HelmRendered | undefined,
  argoNotices: readonly (SkippedFile & { readonly fails?: true })[],
  deps: RenderDeps,
): Promise<RenderedChanges> {
  // A source Argo CD deploys but Portcullis cannot render (a plugin, Jsonnet) fails the run.
  const argoErrors: EvaluationError[] = argoNotices
    .filter((n) => n.fails)
    .map((n) => ({ file: n.file, line: n.line ?? 1, message: n.reason }));
  const argoSkipped = argoNotices.filter((n) => !n.fails);
  if (results.length === 0 && (!helm || helm.diffs.length + helm.notEvaluated.length === 0))
    return { ...EMPTY, errors: argoErrors, notEvaluated: argoSkipped };

  const covered = new Set<string>(helm?.covered);
  const diffs: RenderedTargetDiff[] = [];
  const errors: EvaluationError[] = [...argoErrors];
  let documents = helm?.documents ?? 0;
  const notEvaluated: SkippedFile[] = [...(helm?.notEvaluated ?? []), ...argoSkipped];
  const unbuilt: SkippedFile[] = [];
  for (const { target, head: h, base: b } of results) {
    if (h.overBudget) errors.push(overBudgetError(head, target, h.reason!));
    for (const blocked of h.blocked) {
      const entry = {
        file: blocked.file,
        line: blocked.line,
        reason: `${blocked.reason}; ${show(target.dir)} was not rendered`,
      };
      notEvaluated.push(entry);
      unbuilt.push(entry);
    }
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
    diffs.push(targetDiff(target, h, b));
  }
  return {
    head: mergeAcrossTargets([...results.flatMap((r) => r.head.findings), ...(helm?.head ?? [])]),
    base: mergeAcrossTargets([...results.flatMap((r) => r.base.findings), ...(helm?.base ?? [])]),
    errors: [...errors, ...(helm?.errors ?? [])].sort(byPlace),
    notEvaluated: dedupeSkipped(notEvaluated),
    unbuilt: dedupeSkipped(unbuilt),
    covered,
    diffs: [...diffs, ...(helm?.diffs ?? [])],
    documentsEvaluated: documents,
    renderer: await deps.renderer.describe(),
  };
}

/** What the change does to one target's output. */
function targetDiff(target: Target, h: SideOutcome, b: SideOutcome): RenderedTargetDiff {
  return {
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
  return compareText(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0);
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
