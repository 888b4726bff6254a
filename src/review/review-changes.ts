// The review use case: config from the base, changed manifests from the head, findings new vs pre-existing.
import picomatch from "picomatch";
import {
  CONFIG_PATH,
  parseConfig,
  type Config,
  type ConfigContext,
  type ConfigError,
} from "../config/config.js";
import {
  isKustomizationFile,
  isYamlOrJson,
  patchFilesOf,
  roleOf,
  type RepositoryLayout,
} from "../core/file-role.js";
import { resolveConfig, type ReadOtherConfig } from "../config/extends.js";
import { parseManifest } from "../yaml/index.js";
import type { Finding, RuleMetadata, SkippedFile } from "../core/types.js";
import type { RenderedTargetDiff } from "../core/rendered-diff.js";
import type { ManifestRenderer } from "../ports/manifest-renderer.js";
import type { PolicyEngine } from "../ports/policy-engine.js";
import type { ChangedFile, PullRequestSource } from "../ports/pull-request-source.js";
import {
  evaluateFiles,
  sortFindings,
  type EvaluationReport,
  type SourceFile,
} from "./evaluate-files.js";
import { renderChanges } from "../gitops/render-changes.js";
import type { EngineDescriptor } from "../engines/engine.js";
import { loadReviewEngines, type RepositoryPolicyDeps } from "./repository-policies.js";
import { resolveLinks } from "./symbolic-links.js";
import { appliedAlongside, givePass } from "./applied-alongside.js";
import type { PolicyChangeReport } from "../core/policy-change.js";
import type { BranchAudit, BranchProtection } from "../ports/branch-protection.js";
import { reviewPolicyChange } from "./policy-change.js";
import { auditBranch } from "./branch-audit.js";
import { ENGINES } from "../engines/registry.js";

export interface ReviewDeps {
  /** The built-in catalogue's evaluator (a fresh one per review). */
  readonly engine: PolicyEngine;
  readonly rules: ReadonlyMap<string, RuleMetadata>;
  readonly configContext: ConfigContext;
  readonly today: string;
  /**
   * Where `_extends` finds organisation defaults: the repository's owner and a reader of other
   * repositories' configs. Without it (a local review) `_extends` is reported as not resolved.
   */
  readonly extendsFrom?: {
    readonly owner: string;
    readonly repo: string;
    readonly read: ReadOtherConfig;
  };
  /** Runs the repository's own policies (from the base commit) when set and configured. */
  readonly repositoryPolicies?: RepositoryPolicyDeps;
  /** The engine registry (src/engines/registry.ts unless a test adds an engine). */
  readonly engines?: readonly EngineDescriptor[];
  /** Told how long each evaluation (head, base) took, in seconds (metrics). */
  readonly onEvaluated?: (seconds: number) => void;
  /** Renders the kustomizations a change affects (config `render`); without it none is rendered. */
  readonly renderer?: ManifestRenderer;
  /** Where the pinned tools are found for the policies' own tests (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads the base branch's protection (the app); without it no audit is shown. */
  readonly branchProtection?: () => Promise<BranchProtection>;
}

/** What rendering did in a review: per kustomization, the resources the change adds, changes, removes. */
export interface RenderSummary {
  readonly diffs: readonly RenderedTargetDiff[];
  /** The renderer that ran ("kustomize v5.8.2, without network"). */
  readonly renderer?: string;
}

export interface ChangeReview {
  /** The configuration in force: the base's (a change never reviews itself under its own rules). */
  readonly config: Config;
  /** Problems of the base configuration (defaults stand in for the broken parts). */
  readonly configErrors: readonly ConfigError[];
  /** Problems of the configuration as the change would leave it, when the change edits it. */
  readonly headConfigErrors: readonly ConfigError[];
  readonly configChanged: boolean;
  /** Head findings; those also found on the base (same rule and fingerprint) are "existing". */
  readonly report: EvaluationReport;
  readonly changedFiles: readonly ChangedFile[];
  /** The head text of each evaluated file, for suggestions. */
  readonly headTexts: ReadonlyMap<string, string>;
  /** false when the change list was cut by the platform: the review must not pass. */
  readonly complete: boolean;
  readonly totalChanged: number;
  /** The repository's own policy modules in force (read from the base commit). */
  readonly policyModules: readonly string[];
  /** Rendered kustomizations, when rendering ran. */
  readonly rendered?: RenderSummary;
  /** When the change touches the repository's policies: their own tests and its impact. */
  readonly policyChange?: PolicyChangeReport;
  /** The base branch's protection, judged (the app only). */
  readonly branchAudit?: BranchAudit;
}

