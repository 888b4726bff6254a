// Rendering in the review use case, with a renderer that cannot render: never a silent pass.
import { WasmPolicyEngine } from "../../src/engines/opa/wasm-policy-engine.js";
import { LocalGitSource } from "../../src/adapters/git/local-git-source.js";
import type { ManifestRenderer } from "../../src/ports/manifest-renderer.js";
import { reviewChanges } from "../../src/review/review-changes.js";
import { bundle } from "../support/engine.js";
import { gitRepo } from "../support/git-repo.js";

function deps(renderer: ManifestRenderer) {
  const b = bundle();
  return {
    engine: new WasmPolicyEngine(b.wasm),
    rules: b.rules,
    configContext: { settingDefaults: b.settingDefaults, ruleIds: new Set(b.rules.keys()) },
    today: "2026-06-01",
    renderer,
  };
}

const PATCH = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          securityContext:
            privileged: true
`;

describe("reviewChanges with rendering", () => {
  const failing = (message: string, reason: "failed" | "unavailable"): ManifestRenderer => ({
    describe: async () => "kustomize",
    renderKustomization: async () => ({ ok: false, reason, message, durationMs: 0 }),
  });

  const r = gitRepo();
  r.write(
    "base/deployment.yaml",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
  );
  r.write("base/kustomization.yaml", "resources: [deployment.yaml]\n");
  r.write("prod/kustomization.yaml", "resources: [../base]\npatches:\n  - path: patch.yaml\n");
  r.write("prod/patch.yaml", PATCH.replace("true", "false"));
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  r.write("prod/patch.yaml", PATCH);
  r.commit("privileged");
  const source = () => new LocalGitSource(r.dir, "main", "feature");

  it("fails as not evaluated at the kustomization when kustomize is missing, and still checks the patch", async () => {
    const calls: string[] = [];
    const unavailable: ManifestRenderer = {
      describe: async () => "kustomize (not installed)",
      renderKustomization: async (build) => {
        calls.push(build.dir);
        return {
          ok: false,
          reason: "unavailable",
          message: "kustomize is not installed",
          durationMs: 0,
        };
      },
    };
    const review = await reviewChanges(source(), deps(unavailable));
    // Rendered at the head and at the base.
    expect(calls).toEqual(["prod", "prod"]);
    // An evaluation error fails the check whatever the base had: the output was never seen.
    expect(review.report.errors).toEqual([
      { file: "prod/kustomization.yaml", line: 1, message: "kustomize is not installed" },
    ]);
    expect(review.report.findings.filter((f) => f.rule === "PCS004")).toEqual([]);
    // The patch is evaluated as before, as a partial document: the change is not missed.
    expect(review.report.findings.find((f) => f.rule === "PCK001")).toMatchObject({
      file: "prod/patch.yaml",
      lines: { start: 11, end: 11 },
      status: { kind: "open" },
    });
    expect(review.rendered?.diffs).toEqual([
      expect.objectContaining({
        target: "prod",
        status: "failed",
        reason: "kustomize is not installed",
      }),
    ]);
  });

  it("reports a build failure as PCS004 at the kustomization's kind line, pre-existing when the base failed too", async () => {
    const review = await reviewChanges(
      source(),
      deps(failing("accumulating resources: boom", "failed")),
    );
    expect(review.report.findings.filter((f) => f.rule === "PCS004")).toEqual([
      expect.objectContaining({
        file: "prod/kustomization.yaml",
        lines: { start: 1, end: 1 },
        message: "kustomization prod could not be rendered: accumulating resources: boom",
        status: { kind: "existing" },
        affects: ["kustomize prod"],
      }),
    ]);
  });

  it("renders nothing without a renderer (a front door that has none)", async () => {
    const review = await reviewChanges(source(), {
      ...deps({} as ManifestRenderer),
      renderer: undefined,
    });
    expect(review.rendered).toBeUndefined();
  });
});
