// Runs the pinned helm on a chart copied from the repository: `helm template`, offline, no
// dependency update, no tests, in the same lock as kustomize.
import { join } from "node:path";
import { ChartFetcher } from "./chart-fetch.js";
import type {
  ChartFetch,
  HelmBuild,
  KustomizeBuild,
  ManifestRenderer,
  RenderOutcome,
} from "../../ports/manifest-renderer.js";
import {
  findRenderTool,
  sandboxEnvironment,
  SandboxedTool,
  withoutTempDir,
  type RenderToolOptions,
} from "./sandbox.js";

/** The binary (default: findHelm()), network isolation, time limit and output cap. */
export type HelmOptions = RenderToolOptions;

/** $PORTCULLIS_HELM, then the one `npm run build` made (.tools/bin/helm), then PATH. */
export function findHelm(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  return findRenderTool("helm", env.PORTCULLIS_HELM);
}

/** Helm's own folders inside the build's home: no repositories, no registry credentials, no plugins. */
function helmEnvironment(home: string): NodeJS.ProcessEnv {
  return sandboxEnvironment(home, {
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_DATA_HOME: join(home, "data"),
    HELM_PLUGINS: join(home, "no-plugins"),
    HELM_REGISTRY_CONFIG: join(home, "no-registry.json"),
    HELM_REPOSITORY_CONFIG: join(home, "no-repositories.yaml"),
    HELM_REPOSITORY_CACHE: join(home, "no-repository-cache"),
  });
}

/** Kubernetes' RFC 1123 label: what a release name and a namespace may be. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export class HelmRenderer {
  private readonly tool: SandboxedTool;

  constructor(options: HelmOptions = {}) {
    this.tool = new SandboxedTool(
      "helm",
      ["version", "--template", "{{.Version}}"],
      "run `npm run build:helm`, put helm on PATH, or set PORTCULLIS_HELM",
      options,
      () => findHelm(),
    );
  }

  describe(): string {
    return this.tool.describe();
  }

  async renderHelmChart(build: HelmBuild): Promise<RenderOutcome> {
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    const refused = this.tool.refusal(
      [
        ...build.files.keys(),
        ...build.valuesFiles,
        ...(build.chartDir === "" ? [] : [build.chartDir]),
      ],
      "",
    );
    if (refused) return refused;
    // The release name and namespace come from the repository: anything but a DNS label (what
    // Helm and Kubernetes accept anyway) could be read by helm as a flag ("--post-renderer=...").
    for (const [what, value, max] of [
      ["release name", build.release, 53],
      ["namespace", build.namespace, 63],
    ] as const) {
      if (value.length > max || !DNS_LABEL.test(value))
        return {
          ok: false,
          reason: "failed",
          message: `refused ${what} ${JSON.stringify(value.slice(0, 80))}: not a DNS label of at most ${max} characters`,
          durationMs: elapsed(),
        };
    }
    return this.tool.inTemporaryCopy(build.files, async (repo, home) => {
      const outcome = await this.tool.run(
        [
          "template",
          "--namespace",
          build.namespace,
          "--skip-tests",
          ...build.valuesFiles.flatMap((f) => ["--values", `./${f}`]),
          ...(build.set ?? []).flatMap((s) => [
            s.string ? "--set-string" : "--set",
            `${s.name}=${argoSetValue(s.value)}`,
          ]),
          // Positionals after "--": never flags, whatever they hold.
          "--",
          build.release,
          `./${build.chartDir}`,
        ],
        repo,
        helmEnvironment(home),
        (stderr) =>
          (
            withoutTempDir(stderr, repo)
              .replace(/^Error:\s*/, "")
              .trim() || "helm template failed without a message"
          ).slice(0, 2_000),
      );
      if (!outcome.ok) return { ...outcome, durationMs: elapsed() };
      return { ok: true, yaml: outcome.yaml, originRoot: "", durationMs: elapsed() };
    });
  }
}

/**
 * A parameter's value as Argo CD hands it to helm: commas escaped (helm would split the value at
 * them) unless already escaped, or unless the value is a `{a,b}` list.
 */
export function argoSetValue(value: string): string {
  if (value.startsWith("{") && value.endsWith("}")) return value;
  return value.replace(/(^|[^\\]),/g, "$1\\,").replace(/(^|[^\\]),/g, "$1\\,");
}

/**
 * One renderer for the review: kustomize's builds, helm's charts, and the remote charts the base
 * configuration allows (fetched here, outside the sandbox; rendered inside it, offline).
 */
export function withHelm(
  kustomize: ManifestRenderer,
  helm: HelmRenderer,
  charts: ChartFetch = new ChartFetcher(),
): ManifestRenderer {
  return {
    describe: async () => `${await kustomize.describe()}; ${helm.describe()}`,
    renderKustomization: (build: KustomizeBuild) => kustomize.renderKustomization(build),
    renderHelmChart: (build: HelmBuild) => helm.renderHelmChart(build),
    fetchChart: (chart, allow, plainHttp) => charts.fetchChart(chart, allow, plainHttp),
  };
}
