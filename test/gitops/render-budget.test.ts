// The render budget never hides an error: only builds that run count, what a Flux or Argo CD
// object builds comes first, a folder already built inside a tree is not built again, and what
// the budget leaves out fails the check at its line with the exact reason.
import { WasmPolicyEngine } from "../../src/engines/opa/wasm-policy-engine.js";
import { engineOf } from "../../src/engines/engine.js";
import { LocalGitSource } from "../../src/adapters/git/local-git-source.js";
import { defaultConfig } from "../../src/config/config.js";
import type { ManifestRenderer } from "../../src/ports/manifest-renderer.js";
import { renderChanges } from "../../src/gitops/render-changes.js";
import { findHelm } from "../../src/gitops/adapters/helm.js";
import { findKustomize } from "../../src/gitops/adapters/kustomize.js";
import { localRenderer } from "../../src/cli/check-render.js";
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
          engines: [engineOf("catalogue", new WasmPolicyEngine(b.wasm))],
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

describe("the render budget with Helm releases (issue 23's false green)", () => {
  const release = (name: string, chart: string, source: string, privileged: boolean) =>
    `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
  namespace: apps
spec:
  chart:
    spec:
      chart: ${chart}
      sourceRef:
        kind: ${source}
        name: ${source === "GitRepository" ? "flux-system" : "remote"}
  values:
    securityContext:
      privileged: ${privileged}
`;
  const r = gitRepo();
  const write = (privileged: boolean) => {
    // Alphabetically first: releases of remote charts, which are never rendered here.
    for (const n of ["a", "b", "c"])
      r.write(`apps/${n}.yaml`, release(`${n}-remote`, "podinfo", "HelmRepository", privileged));
    r.write("apps/z.yaml", release("z-local", "./charts/web", "GitRepository", privileged));
    r.write("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
    r.write("charts/web/templates/deploy.yaml", "kind: Deployment\n");
  };
  write(false);
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  write(true);
  r.commit("privileged");

  it("renders the in-repository release whatever the unrenderable ones before it, and finds privileged: true", async () => {
    const b = bundle();
    const rendered: string[] = [];
    const renderer: ManifestRenderer = {
      describe: async () => "helm (test)",
      renderKustomization: async () => ({
        ok: false,
        reason: "failed",
        message: "no",
        durationMs: 0,
      }),
      renderHelmChart: async (build) => {
        rendered.push(build.release);
        const values = Buffer.from(build.files.get(build.valuesFiles.at(-1)!)!).toString("utf8");
        const privileged = /"privileged":true/.test(values);
        return {
          ok: true,
          yaml: `---\n# Source: web/templates/deploy.yaml\n${deployment(privileged).replace("name: web\nspec", `name: ${build.release}\nspec`)}`,
          originRoot: "",
          durationMs: 1,
        };
      },
    };
    const out = await renderChanges(
      new LocalGitSource(r.dir, "main", "feature"),
      (await new LocalGitSource(r.dir, "main", "feature").changedFiles()).files,
      defaultConfig({ settingDefaults: b.settingDefaults, ruleIds: new Set(b.rules.keys()) }),
      { kustomize: false, helm: true, flux: true, argocd: false, maxTargets: 1 },
      {
        renderer,
        evaluation: {
          engines: [engineOf("catalogue", new WasmPolicyEngine(b.wasm))],
          rules: b.rules,
          today: "2026-06-01",
        },
      },
    );
    expect(rendered).toEqual(["z-local", "z-local"]);
    expect(out.head.filter((f) => f.rule === "PCK001")).toEqual([
      expect.objectContaining({ file: "apps/z.yaml", lines: { start: 15, end: 15 } }),
    ]);
    expect(out.errors).toEqual([]);
    expect(out.notEvaluated.filter((s) => s.file !== "apps/z.yaml")).toHaveLength(3);
  });
});

const withTools =
  findHelm() !== undefined && findKustomize() !== undefined ? describe : describe.skip;

withTools("the render budget and an app of apps' Helm children", () => {
  const r = gitRepo();
  r.git("remote", "add", "origin", "https://github.com/acme/fleet");
  const app = (name: string, path: string, values = "") => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/fleet
    path: ${path}
${values}  destination:
    server: https://kubernetes.default.svc
    namespace: ${name}
`;
  r.write("root.yaml", app("root", "apps"));
  r.write("apps/Chart.yaml", "apiVersion: v2\nname: apps\nversion: 0.1.0\n");
  // A template (not a manifest of the repository until rendered): its values file from the root's values.
  r.write("apps/values.yaml", "valuesFile: values-prod.yaml\n");
  r.write(
    "apps/templates/web.yaml",
    app("web", "charts/web", "    helm:\n      valueFiles: [{{ .Values.valuesFile }}]\n"),
  );
  r.write("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
  r.write("charts/web/values-prod.yaml", "privileged: false\n");
  r.write(
    "charts/web/templates/deploy.yaml",
    deployment(false).replace("privileged: false", "privileged: {{ .Values.privileged }}"),
  );
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  r.write("charts/web/values-prod.yaml", "privileged: true\n");
  r.commit("privileged web");

  const run = async (maxTargets: number) => {
    const b = bundle();
    const source = new LocalGitSource(r.dir, "main", "feature");
    return renderChanges(
      source,
      (await source.changedFiles()).files,
      defaultConfig({ settingDefaults: b.settingDefaults, ruleIds: new Set(b.rules.keys()) }),
      { kustomize: true, helm: true, flux: false, argocd: true, maxTargets },
      {
        renderer: localRenderer(process.env),
        evaluation: {
          engines: [engineOf("catalogue", new WasmPolicyEngine(b.wasm))],
          rules: b.rules,
          today: "2026-06-01",
        },
      },
    );
  };

  it("counts a child chart's render like any release, and what it leaves out fails the check at the root's line", async () => {
    const out = await run(1);
    expect(out.head.filter((f) => f.rule === "PCK001")).toEqual([]);
    expect(out.errors).toEqual([
      {
        file: "root.yaml",
        line: 10,
        message:
          "Argo CD Application argocd/web (charts/web (Helm release web/web)) was left out, not rendered: this review already rendered 1 kustomizations and Helm releases, its limit (those a Flux or Argo CD object builds first)",
      },
    ]);
  });

  it("renders the child chart within the budget, the finding at its values line", async () => {
    const out = await run(2);
    expect(out.errors).toEqual([]);
    expect(out.head.filter((f) => f.rule === "PCK001")).toEqual([
      expect.objectContaining({ file: "charts/web/values-prod.yaml", lines: { start: 1, end: 1 } }),
    ]);
  });
});
