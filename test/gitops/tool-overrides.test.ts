// PORTCULLIS_OPA, PORTCULLIS_KUSTOMIZE, PORTCULLIS_HELM and PORTCULLIS_KYVERNO name the binary to
// run (README, docs/rendering.md, docs/kyverno.md). A variable that is set is the one used: a path
// that does not exist fails at the file that needed the tool, naming the path, instead of another
// kustomize or opa (another version) being picked from .tools/bin or PATH in silence.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import { findOpa } from "../../src/engines/opa/opa-binary.js";
import { findKyverno } from "../../src/engines/kyverno/run.js";
import { findHelm } from "../../src/gitops/adapters/helm.js";
import { findKustomize } from "../../src/gitops/adapters/kustomize.js";
import { bundle } from "../support/engine.js";

const MISSING = "/nonexistent/portcullis-tool";

describe("a tool variable that is set", () => {
  it("is the binary used, even where it does not exist", () => {
    expect(findKustomize({ PORTCULLIS_KUSTOMIZE: MISSING })).toBe(MISSING);
    expect(findHelm({ PORTCULLIS_HELM: MISSING })).toBe(MISSING);
    expect(findKyverno({ PORTCULLIS_KYVERNO: MISSING })).toBe(MISSING);
    expect(findOpa({ PORTCULLIS_OPA: MISSING })).toBe(MISSING);
  });

  it("fails a --render run at the kustomization, naming the missing path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-tool-override-"));
    try {
      mkdirSync(join(dir, "app"));
      writeFileSync(join(dir, "app", "kustomization.yaml"), "resources: [cm.yaml]\n");
      writeFileSync(
        join(dir, "app", "cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n",
      );
      let stdout = "";
      const code = await runCli(["check", "--render", "app"], {
        cwd: dir,
        env: { PORTCULLIS_KUBE_SCHEMA: "", PORTCULLIS_KUSTOMIZE: MISSING },
        stdout: { write: (s: string) => (stdout += s) },
        stderr: { write: () => undefined },
        version: "0.0.0-test",
        bundle: bundle(),
      });
      // PCS004 at the kustomization (through unshare where the system has it, else spawn's ENOENT).
      expect(code).toBe(1);
      expect(stdout).toMatch(/1 {2}error {4}PCS004 {2}kustomization app could not be rendered: /);
      expect(stdout).toContain(MISSING);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
