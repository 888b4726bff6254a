// Runs the pinned helm on a chart copied from the repository: `helm template`, offline, no
// dependency update, no tests, in the same lock as kustomize.
import { join } from "node:path";
import type {
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
    return this.tool.inTemporaryCopy(build.files, async (repo, home) => {
      const outcome = await this.tool.run(
        [
          "template",
          build.release,
          `./${build.chartDir}`,
          "--namespace",
          build.namespace,
          "--skip-tests",
          ...build.valuesFiles.flatMap((f) => ["--values", `./${f}`]),
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

/** One renderer for the review: kustomize's builds, and helm's charts. */
export function withHelm(kustomize: ManifestRenderer, helm: HelmRenderer): ManifestRenderer {
  return {
    describe: async () => `${await kustomize.describe()}; ${helm.describe()}`,
    renderKustomization: (build: KustomizeBuild) => kustomize.renderKustomization(build),
    renderHelmChart: (build: HelmBuild) => helm.renderHelmChart(build),
  };
}