/** Chart roots and kustomize patch files of a commit, read from its tree and the kustomizations near `dirs`. */
export async function loadLayout(
  source: PullRequestSource,
  commit: string,
  dirs: ReadonlySet<string>,
): Promise<RepositoryLayout> {
  const paths = await source.listPaths(commit);
  const chartRoots = new Set<string>();
  const kustomizations: string[] = [];
  for (const p of paths) {
    const slash = p.lastIndexOf("/");
    const dir = slash < 0 ? "" : p.slice(0, slash);
    if (p.endsWith("/Chart.yaml") || p === "Chart.yaml") chartRoots.add(dir);
    if (isKustomizationFile(p) && dirs.has(dir)) kustomizations.push(p);
  }
  const patchFiles = new Set<string>();
  for (const k of kustomizations) {
    const content = await source.readFile(commit, k);
    if (!content) continue;
    for (const doc of parseManifest(k, content).documents)
      for (const p of patchFilesOf(k, doc.value)) patchFiles.add(p);
  }
  return { chartRoots, patchFiles };
}

function dirsOf(paths: readonly string[]): Set<string> {
  // A patch is usually named by the kustomization beside it or one directory up (an overlay).
  const dirs = new Set<string>();
  for (const p of paths) {
    const parts = p.split("/").slice(0, -1);
    dirs.add(parts.join("/"));
    if (parts.length > 0) dirs.add(parts.slice(0, -1).join("/"));
  }
  return dirs;
}

interface WantedFile {
  readonly commit: string;
  readonly readPath: string;
  readonly reportPath: string;
}

/** Files read from a commit, and those missing there (listed as not evaluated). */
function collect(
  files: readonly WantedFile[],
  contents: readonly (Uint8Array | undefined)[],
): { sources: readonly SourceFile[]; missing: SkippedFile[] } {
  const sources: SourceFile[] = [];
  const missing: SkippedFile[] = [];
  files.forEach((f, i) => {
    const content = contents[i];
    if (content) sources.push({ path: f.reportPath, content });
    else missing.push({ file: f.reportPath, reason: `not found at ${f.commit.slice(0, 12)}` });
  });
  return { sources, missing };
}

/** Marks head findings that the base already had (same rule and fingerprint) as existing. */
export function markExisting(head: readonly Finding[], base: readonly Finding[]): Finding[] {
  const before = new Set(base.map((f) => `${f.rule}\u0000${f.fingerprint}`));
  return head.map((f) =>
    f.status.kind === "open" && before.has(`${f.rule}\u0000${f.fingerprint}`)
      ? { ...f, status: { kind: "existing" } }
      : f,
  );
}

/** The configuration in force for a change: the base commit's, with `_extends` resolved. */
export async function loadReviewConfig(source: PullRequestSource, deps: ReviewDeps) {
  const text = await source.readFile(source.base, CONFIG_PATH);
  return loadBaseConfig(text ? Buffer.from(text).toString("utf8") : "", deps);
}

async function loadBaseConfig(text: string, deps: ReviewDeps) {
  if (deps.extendsFrom) {
    const { owner, repo, read } = deps.extendsFrom;
    return resolveConfig(text, { owner, repo }, read, deps.configContext);
  }
  const result = parseConfig(text, deps.configContext);
  if (!/^_extends\s*:/m.test(text)) return result;
  const note = {
    path: "_extends",
    message: "_extends is resolved by the GitHub App only; this review used the file alone",
  };
  return { ...result, errors: [...result.errors, note] };
}

