// Fail-open paths of `check` closed (issue 15, requirement 4) and a patch passed alone read as a
// patch: what is not evaluated is said, never silently dropped.
import { renderPolicyCheck } from "../../src/render/check-run.js";
import { runCommand } from "../support/cli.js";
import { removeWorkspaces, workspace } from "../support/workspace.js";
import { bundle } from "../support/engine.js";

const PRIVILEGED = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: registry.example.com/web:1.0
      securityContext:
        privileged: true # {{ not a chart }}
`;

const PATCH =
  "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/web:1.1\n";

interface Report {
  findings: { rule: string; file: string }[];
  skipped: { file: string; reason: string; line?: number }[];
  summary: { documentsEvaluated: number };
}
const json = (stdout: string) => JSON.parse(stdout) as Report;

afterAll(removeWorkspaces);

describe("nothing hidden", () => {
  it("a file under templates/ with no Chart.yaml above it is evaluated, even with {{ in it", async () => {
    const dir = workspace({ "deploy/templates/pod.yaml": PRIVILEGED });
    const r = await runCommand(["check", ".", "-f", "json"], dir);
    expect(json(r.stdout).findings).toContainEqual(
      expect.objectContaining({ rule: "PCK001", file: "deploy/templates/pod.yaml" }),
    );
  });

  it("a template of a chart is skipped, also when given alone (the Chart.yaml found above it)", async () => {
    const dir = workspace({
      "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
      "chart/templates/pod.yaml": PRIVILEGED,
    });
    const r = await runCommand(["check", "chart/templates/pod.yaml", "-f", "json"], dir);
    const report = json(r.stdout);
    expect(report.findings).toEqual([]);
    expect(r.stderr).toMatch(
      /not evaluated: 1 Helm chart template\(s\) \(check reads files as they are; --render builds them as review does/,
    );
    expect(report.skipped).toContainEqual(
      expect.objectContaining({
        file: "chart/templates/pod.yaml",
        reason: expect.stringMatching(/Helm chart template/),
      }),
    );
  });

  it("switching PCS001 off keeps an unreadable file listed as not evaluated", async () => {
    const dir = workspace({
      ".github/portcullis.yml": "rules:\n  PCS001: off\n",
      "broken.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n",
    });
    const r = await runCommand(["check", ".", "-f", "json"], dir);
    const report = json(r.stdout);
    expect(report.findings.filter((f) => f.rule === "PCS001")).toEqual([]);
    expect(report.skipped).toContainEqual(
      expect.objectContaining({
        file: "broken.yaml",
        reason: expect.stringMatching(/^not evaluated \(PCS001 is switched off/),
      }),
    );
    const text = await runCommand(["check", ".", "--verbose", "--no-color"], dir);
    expect(text.stdout).toMatch(/skipped broken\.yaml: not evaluated \(PCS001 is switched off/);
  });

  it("a run that evaluated no document says so, and --fail-if-empty exits 1", async () => {
    const dir = workspace({ "values.yaml": "replicas: 3\n" });
    const r = await runCommand(["check", ".", "--no-color"], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^! nothing evaluated: no Kubernetes document was found · 0 files, 0 documents evaluated/m,
    );
    expect((await runCommand(["check", ".", "--fail-if-empty"], dir)).code).toBe(1);
    const withPod = workspace({
      "pod.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    });
    expect((await runCommand(["check", ".", "--fail-if-empty"], withPod)).code).toBe(0);
  });

  it("the check run's title says when no document was evaluated", () => {
    const input = {
      findings: [],
      skipped: [],
      errors: [],
      failOn: "error" as const,
      failOnExisting: false,
      rules: bundle().rules,
      configErrors: [],
      headSha: "abc",
    };
    expect(renderPolicyCheck({ ...input, documentsEvaluated: 0 }).title).toBe(
      "No findings: no Kubernetes document was evaluated",
    );
    expect(renderPolicyCheck({ ...input, documentsEvaluated: 2 }).title).toBe("No findings");
  });

  it("a patch passed alone is read as a patch through the kustomization above it", async () => {
    const dir = workspace({
      "base/deploy.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: registry.example.com/web:1.0\n",
      "base/kustomization.yaml": "resources: [deploy.yaml]\n",
      "overlay/kustomization.yaml":
        "resources: [../base]\npatches:\n  - path: patches/replicas.yaml\n",
      "overlay/patches/replicas.yaml": PATCH,
    });
    const alone = await runCommand(["check", "overlay/patches/replicas.yaml", "-f", "json"], dir);
    const patchRules = json(alone.stdout).findings.map((f) => f.rule);
    // What the patch says is checked (its image); what it leaves to the base is not "missing".
    expect(patchRules).toContain("PCK012");
    expect(patchRules).not.toContain("PCK002");
    expect(patchRules).not.toContain("PCK008");
    // The same file not named by any kustomization is a whole resource with missing fields.
    const loose = workspace({
      "replicas.yaml": PATCH,
    });
    const rules = json(
      (await runCommand(["check", "replicas.yaml", "-f", "json"], loose)).stdout,
    ).findings.map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(["PCK002", "PCK008"]));
  });
});
