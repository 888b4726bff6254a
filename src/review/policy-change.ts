// A change to the repository's policies, reviewed as code: the head's policies run their own tests
// (each engine's `tests`), and the repository's manifests are evaluated under the base's and the
// head's policies to show what the change would newly flag, stop flagging, or fail to evaluate.
// Informational beside the verdict, which the base's policies alone decide.
import picomatch from "picomatch";
import type { Config } from "../config/config.js";
import { isKustomizationFile, isYamlOrJson, type RepositoryLayout } from "../core/file-role.js";
import { messageOf } from "../core/errors.js";
import {
  IMPACT_MAX_FILES,
  IMPACT_MAX_RENDER_TARGETS,
  IMPACT_TIME_LIMIT_MS,
  POLICY_TESTS_TIME_LIMIT_MS,
  type ImpactItem,
  type PolicyChangeReport,
  type PolicyImpact,
  type PolicyImpactEntry,
  type PolicyTestResult,
  type PolicyTestRun,
} from "../core/policy-change.js";
import type { Problem } from "../core/problem.js";
import type { EvaluationReport, SourceFile } from "../core/report.js";
import type { Finding, RuleMetadata } from "../core/types.js";
import type { Engine, EngineDescriptor, EngineLoad } from "../engines/engine.js";
import { loadEngines } from "../engines/load.js";
import {
  baseCommitFiles,
  headCommitFiles,
  under,
  type RepositoryPolicyDeps,
} from "../engines/repository-files.js";
import type { PolicyEngine } from "../ports/policy-engine.js";
import type { ChangedFile, PullRequestSource } from "../ports/pull-request-source.js";
import { evaluateFiles } from "./evaluate-files.js";
import { reviewEngineContext } from "./repository-policies.js";
import { resolveLinks } from "./symbolic-links.js";
import { renderChanges } from "../gitops/render-changes.js";
import type { ManifestRenderer } from "../ports/manifest-renderer.js";
import { compareText } from "../core/compare-text.js";

export interface PolicyChangeDeps {
  readonly registry: readonly EngineDescriptor[];
  /** The shared OPA toolchain: without it, neither tests nor impact run. */
  readonly opa?: RepositoryPolicyDeps;
  readonly catalogue: PolicyEngine;
  readonly rules: ReadonlyMap<string, RuleMetadata>;
  readonly today: string;
  /** Where the pinned tools are found (PORTCULLIS_OPA...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Renders the head's kustomizations and Helm releases (config `render`); none without it. */
  readonly renderer?: ManifestRenderer;
  /** Chart roots and kustomize patches of the head, for the files evaluated. */
  readonly layoutOf: (paths: readonly string[]) => Promise<RepositoryLayout>;
  readonly testTimeLimitMs?: number;
  readonly impactTimeLimitMs?: number;
  readonly impactMaxFiles?: number;
}

/** The changed files (by either name) under a folder some engine reads its policies from. */
export function changedPolicyFiles(
  registry: readonly EngineDescriptor[],
  config: Config,
  changed: readonly ChangedFile[],
): string[] {
  const dirs = registry.flatMap((d) => d.reads(config));
  const inPolicies = (p: string | undefined) => p !== undefined && dirs.some((d) => under(d)(p));
  return changed.filter((f) => inPolicies(f.path) || inPolicies(f.previousPath)).map((f) => f.path);
}

/** Tests and impact of a change that touches the policies; undefined when it touches none. */
export async function reviewPolicyChange(
  source: PullRequestSource,
  config: Config,
  changed: readonly ChangedFile[],
  deps: PolicyChangeDeps,
): Promise<PolicyChangeReport | undefined> {
  const touched = changedPolicyFiles(deps.registry, config, changed);
  if (touched.length === 0 || !deps.opa) return undefined;
  const [tests, impact] = await Promise.all([
    runPolicyTests(source, config, deps),
    policyImpact(source, config, deps),
  ]);
  return { changedPolicyFiles: touched, tests, impact };
}

/** Every engine's own tests, at the head; an engine that throws is a problem, not a crash. */
export async function runPolicyTests(
  source: PullRequestSource,
  config: Config,
  deps: Pick<PolicyChangeDeps, "registry" | "opa" | "env" | "testTimeLimitMs">,
  files = headCommitFiles(source),
): Promise<PolicyTestRun> {
  const results: PolicyTestResult[] = [];
  const problems: Problem[] = [];
  for (const d of deps.registry) {
    if (!d.tests) continue;
    try {
      const run = await d.tests({
        config,
        configFile: ".github/portcullis.yml",
        files,
        ...(deps.opa ? { opa: deps.opa } : {}),
        env: deps.env,
        timeLimitMs: deps.testTimeLimitMs ?? POLICY_TESTS_TIME_LIMIT_MS,
      });
      results.push(...run.results);
      problems.push(...run.problems);
    } catch (err) {
      problems.push({
        file: ".github/portcullis.yml",
        line: 1,
        message: `${d.id} tests could not run: ${messageOf(err)}`,
      });
    }
  }
  return { results, problems };
}

