// The render budget never hides an error: only builds that run count, what a Flux or Argo CD
// object builds comes first, a folder already built inside a tree is not built again, and what
// the budget leaves out fails the check at its line with the exact reason.
import { WasmPolicyEngine } from "../../src/adapters/opa/wasm-policy-engine.js";
import { LocalGitSource } from "../../src/adapters/git/local-git-source.js";
import { defaultConfig } from "../../src/config/config.js";
import type { ManifestRenderer } from "../../src/ports/manifest-renderer.js";
import { renderChanges } from "../../src/review/render-changes.js";
import { bundle } from "../support/engine.js";
import { gitRepo } from "../support/git-repo.js";
import { deployment } from "../support/deployment.js";

const DEPLOY = deployment;

const FLUX = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: prod
  namespace: flux-system
spec:
  interval: 10m
  path: ./clusters/prod
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`;

/** A renderer that records what it builds and returns the build's deploy.yaml as kustomize would. */
function recording(): { renderer: ManifestRenderer; calls: string[] } {
  const calls: string[] = [];
  const renderer: ManifestRenderer = {
    describe: async () => "kustomize (test)",
    renderKustomization: async (build) => {
      calls.push(build.dir);
      const path = [...build.files.keys()].find((p) => p.endsWith("deploy.yaml"))!;
      const text = Buffer.from(build.files.get(path)!).toString("utf8");
      const rel = build.dir === "" ? path : path.slice(build.dir.length + 1);
      const yaml = text.replace(
        "  name: web\n",
        `  name: web\n  annotations:\n    config.kubernetes.io/origin: "path: ${rel}"\n`,
      );
      return { ok: true, yaml, originRoot: build.dir, durationMs: 1 };
    },
  };
  return { renderer, calls };
}

describe("the render budget", () => {
  const r = gitRepo();
  const write = (privileged: boolean) => {
    r.write("flux/prod.yaml", FLUX);
    // Built by the Flux Kustomization (a folder without a kustomization of its own).
    r.write("clusters/prod/apps/kustomization.yaml", "resources: [deploy.yaml]\n");
    r.write("clusters/prod/apps/deploy.yaml", DEPLOY(privileged));
    // Three that can never be built (remote bases): they must not use up the budget.
    for (const n of ["a", "b", "c"])
      r.write(
        `remote-${n}/kustomization.yaml`,
        `resources:\n  - https://github.com/acme/${n}//base?ref=v1\n  - deploy.yaml\n`,
      );
    for (const n of ["a", "b", "c"]) r.write(`remote-${n}/deploy.yaml`, DEPLOY(privileged));
    // Alphabetically last, no controller names it.
    r.write("zz/kustomization.yaml", "resources: [deploy.yaml]\n");
    r.write("zz/deploy.yaml", DEPLOY(privileged));
  };
  write(false);
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  write(true);
  r.commit("privileged everywhere");
  const source = () => new LocalGitSource(r.dir, "main", "feature");
  const changed = () =>
    source()
      .changedFiles()
      .then((c) => c.files);

  async function run(maxTargets: number) {
    const b = bundle();
    const config = defaultConfig({
      settingDefaults: b.settingDefaults,
      ruleIds: new Set(b.rules.keys()),
    });
    const { renderer, calls } = recording();
    const out = await renderChanges(
      source(),
      await changed(),
      config,
      { kustomize: true, helm: false, flux: true, argocd: false, maxTargets },
      {
        renderer,
        evaluation: {
          engine: new WasmPolicyEngine(b.wasm),
          rules: b.rules,
          today: "2026-06-01",
        },
      },
    );
    return { out, calls };
  }

  it("spends it on the Flux tree first; unbuildable targets cost nothing; the one left out fails the check at its line", async () => {
    const { out, calls } = await run(1);
    // The Flux Kustomization's folder, at head and base; its sub-folder is not built again alone.
    expect(calls).toEqual(["clusters/prod", "clusters/prod"]);
    expect(out.head.find((f) => f.rule === "PCK001")).toMatchObject({
      file: "clusters/prod/apps/deploy.yaml",
      lines: { start: 12, end: 12 },
    });
    // The remote bases are listed with their own reason, not the budget's.
    const remote = out.notEvaluated.filter((s) => s.file.startsWith("remote-"));
    expect(remote).toHaveLength(3);
    for (const s of remote) expect(s.reason).not.toMatch(/already rendered/);
    // zz is left out by the budget: an evaluation error (the check fails), with the exact reason.
    expect(out.errors).toEqual([
      {
        file: "zz/kustomization.yaml",
        line: 1,
        message:
          "kustomization zz was left out, not rendered: this review already rendered 1 kustomizations and Helm releases, its limit (those a Flux or Argo CD object builds first)",
      },
    ]);
    expect(out.diffs.find((d) => d.target === "zz")).toMatchObject({ status: "not-evaluated" });
  });

  it("renders everything within the budget, and never the folder already built inside the Flux tree", async () => {
    const { out, calls } = await run(5);
    expect(calls).toEqual(["clusters/prod", "clusters/prod", "zz", "zz"]);
    expect(out.errors).toEqual([]);
    expect(out.head.filter((f) => f.rule === "PCK001").map((f) => f.file)).toEqual([
      "clusters/prod/apps/deploy.yaml",
      "zz/deploy.yaml",
    ]);
  });
});
