// Runs the pinned kustomize on repository files copied to a temporary directory: offline, no
// plugins, a time limit and an output cap, with origin annotations from a generated wrapper.
import { fsPromises } from "../../adapters/lazy-builtins.js";
import { join } from "node:path";
import type {
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

/** The directory of the generated wrapper kustomization, beside the repository's top folders. */
export const WRAPPER_DIR = ".portcullis-render";

/** The binary (default: findKustomize()), network isolation, time limit and output cap. */
export type KustomizeOptions = RenderToolOptions;

/** $PORTCULLIS_KUSTOMIZE, then the one `npm run build` made (.tools/bin/kustomize), then PATH. */
export function findKustomize(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  return findRenderTool("kustomize", env.PORTCULLIS_KUSTOMIZE);
}

const ROOT_KUSTOMIZATIONS = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** A kustomization's text asking for origin annotations (a block mapping gets one more key). */
function withOriginAnnotations(text: string): string {
  if (text.trimStart().startsWith("{")) {
    // A generated (JSON) kustomization: one more field.
    try {
      const k = JSON.parse(text) as Record<string, unknown>;
      return `${JSON.stringify({ ...k, buildMetadata: ["originAnnotations"] })}\n`;
    } catch {
      return text;
    }
  }
  if (/^buildMetadata\s*:/m.test(text)) return text;
  return `${text}${text.endsWith("\n") || text === "" ? "" : "\n"}buildMetadata: [originAnnotations]\n`;
}

function wrapperKustomization(dir: string): string {
  const target = `../${dir}`;
  // JSON is YAML: no quoting questions for odd directory names.
  return `${JSON.stringify({
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: [target],
    buildMetadata: ["originAnnotations"],
  })}\n`;
}

export class KustomizeRenderer implements ManifestRenderer {
  private readonly tool: SandboxedTool;

  constructor(options: KustomizeOptions = {}) {
    this.tool = new SandboxedTool(
      "kustomize",
      ["version"],
      "run `npm run build:render`, put kustomize on PATH, or set PORTCULLIS_KUSTOMIZE",
      options,
      () => findKustomize(),
    );
  }

  describe(): Promise<string> {
    return Promise.resolve(this.tool.describe());
  }

  async renderKustomization(build: KustomizeBuild): Promise<RenderOutcome> {
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    const refused = this.tool.refusal(
      [...build.files.keys(), ...(build.dir === "" ? [] : [build.dir])],
      WRAPPER_DIR,
    );
    if (refused) return refused;
    return this.tool.inTemporaryCopy(build.files, async (repo, home) => {
      let target = WRAPPER_DIR;
      if (build.dir === "") {
        // A wrapper inside the folder it builds is a cycle for kustomize: the repository's root
        // kustomization (its temporary copy) asks for the origin annotations itself.
        const rootFile = ROOT_KUSTOMIZATIONS.find((name) => build.files.has(name));
        if (!rootFile)
          return {
            ok: false,
            reason: "failed",
            message: "the repository root has no kustomization",
            durationMs: elapsed(),
          };
        const text = Buffer.from(build.files.get(rootFile)!).toString("utf8");
        await fsPromises().writeFile(join(repo, rootFile), withOriginAnnotations(text));
        target = ".";
      } else {
        await fsPromises().mkdir(join(repo, WRAPPER_DIR), { recursive: true });
        await fsPromises().mkdir(join(repo, ...build.dir.split("/")), { recursive: true });
        await fsPromises().writeFile(
          join(repo, WRAPPER_DIR, "kustomization.yaml"),
          wrapperKustomization(build.dir),
        );
      }
      const outcome = await this.tool.run(
        ["build", target, "--load-restrictor", "LoadRestrictionsRootOnly"],
        repo,
        sandboxEnvironment(home, { KUSTOMIZE_PLUGIN_HOME: join(home, "no-plugins") }),
        (stderr) => cleanError(stderr, repo),
      );
      if (!outcome.ok) return { ...outcome, durationMs: elapsed() };
      const originRoot = target === "." ? "" : WRAPPER_DIR;
      return { ok: true, yaml: outcome.yaml, originRoot, durationMs: elapsed() };
    });
  }
}

/** kustomize's message without the temporary directory, the wrapper, and the usage text. */
function cleanError(stderr: string, repo: string): string {
  const text = withoutTempDir(stderr, repo)
    .replace(/\n(Usage|Flags|Examples):[\s\S]*$/, "")
    .trim();
  // The wrapper's own layer of the message says nothing the repository's author can act on.
  const firstError = text
    .replace(/^Error:\s*/, "")
    .replace(
      /^accumulating resources: accumulation err='accumulating resources from '\.\.\/[^']*': '[^']*' must resolve to a file': recursed accumulation of path '[^']*': /,
      "",
    );
  return (firstError || "kustomize build failed without a message").slice(0, 2_000);
}