/** The engines of the repository's own policies (not the catalogue, which a change cannot edit). */
async function repositoryEngines(
  source: PullRequestSource,
  config: Config,
  deps: PolicyChangeDeps,
  side: "base" | "head",
): Promise<EngineLoad> {
  const registry = deps.registry.filter((d) => d.reads(config).length > 0);
  const ctx = reviewEngineContext(source, config, {
    catalogue: deps.catalogue,
    rules: deps.rules,
    ...(deps.opa ? { opa: deps.opa } : {}),
  });
  const files = side === "base" ? baseCommitFiles(source) : headCommitFiles(source);
  return loadEngines(registry, { ...ctx, files });
}

/** The head's manifests the comparison reads: YAML/JSON in scope, outside the policy folders. */
async function impactFiles(
  source: PullRequestSource,
  config: Config,
  deps: PolicyChangeDeps,
): Promise<{ sources: SourceFile[]; cut: number }> {
  const included = picomatch(config.include as string[], { dot: true });
  const excluded = picomatch(config.exclude as string[], { dot: true });
  const policyDirs = deps.registry.flatMap((d) => d.reads(config));
  const candidates = (await source.listPaths(source.head)).filter(
    (p) =>
      isYamlOrJson(p) &&
      !isKustomizationFile(p) &&
      included(p) &&
      !excluded(p) &&
      !policyDirs.some((d) => under(d)(p)),
  );
  const max = deps.impactMaxFiles ?? IMPACT_MAX_FILES;
  const taken = candidates.slice(0, max);
  const contents = await source.readFiles(taken.map((path) => ({ commit: source.head, path })));
  const read: SourceFile[] = [];
  taken.forEach((path, i) => {
    const content = contents[i];
    if (content) read.push({ path, content });
  });
  const sources = await resolveLinks(source, source.head, read, (f) => f.path);
  return { sources: [...sources], cut: candidates.length - taken.length };
}

/** The repository's manifests under the base's and the head's policies, compared per policy. */
export async function policyImpact(
  source: PullRequestSource,
  config: Config,
  deps: PolicyChangeDeps,
): Promise<PolicyImpact> {
  const [base, head, files] = await Promise.all([
    repositoryEngines(source, config, deps, "base"),
    repositoryEngines(source, config, deps, "head"),
    impactFiles(source, config, deps),
  ]);
  const layout = await deps.layoutOf(files.sources.map((f) => f.path));
  const limit = deps.impactTimeLimitMs ?? IMPACT_TIME_LIMIT_MS;
  const started = Date.now();
  const evaluated = { base: [] as EvaluationReport[], head: [] as EvaluationReport[] };
  let done = 0;
  const CHUNK = 50;
  while (done < files.sources.length && Date.now() - started < limit) {
    const chunk = files.sources.slice(done, done + CHUNK);
    const run = (engines: readonly Engine[]) =>
      evaluateFiles(chunk, layout, config, { engines, rules: deps.rules, today: deps.today });
    evaluated.base.push(await run(base.engines));
    evaluated.head.push(await run(head.engines));
    done += chunk.length;
  }
  // Overlays and releases as rendered: under the base's policies, then the head's.
  const renders = Boolean(deps.renderer && (config.render.kustomize || config.render.helm));
  const timeLeft = Date.now() - started < limit;
  if (renders && timeLeft) {
    const renderedBase = await renderedReport(source, config, base.engines, deps);
    const renderedHead = renderedBase && (await renderedReport(source, config, head.engines, deps));
    if (renderedBase && renderedHead) {
      evaluated.base.push(renderedBase);
      evaluated.head.push(renderedHead);
    }
  }
  const partial = [
    files.cut > 0
      ? `${files.cut} files over the ${deps.impactMaxFiles ?? IMPACT_MAX_FILES} compared were not read`
      : "",
    done < files.sources.length
      ? `stopped after ${Math.round(limit / 1000)} s with ${files.sources.length - done} files not compared`
      : "",
    renders && !timeLeft
      ? "rendered overlays and Helm releases were not compared (time limit)"
      : "",
    // Without the base's policies every head finding would look new: said, never hidden.
    base.problems.length > 0
      ? `the base's policies do not all load (${base.problems[0]!.file}:${base.problems[0]!.line}), so findings of theirs may show as newly flagged`
      : "",
  ].filter((s) => s !== "");
  return {
    entries: compareReports(evaluated.base, evaluated.head),
    filesEvaluated: done,
    documentsEvaluated: evaluated.head.reduce((n, r) => n + r.documentsEvaluated, 0),
    ...(partial.length > 0 ? { partial: partial.join("; ") } : {}),
    problems: head.problems,
  };
}

/**
 * The head's kustomizations and Helm releases (as `render` configures them) rendered and evaluated
 * under `engines`, each finding routed to the source line that set it; none without a renderer.
 */
