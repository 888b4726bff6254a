// A ValidatingAdmissionPolicyBinding with several validationActions: the apiserver takes each
// (k8s.io/apiserver v0.37.2, policy/validating/dispatcher.go: Deny rejects, Warn sends the client a
// warning, Audit writes an audit annotation), so a finding must carry the strongest and name all.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { celPath } from "../../src/engines/cel/cel-session.js";
import { loadVap } from "../../src/engines/vap/vap-engine.js";
import { runCommand } from "../support/cli.js";

const policy = (actions: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas
spec:
  matchConstraints:
    resourceRules:
      - apiGroups: ["apps"]
        apiVersions: ["v1"]
        operations: ["CREATE"]
        resources: ["deployments"]
  validations:
    - expression: "object.spec.replicas <= 5"
      message: "at most 5 replicas"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replicas-all
spec:
  policyName: replicas
  validationActions: ${actions}
`;

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop" },
  spec: { replicas: 9, template: { spec: { containers: [] } } },
};
const WARNED =
  "Validation failed for ValidatingAdmissionPolicy 'replicas' with binding 'replicas-all': at most 5 replicas";

async function findings(actions: string) {
  const loaded = await loadVap(
    [{ path: "policies/replicas.yaml", text: policy(actions) }],
    [],
    process.env,
  );
  expect(loaded.problems).toEqual([]);
  const [result] = await loaded.engine!.evaluate([
    { document: deployment, file: { path: "apps/web.yaml", partial: false } },
  ]);
  if (!result!.ok) throw new Error(result!.error);
  return result!.findings.map((f) => [f.rule, f.severity, f.msg]);
}

describe("a binding's several validationActions", () => {
  beforeAll(() => {
    if (!celPath()) throw new Error("tools/cel is not built: run `npm run build:cel`");
  });

  it.each(['["Warn", "Audit"]', '["Audit", "Warn"]'])(
    "%s: one finding, a warning, naming both actions",
    async (actions) => {
      expect(await findings(actions)).toEqual([
        ["replicas/replicas-all", "warning", `${WARNED} (validationActions Warn and Audit)`],
      ]);
    },
  );

  it("keeps one action's finding as the apiserver words it", async () => {
    expect(await findings('["Audit"]')).toEqual([["replicas/replicas-all", "notice", WARNED]]);
    expect(await findings('["Warn"]')).toEqual([["replicas/replicas-all", "warning", WARNED]]);
  });

  it("keeps Deny's rejection apart from the warning and the audit of the same binding", async () => {
    const got = await findings('["Deny", "Warn", "Audit"]');
    expect(got).toEqual([
      [
        "replicas/replicas-all",
        "error",
        `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'replicas' with binding 'replicas-all' denied request: at most 5 replicas`,
      ],
      ["replicas/replicas-all", "warning", `${WARNED} (validationActions Warn and Audit)`],
    ]);
  });

  it("reports the warning in check, whatever order the binding lists the actions in", async () => {
    const root = mkdtempSync(join(tmpdir(), "portcullis-vap-actions-"));
    try {
      mkdirSync(join(root, "policies"));
      writeFileSync(join(root, "policies/replicas.yaml"), policy('["Audit", "Warn"]'));
      writeFileSync(join(root, "web.yaml"), JSON.stringify(deployment));
      const { stdout } = await runCommand(
        ["check", "web.yaml", "--admission", "policies", "--format", "json", "--fail-on", "never"],
        root,
      );
      const report = JSON.parse(stdout) as { findings: { rule: string; severity: string }[] };
      expect(
        report.findings.filter((f) => f.rule.startsWith("replicas")).map((f) => f.severity),
      ).toEqual(["warning"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
