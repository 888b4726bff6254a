// Kyverno policies through `portcullis check --admission` (a folder mixing Kyverno and Gatekeeper
// documents), on files and on rendered overlays, and what is never a pass: rules that need the
// cluster, and Kyverno policies without the pinned kyverno.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { packageRoot } from "../../../src/adapters/fs/policy-bundle.js";
import { loadKyverno } from "../../../src/engines/kyverno/index.js";
import { KyvernoCli } from "../../../src/engines/kyverno/run.js";
import { findUnshare } from "../../../src/gitops/adapters/sandbox.js";
import { runCommand } from "../../support/cli.js";
import { gitRepo } from "../../support/git-repo.js";
import { describeWithKyverno } from "../../support/kyverno.js";
import { DISALLOW_PRIVILEGED, PRIVILEGED_DEPLOYMENT } from "./fixtures.js";

const NEEDS_CLUSTER = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: quota-check
spec:
  validationFailureAction: Audit
  rules:
    - name: namespace-quota
      match:
        any:
          - resources:
              kinds: [Deployment]
      context:
        - name: quotas
          apiCall:
            urlPath: "/api/v1/namespaces/{{request.namespace}}/resourcequotas"
            jmesPath: "items | length(@)"
      validate:
        message: "the namespace needs a ResourceQuota"
        deny:
          conditions:
            any:
              - key: "{{ quotas }}"
                operator: Equals
                value: 0
`;

const PROD_ONLY = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: prod-host-network
spec:
  validationFailureAction: Enforce
  rules:
    - name: no-host-network
      match:
        any:
          - resources:
              kinds: [Pod]
              namespaceSelector:
                matchLabels: {env: prod}
      validate:
        message: "no hostNetwork in production"
        pattern:
          spec:
            =(hostNetwork): false
`;

const GATEKEEPER = join(packageRoot(), "test", "fixtures", "gatekeeper", "privileged");

interface Report {
  findings: {
    rule: string;
    severity: string;
    file: string;
    message: string;
    lines: { start: number };
    policy?: { file: string; line: number };
  }[];
  errors: { file: string; line: number; message: string }[];
  skipped: { file: string; line?: number; reason: string }[];
}

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-kyverno-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const kyvernoFindings = (r: Report) =>
  r.findings
    .filter((f) => f.rule.includes("/") && !f.rule.startsWith("K8s"))
    .map((f) => [f.rule, f.severity, f.file, f.lines.start, f.message]);