async function renderedReport(
  source: PullRequestSource,
  config: Config,
  engines: readonly Engine[],
  deps: PolicyChangeDeps,
): Promise<EvaluationReport | undefined> {
  if (!deps.renderer || !(config.render.kustomize || config.render.helm)) return undefined;
  // Every file of the head as if changed: every target is affected, within the render budget.
  const paths = (await source.listPaths(source.head)).filter(isYamlOrJson);
  const rendered = await renderChanges(
    source,
    paths.map((path) => ({ path, status: "modified" as const })),
    config,
    { ...config.render, maxTargets: IMPACT_MAX_RENDER_TARGETS },
    {
      renderer: deps.renderer,
      evaluation: { engines, rules: deps.rules, today: deps.today },
    },
  );
  return {
    findings: rendered.head,
    skipped: [],
    errors: rendered.errors,
    filesEvaluated: 0,
    documentsEvaluated: rendered.documentsEvaluated,
  };
}

const NOT_EVALUATED = /^not evaluated\b/;
/** The pseudo-policy documents that an engine as a whole cannot evaluate are listed under. */
export const EVALUATION_ERRORS = "(evaluation errors)";

const exactKey = (f: Finding) => `${f.rule}\u0000${f.fingerprint}\u0000${f.file}\u0000${f.message}`;
const placeKey = (f: Finding) => `${f.rule}\u0000${f.fingerprint}\u0000${f.file}`;
const itemOf = (f: Finding): ImpactItem => ({
  file: f.file,
  line: f.lines.start,
  message: f.message,
  ...(f.resource ? { resource: f.resource } : {}),
});

/**
 * The findings of `a` that `b` does not have: matched first by message, then by place (rule,
 * resource, path, file), so a finding whose message the change rewords is still the same finding.
 */
function unmatched(a: readonly Finding[], b: readonly Finding[]): Finding[] {
  const count = (xs: readonly Finding[], key: (f: Finding) => string) => {
    const m = new Map<string, number>();
    for (const f of xs) m.set(key(f), (m.get(key(f)) ?? 0) + 1);
    return m;
  };
  const exact = count(b, exactKey);
  const rest: Finding[] = [];
  for (const f of a) {
    const n = exact.get(exactKey(f)) ?? 0;
    if (n > 0) exact.set(exactKey(f), n - 1);
    else rest.push(f);
  }
  // What b has left over (its counts in `exact`), by place, pairs with a's reworded findings.
  const leftInB = new Map<string, number>();
  for (const f of b) {
    const n = exact.get(exactKey(f)) ?? 0;
    if (n === 0) continue;
    exact.set(exactKey(f), n - 1);
    leftInB.set(placeKey(f), (leftInB.get(placeKey(f)) ?? 0) + 1);
  }
  return rest.filter((f) => {
    const n = leftInB.get(placeKey(f)) ?? 0;
    if (n === 0) return true;
    leftInB.set(placeKey(f), n - 1);
    return false;
  });
}

/** Per rule: what only the head flags, what only the base flagged, what the head cannot evaluate. */
export function compareReports(
  base: readonly EvaluationReport[],
  head: readonly EvaluationReport[],
): PolicyImpactEntry[] {
  const baseFindings = base.flatMap((r) => r.findings);
  const headFindings = head.flatMap((r) => r.findings);
  const entries = new Map<
    string,
    {
      rule: string;
      policy?: Finding["policy"];
      newlyFlagged: ImpactItem[];
      noLongerFlagged: ImpactItem[];
      failsToEvaluate: ImpactItem[];
    }
  >();
  const entry = (f: Pick<Finding, "rule" | "policy">) => {
    let e = entries.get(f.rule);
    if (!e) {
      e = { rule: f.rule, newlyFlagged: [], noLongerFlagged: [], failsToEvaluate: [] };
      entries.set(f.rule, e);
    }
    if (!e.policy && f.policy) e.policy = f.policy;
    return e;
  };
  for (const f of unmatched(headFindings, baseFindings))
    (NOT_EVALUATED.test(f.message) ? entry(f).failsToEvaluate : entry(f).newlyFlagged).push(
      itemOf(f),
    );
  for (const f of unmatched(baseFindings, headFindings))
    if (!NOT_EVALUATED.test(f.message)) entry(f).noLongerFlagged.push(itemOf(f));
  const baseErrors = new Set(
    base.flatMap((r) => r.errors).map((e) => `${e.file}\u0000${e.message}`),
  );
  for (const e of head.flatMap((r) => r.errors))
    if (!baseErrors.has(`${e.file}\u0000${e.message}`))
      entry({ rule: EVALUATION_ERRORS }).failsToEvaluate.push({
        file: e.file,
        line: e.line,
        message: e.message,
      });
  // A finding seen in a file and again in its rendered overlay at the same line is listed once.
  const once = (items: ImpactItem[]) => {
    const seen = new Set<string>();
    return items.filter((i) => {
      const key = `${i.file}\u0000${i.line}\u0000${i.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    });
  };
  return [...entries.values()]
    .map((e) => ({
      ...e,
      newlyFlagged: once(e.newlyFlagged),
      noLongerFlagged: once(e.noLongerFlagged),
      failsToEvaluate: once(e.failsToEvaluate),
    }))
    .sort((a, b) => compareText(a.rule, b.rule));
}