export async function reviewChanges(
  source: PullRequestSource,
  deps: ReviewDeps,
): Promise<ChangeReview> {
  const base = await loadReviewConfig(source, deps);
  const config = base.config;

  const changes = await source.changedFiles();
  const { configChange, headConfigErrors } = await headConfigOf(source, changes.files, deps);

  const included = picomatch(config.include as string[], { dot: true });
  const excluded = picomatch(config.exclude as string[], { dot: true });
  const reviewed = changes.files.filter(
    (f) => f.status !== "removed" && isYamlOrJson(f.path) && included(f.path) && !excluded(f.path),
  );
  const paths = reviewed.map((f) => f.path);
  const [headLayout, baseLayout] = await Promise.all([
    loadLayout(source, source.head, dirsOf(paths)),
    loadLayout(source, source.base, dirsOf(reviewed.map((f) => f.previousPath ?? f.path))),
  ]);
  const { head, baseFiles, onBase } = await readBothSides(source, reviewed);

  const policies = await loadReviewEngines(source, config, {
    catalogue: deps.engine,
    rules: deps.rules,
    ...(deps.repositoryPolicies ? { opa: deps.repositoryPolicies } : {}),
    ...(deps.engines ? { registry: deps.engines } : {}),
  });
  const evalDeps = {
    engines: policies.engines,
    rules: deps.rules,
    today: deps.today,
  };
  const timed = timedBy(deps.onEvaluated);
  // Files a head render read are evaluated as rendered (patches included), not one by one.
  const rendered =
    deps.renderer && (config.render.kustomize || config.render.helm)
      ? await timed(() =>
          renderChanges(source, changes.files, config, config.render, {
            renderer: deps.renderer!,
            evaluation: evalDeps,
          }),
        )
      : undefined;
  const direct = (f: SourceFile) => !rendered?.covered.has(f.path);
  // A rendered finding lands in a source file: the include and exclude globs apply to it there.
  const inScope = (f: Finding) => included(f.file) && !excluded(f.file);
  const [policyChange, branchAudit] = await policyContext(source, config, changes.files, deps);
  const applied = await appliedAlongside(source, evalDeps.engines, config, {
    // PCV005 sees the unchanged files of the changed files' folders too, in both passes.
    changed: changes.files,
    evaluated: head.sources.filter(direct).map((f) => f.path),
    // A patch or chart template is no object of its own: check does not compare it either.
    keep: (p) => included(p) && !excluded(p) && roleOf(p, headLayout) === "manifest",
  });
  givePass(evalDeps.engines, applied, { newPass: false });
  const headReport = await timed(() =>
    evaluateFiles(head.sources.filter(direct), headLayout, config, evalDeps),
  );
  const renamedLayout = layoutUnderHeadPaths(baseLayout, onBase);
  // The base is its own pass: PCV005 must not take the head's objects for the base's.
  givePass(evalDeps.engines, applied, { newPass: true });
  const baseReport = await timed(() =>
    evaluateFiles(baseFiles.sources.filter(direct), renamedLayout, config, evalDeps),
  );

  return {
    config,
    configErrors: base.errors,
    headConfigErrors,
    configChanged: configChange !== undefined,
    report: mergeReports({
      headReport,
      baseReport,
      rendered,
      inScope,
      policies,
      missing: [...head.missing, ...applied.skipped],
    }),
    changedFiles: changes.files,
    headTexts: new Map(head.sources.map((f) => [f.path, Buffer.from(f.content).toString("utf8")])),
    complete: changes.complete,
    totalChanged: changes.total,
    policyModules: policies.files,
    ...(rendered ? { rendered: { diffs: rendered.diffs, renderer: rendered.renderer } } : {}),
    ...(policyChange ? { policyChange: { ...policyChange, ...headBlobUrlOf(source) } } : {}),
    ...(branchAudit ? { branchAudit } : {}),
  };
}

/** When the change edits the configuration: that change, and the problems of its head version. */
async function headConfigOf(
  source: PullRequestSource,
  changed: readonly ChangedFile[],
  deps: ReviewDeps,
): Promise<{ configChange?: ChangedFile; headConfigErrors: readonly ConfigError[] }> {
  const configChange = changed.find((f) => f.path === CONFIG_PATH && f.status !== "removed");
  if (!configChange) return { headConfigErrors: [] };
  const text = await source.readFile(source.head, CONFIG_PATH);
  const headConfigErrors = parseConfig(
    text ? Buffer.from(text).toString("utf8") : "",
    deps.configContext,
  ).errors;
  return { configChange, headConfigErrors };
}

/**
 * Reads the reviewed files at the head and (unless added) at the base, in one batch; links are
 * resolved inside the repository. `onBase` are the changed files that exist on the base.
 */