describeWithKyverno("portcullis check --admission with Kyverno policies", () => {
  it("runs the pinned kyverno v1.19.1 in the renderers' lock, without network where the system allows", () => {
    const cli = new KyvernoCli();
    expect(cli.describe()).toBe(`kyverno v1.19.1${findUnshare() ? ", without network" : ""}`);
  });

  it("fails a privileged Deployment on its privileged: true line, next to Gatekeeper in the same folder", async () => {
    const dir = repo({
      "app.yaml": PRIVILEGED_DEPLOYMENT,
      "admission/kyverno/disallow-privileged.yaml": DISALLOW_PRIVILEGED,
    });
    cpSync(join(GATEKEEPER, "template.yaml"), join(dir, "admission/gatekeeper/template.yaml"));
    cpSync(
      join(GATEKEEPER, "samples/no-privileged/constraint.yaml"),
      join(dir, "admission/gatekeeper/constraint.yaml"),
    );
    const { code, stdout } = await runCommand(
      ["check", "app.yaml", "--admission", "admission", "--format", "json"],
      dir,
    );
    const report = JSON.parse(stdout) as Report;
    expect(report.errors).toEqual([]);
    expect(kyvernoFindings(report)).toEqual([
      [
        "disallow-privileged-containers/privileged-containers",
        "error",
        "app.yaml",
        17,
        "validation error: Privileged mode is not allowed. rule autogen-privileged-containers failed at path /spec/template/spec/containers/0/securityContext/privileged/",
      ],
    ]);
    const kyverno = report.findings.find((f) => f.rule.startsWith("disallow-privileged"))!;
    expect(kyverno.policy).toEqual({ file: "admission/kyverno/disallow-privileged.yaml", line: 9 });
    // Gatekeeper still reads its own documents of the mixed folder.
    expect(report.findings.some((f) => f.rule.startsWith("K8sNoPrivilegedContainers"))).toBe(true);
    // The built-in catalogue's finding on the same line carries the fix (the suggestion in the app).
    expect(report.findings.find((f) => f.rule === "PCK001")?.lines.start).toBe(17);
    expect(code).toBe(1);
    // The text output links the finding to the policy's rule.
    const text = await runCommand(["check", "app.yaml", "--admission", "admission"], dir);
    expect(text.stdout).toContain(
      "disallow-privileged-containers/privileged-containers: admission/kyverno/disallow-privileged.yaml:9",
    );
  });

  it("never passes when Kyverno leaves out a policy file it cannot load (an unknown field)", async () => {
    const typo = DISALLOW_PRIVILEGED.replace(
      "      validate:",
      "      typoField: 1\n      validate:",
    ).replace("disallow-privileged-containers", "with-typo");
    const checkApp = async (admission: Record<string, string>) => {
      const dir = repo({ "app.yaml": PRIVILEGED_DEPLOYMENT, ...admission });
      const args = ["check", "app.yaml", "--admission", "admission", "--format", "json"];
      const { code, stdout } = await runCommand(args, dir);
      return { code, report: JSON.parse(stdout) as Report };
    };
    const good = { "admission/good.yaml": DISALLOW_PRIVILEGED };
    const { code, report } = await checkApp({ ...good, "admission/typo.yaml": typo });
    expect(code).not.toBe(0);
    const said = [...report.errors.map((e) => e.message), ...kyvernoFindings(report).map(String)];
    expect(said.join("\n")).toContain("Kyverno did not load the policies");
    // and a run whose policies load still judges (the canary is never reported)
    const ok = (await checkApp(good)).report;
    expect(ok.errors).toEqual([]);
    expect(kyvernoFindings(ok).map((f) => f[0])).toEqual([
      "disallow-privileged-containers/privileged-containers",
    ]);
  });

  it("reports a resource without a namespace as not evaluated by rules that pick namespaces", async () => {
    const byNamespace = DISALLOW_PRIVILEGED.replace(
      "kinds: [Pod]",
      "kinds: [Pod]\n              namespaces: [prod]",
    );
    const bySelector = PROD_ONLY.replace("prod-host-network", "prod-labels");
    const pod = (name: string, ns: string) =>
      `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n${ns}spec:\n  hostNetwork: true\n  containers: [{name: a, image: registry.example.com/a:1, securityContext: {privileged: true}}]\n`;
    const dir = repo({
      "pods.yaml": pod("anywhere", "") + pod("in-dev", "  namespace: dev\n"),
      "admission/by-namespace.yaml": byNamespace,
      "admission/by-selector.yaml": bySelector,
    });
    const { stdout } = await runCommand(
      ["check", "pods.yaml", "--admission", "admission", "--format", "json"],
      dir,
    );
    const got = kyvernoFindings(JSON.parse(stdout) as Report).map(([rule, , , line, msg]) => [
      rule,
      line,
      String(msg).split(":")[0],
    ]);
    expect(got.sort()).toEqual(
      [
        ["disallow-privileged-containers/privileged-containers", 3, "not evaluated"],
        ["prod-labels/no-host-network", 3, "not evaluated"],
        // dev is not defined: its labels are unknown (the selector); it is not prod (the list)
        ["prod-labels/no-host-network", 11, "not evaluated"],
      ].sort(),
    );
  });

  it("reports each resource a rule needing the cluster matches as not evaluated, never a pass", async () => {
    const dir = repo({ "app.yaml": PRIVILEGED_DEPLOYMENT, "admission/quota.yaml": NEEDS_CLUSTER });
    const { stdout } = await runCommand(
      ["check", "app.yaml", "--admission", "admission", "--format", "json"],
      dir,
    );
    const report = JSON.parse(stdout) as Report;
    expect(kyvernoFindings(report)).toEqual([
      [
        "quota-check/namespace-quota",
        "warning",
        "app.yaml",
        2,
        "not evaluated: needs an API call to the cluster (context apiCall), which a review offline cannot ask",
      ],
    ]);
    // The load step names the rule and why (the summary's "not evaluated" list).
    const load = loadKyverno([{ path: "admission/quota.yaml", text: NEEDS_CLUSTER }], {});
    expect(load.notEvaluated).toEqual([
      expect.objectContaining({
        file: "admission/quota.yaml",
        line: 8,
        reason: expect.stringContaining(
          "Kyverno rule quota-check/namespace-quota needs an API call",
        ) as string,
      }),
    ]);
  });

  it("gives namespaceSelectors the labels of the repository's Namespaces; an unknown namespace is not evaluated", async () => {
    const pod = (name: string, ns: string) =>
      `---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  hostNetwork: true\n  containers: [{name: a, image: registry.example.com/a:1}]\n`;
    const dir = repo({
      "namespaces.yaml":
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {env: prod}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: lab\n  labels: {env: dev}\n",
      "pods.yaml": pod("in-prod", "shop") + pod("in-dev", "lab") + pod("nowhere", "elsewhere"),
      "admission/prod.yaml": PROD_ONLY,
    });
    // The Namespaces checked with the Pods give their labels (in a review: the head's inventory).
    const { stdout } = await runCommand(
      ["check", "pods.yaml", "namespaces.yaml", "--admission", "admission", "--format", "json"],
      dir,
    );
    const report = JSON.parse(stdout) as Report;
    expect(report.errors).toEqual([]);
    expect(kyvernoFindings(report)).toEqual([
      [
        "prod-host-network/no-host-network",
        "error",
        "pods.yaml",
        8,
        "validation error: no hostNetwork in production. rule no-host-network failed at path /spec/hostNetwork/",
      ],
      [
        "prod-host-network/no-host-network",
        "error",
        "pods.yaml",
        21,
        "not evaluated: the rule selects namespaces by label, and the repository does not define Namespace elsewhere (its labels are unknown offline)",
      ],
    ]);
  });

  it("reports a policy Kyverno refuses on every document it would judge, while the others still run", async () => {
    const broken = DISALLOW_PRIVILEGED.replace("disallow-privileged-containers", "broken").replace(
      "        pattern:",
      "        deny: {}\n        pattern:",
    );
    const dir = repo({
      "app.yaml": PRIVILEGED_DEPLOYMENT,
      "admission/good.yaml": DISALLOW_PRIVILEGED,
      "admission/broken.yaml": broken,
    });
    const { code, stdout } = await runCommand(
      ["check", "app.yaml", "--admission", "admission", "--format", "json"],
      dir,
    );
    const report = JSON.parse(stdout) as Report;
    expect(code).toBe(1);
    const rules = report.findings.map((f) => [f.rule, f.lines.start, f.message]);
    expect(rules).toContainEqual([
      "broken",
      2,
      "not evaluated: Kyverno refused the policy broken: path: spec.rules[0].validate..: only one of pattern, anyPattern, deny, foreach, cel can be specified",
    ]);
    expect(rules.map((r) => r[0])).toContain(
      "disallow-privileged-containers/privileged-containers",
    );
  });

  it("evaluates the rendered overlay: the patch that makes the container privileged is blamed", async () => {
    const r = gitRepo();
    r.write("README.md", "fleet\n");
    r.commit("empty");
    r.write("admission/disallow-privileged.yaml", DISALLOW_PRIVILEGED);
    r.write(
      "base/deploy.yaml",
      PRIVILEGED_DEPLOYMENT.replace(
        "          securityContext:\n            privileged: true\n",
        "",
      ),
    );
    r.write("base/kustomization.yaml", "resources: [deploy.yaml]\n");
    r.write(
      "overlay/kustomization.yaml",
      "resources: [../base]\npatches:\n  - path: privileged.yaml\n",
    );
    r.write(
      "overlay/privileged.yaml",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: cart, namespace: shop}\nspec:\n  template:\n    spec:\n      containers:\n        - name: cart\n          securityContext: {privileged: true}\n",
    );
    r.commit("overlay");
    const check = await runCommand(
      ["check", "overlay", "base", "--render", "--admission", "admission", "-f", "json"],
      r.dir,
    );
    const at = (JSON.parse(check.stdout) as Report).findings
      .filter((f) => f.rule.startsWith("disallow-privileged"))
      .map((f) => `${f.file}:${f.lines.start}`);
    expect(at).toEqual(["overlay/privileged.yaml:9"]);
  });
});

describe("Kyverno policies without the pinned kyverno", () => {
  it("are a problem that fails the run, never a pass", () => {
    const absent = { available: false } as unknown as KyvernoCli;
    const load = loadKyverno([{ path: "admission/p.yaml", text: DISALLOW_PRIVILEGED }], {}, absent);
    expect(load.engines).toEqual([]);
    expect(load.problems).toEqual([
      expect.objectContaining({
        file: "admission/p.yaml",
        line: 2,
        message: expect.stringContaining(
          "1 Kyverno policies cannot be evaluated: kyverno is not installed",
        ) as string,
      }),
    ]);
  });

  it("are not looked for in folders without Kyverno documents (Gatekeeper, ValidatingAdmissionPolicy)", () => {
    const load = loadKyverno(
      [
        {
          path: "a/template.yaml",
          text: "apiVersion: templates.gatekeeper.sh/v1\nkind: ConstraintTemplate\nmetadata: {name: x}\n",
        },
        {
          path: "a/vap.yaml",
          text: "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: y}\n",
        },
      ],
      {},
      { available: false } as unknown as KyvernoCli,
    );
    expect(load).toEqual({ engines: [], problems: [], notEvaluated: [], files: [] });
  });
});
