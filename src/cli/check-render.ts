// `check --render`: the kustomizations and Helm charts among the files check is given are built
// by review's own renderers (gitops/render-changes.ts) and their output evaluated; the files a
// render read are reported from the rendered resources, not one by one.
import { WorkingTreeSource } from "../adapters/fs/working-tree-source.js";
import { findHelm, HelmRenderer, withHelm } from "../gitops/adapters/helm.js";
import { ChartFetcher, chartFetchOptions } from "../gitops/adapters/chart-fetch.js";
import { findKustomize, KustomizeRenderer } from "../gitops/adapters/kustomize.js";
import type { Config } from "../config/config.js";
import type { ManifestRenderer } from "../ports/manifest-renderer.js";
import { renderChanges } from "../gitops/render-changes.js";
import {
  evaluateFiles,
  sortFindings,
  type EvaluationDeps,
  type EvaluationReport,
  type SourceFile,
} from "../review/evaluate-files.js";
import type { RepositoryLayout } from "../core/file-role.js";
import type { CliIo } from "./check-command.js";

/**
 * The renderers `review` and `check --render` run: kustomize, and helm for charts, fetched with the
 * settings of `env` (a bad one throws a SettingError: called before anything runs).
 */
export function localRenderer(env: CliIo["env"]): ManifestRenderer {
  return withHelm(
    new KustomizeRenderer({ binary: findKustomize(env) ?? "" }),
    new HelmRenderer({ binary: findHelm(env) ?? "" }),
    new ChartFetcher(chartFetchOptions(env)),
  );
}

/**
 * Evaluates `files` as `check` does, after rendering what they hold to render (files under the
 * folder check runs in; others are evaluated as they are).
 */
export async function evaluateRendered(
  files: readonly SourceFile[],
  layout: RepositoryLayout,
  config: Config,
  deps: EvaluationDeps,
  io: CliIo,
): Promise<EvaluationReport> {
  const inside = files.filter((f) => !f.path.startsWith("../")).map((f) => f.path);
  const source = new WorkingTreeSource(io.cwd, inside);
  const renderer = localRenderer(io.env);
  const { files: changed } = await source.changedFiles();
  const rendered = await renderChanges(
    source,
    changed,
    config,
    { ...config.render, kustomize: true, helm: true },
    { renderer, evaluation: deps },
  );
  const key = (s: { file: string; line?: number; reason: string }) =>
    JSON.stringify([s.file, s.line, s.reason]);
  const unbuilt = new Map((rendered.unbuilt ?? []).map((s) => [key(s), s]));
  const direct = await evaluateFiles(
    files.filter((f) => !rendered.covered.has(f.path)),
    layout,
    config,
    deps,
  );
  return {
    findings: sortFindings([...direct.findings, ...rendered.head]),
    skipped: [
      // A kustomization or chart template that was rendered is not "skipped".
      ...direct.skipped.filter((s) => !rendered.covered.has(s.file)),
      ...rendered.notEvaluated.filter((s) => !unbuilt.has(key(s))),
    ],
    // --render asked for the build: one refused (helmCharts, an exec function, a path outside
    // the folder) was not evaluated, an error, never a clean pass.
    errors: [
      ...direct.errors,
      ...rendered.errors,
      ...[...unbuilt.values()].map((s) => ({
        file: s.file,
        line: s.line ?? 1,
        message: `not evaluated: ${s.reason}`,
      })),
    ],
    filesEvaluated: direct.filesEvaluated + rendered.covered.size,
    documentsEvaluated: direct.documentsEvaluated + rendered.documentsEvaluated,
  };
}