async function readBothSides(source: PullRequestSource, reviewed: readonly ChangedFile[]) {
  // The base version of each file is read under its head path, so fingerprints line up across renames.
  const onBase = reviewed.filter((f) => f.status !== "added");
  const atHead: WantedFile[] = reviewed.map((f) => ({
    commit: source.head,
    readPath: f.path,
    reportPath: f.path,
  }));
  const atBase: WantedFile[] = onBase.map((f) => ({
    commit: source.base,
    readPath: f.previousPath ?? f.path,
    reportPath: f.path,
  }));
  // One batch for both sides: as few requests as the platform allows.
  const contents = await source.readFiles(
    [...atHead, ...atBase].map((f) => ({ commit: f.commit, path: f.readPath })),
  );
  const head = collect(atHead, contents.slice(0, atHead.length));
  const baseFiles = collect(atBase, contents.slice(atHead.length));
  // A link is read as its target inside the repository, or refused: never as its target's path.
  const readPathAtBase = new Map(atBase.map((f) => [f.reportPath, f.readPath]));
  head.sources = await resolveLinks(source, source.head, head.sources, (f) => f.path);
  baseFiles.sources = await resolveLinks(
    source,
    source.base,
    baseFiles.sources,
    (f) => readPathAtBase.get(f.path) ?? f.path,
  );
  return { head, baseFiles, onBase };
}

/** Runs `work`, telling `onEvaluated` how long it took in seconds (metrics). */
function timedBy(onEvaluated: ((seconds: number) => void) | undefined) {
  return async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    onEvaluated?.((performance.now() - started) / 1000);
    return result;
  };
}

/**
 * Beside the review, at once: the change's effect on the repository's own policies (their tests
 * and impact), and the base branch's protection judged against the configuration.
 */
function policyContext(
  source: PullRequestSource,
  config: Config,
  changed: readonly ChangedFile[],
  deps: ReviewDeps,
) {
  return Promise.all([
    deps.repositoryPolicies
      ? reviewPolicyChange(source, config, changed, {
          registry: deps.engines ?? ENGINES,
          opa: deps.repositoryPolicies,
          catalogue: deps.engine,
          rules: deps.rules,
          today: deps.today,
          env: deps.env ?? process.env,
          layoutOf: (paths) => loadLayout(source, source.head, dirsOf(paths)),
          ...(deps.renderer ? { renderer: deps.renderer } : {}),
        })
      : undefined,
    // Informational: a protection that cannot be read at all leaves the summary without it.
    deps.branchProtection?.().then(
      (p) => auditBranch(p, config),
      () => undefined,
    ),
  ]);
}

/** The base's layout with each file under its head path (a renamed patch stays a patch). */
function layoutUnderHeadPaths(
  baseLayout: RepositoryLayout,
  onBase: readonly ChangedFile[],
): RepositoryLayout {
  return {
    chartRoots: baseLayout.chartRoots,
    patchFiles: new Set(
      onBase.filter((f) => baseLayout.patchFiles.has(f.previousPath ?? f.path)).map((f) => f.path),
    ),
  };
}

/**
 * The review's report: head findings (file by file and rendered) marked existing where the base
 * had them, with everything not evaluated and every problem from the engines, files and render.
 */
function mergeReports(parts: {
  headReport: EvaluationReport;
  baseReport: EvaluationReport;
  rendered: Awaited<ReturnType<typeof renderChanges>> | undefined;
  inScope: (f: Finding) => boolean;
  policies: Awaited<ReturnType<typeof loadReviewEngines>>;
  missing: readonly SkippedFile[];
}): EvaluationReport {
  const { headReport, baseReport, rendered, inScope, policies } = parts;
  return {
    ...headReport,
    findings: sortFindings(
      markExisting(
        [...headReport.findings, ...(rendered?.head ?? []).filter(inScope)],
        [...baseReport.findings, ...(rendered?.base ?? []).filter(inScope)],
      ),
    ),
    skipped: [
      ...headReport.skipped,
      ...parts.missing,
      ...policies.notEvaluated,
      ...(rendered?.notEvaluated ?? []),
    ],
    errors: [...policies.problems, ...headReport.errors, ...(rendered?.errors ?? [])],
    documentsEvaluated: headReport.documentsEvaluated + (rendered?.documentsEvaluated ?? 0),
  };
}

/** `https://<host>/<owner>/<repo>/blob/<head>/`, for links to the head's lines; none off the web. */
function headBlobUrlOf(source: PullRequestSource): { headBlobUrl?: string } {
  const web = source.repositoryUrls?.find((u) => /^https:\/\//.test(u));
  return web
    ? { headBlobUrl: `${web.replace(/\.git$/, "").replace(/\/+$/, "")}/blob/${source.head}/` }
    : {};
}
