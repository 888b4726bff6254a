// Gatekeeper ConstraintTemplates and Constraints run by `portcullis check --gatekeeper`.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { runCommand } from "../support/cli.js";

const FIXTURES = join(packageRoot(), "test", "fixtures", "gatekeeper");

interface Report {
  findings: {
    rule: string;
    severity: string;
    file: string;
    message: string;
    lines: { start: number };
  }[];
  errors: { file: string; line: number; message: string }[];
}

const MANIFESTS = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    environment: production
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  selector:
    matchLabels: { app: cart }
  template:
    metadata:
      labels: { app: cart }
    spec:
      containers:
        - name: cart
          image: registry.acme.example/cart:1.0.0
          securityContext:
            privileged: true
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: search
  namespace: catalog
spec:
  selector:
    matchLabels: { app: search }
  template:
    metadata:
      labels: { app: search }
    spec:
      containers:
        - name: search
          image: registry.acme.example/search:3.2.0
`;

/** A repository with app.yaml and the given fixture files copied under gatekeeper/. */
function repo(fixtures: string[], extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-gatekeeper-"));
  writeFileSync(join(dir, "app.yaml"), MANIFESTS);
  for (const f of fixtures) {
    mkdirSync(dirname(join(dir, "gatekeeper", f)), { recursive: true });
    cpSync(join(FIXTURES, f), join(dir, "gatekeeper", f));
  }
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const OWNERS = [
  "requiredlabels/template.yaml",
  "requiredlabels/samples/must-have-owner/constraint.yaml",
];
const PRIVILEGED = ["privileged/template.yaml", "privileged/samples/no-privileged/constraint.yaml"];

async function check(dir: string, ...args: string[]) {
  const { code, stdout, stderr } = await runCommand(
    ["check", "app.yaml", "--gatekeeper", "gatekeeper", "--format", "json", ...args],
    dir,
  );
  return { code, stderr, report: JSON.parse(stdout) as Report };
}

const gatekeeperFindings = (r: Report) =>
  r.findings
    .filter((f) => f.rule.startsWith("K8s"))
    .map((f) => [f.rule, f.severity, f.file, f.lines.start, f.message]);

describe("portcullis check --admission", () => {
  it("is the flag for admission policies; --gatekeeper is its alias and the same folder is read once", async () => {
    const dir = repo([...PRIVILEGED]);
    const run = async (...flags: string[]) => {
      const { stdout } = await runCommand(["check", "app.yaml", "--format", "json", ...flags], dir);
      return gatekeeperFindings(JSON.parse(stdout) as Report);
    };
    const viaAdmission = await run("--admission", "gatekeeper");
    expect(viaAdmission).toEqual([
      [
        "K8sNoPrivilegedContainers/no-privileged",
        "warning",
        "app.yaml",
        24,
        "container cart of Deployment cart runs privileged",
      ],
    ]);
    expect(await run("--gatekeeper", "gatekeeper")).toEqual(viaAdmission);
    // The finding names the constraint as its rule and links to where it is defined.
    const text = await runCommand(["check", "app.yaml", "--admission", "gatekeeper"], dir);
    expect(text.stdout).toContain(
      "K8sNoPrivilegedContainers/no-privileged: gatekeeper/privileged/samples/no-privileged/constraint.yaml:2",
    );
    const json = await runCommand(
      ["check", "app.yaml", "--admission", "gatekeeper", "--format", "json"],
      dir,
    );
    expect(
      (JSON.parse(json.stdout) as { findings: { rule: string; policy?: unknown }[] }).findings
        .filter((f) => f.rule.startsWith("K8s"))
        .map((f) => f.policy),
    ).toEqual([{ file: "gatekeeper/privileged/samples/no-privileged/constraint.yaml", line: 2 }]);
    expect(await run("--admission", "gatekeeper", "--gatekeeper", "gatekeeper")).toEqual(
      viaAdmission,
    );
  });
});

describe("portcullis check --gatekeeper", () => {
  it("reports each constraint's violations at the object's line with the enforcementAction's severity", async () => {
    const dir = repo([...OWNERS, ...PRIVILEGED]);
    const { code, report, stderr } = await check(dir);
    expect(report.errors).toEqual([]);
    expect(gatekeeperFindings(report)).toEqual([
      // deny: an error on the kind line (the template gives no path)
      [
        "K8sRequiredOwnerLabels/must-have-owner",
        "error",
        "app.yaml",
        9,
        "Deployment cart must have the label(s) owner",
      ],
      // warn: a warning on the field the template's details.path names
      [
        "K8sNoPrivilegedContainers/no-privileged",
        "warning",
        "app.yaml",
        24,
        "container cart of Deployment cart runs privileged",
      ],
      // the namespaceSelector needs Namespace catalog, which the repository does not hold: a deny
      // constraint that cannot be decided fails (error), never passes
      [
        "K8sRequiredOwnerLabels/must-have-owner",
        "error",
        "app.yaml",
        27,
        expect.stringMatching(/^not evaluated: namespace catalog not in repository/),
      ],
    ]);
    expect(code).toBe(1);
    expect(stderr).toBe("");
  });

  it("never fails the run on warn and dryrun constraints at the default fail level", async () => {
    const dir = repo([
      ...PRIVILEGED,
      "requiredlabels/template.yaml",
      "requiredlabels/samples/namespace-cost-center/constraint.yaml",
    ]);
    const run = await check(dir);
    expect(run.report.errors).toEqual([]);
    const mine = gatekeeperFindings(run.report).map(
      ([rule, severity]) => `${rule as string} ${severity as string}`,
    );
    expect(mine).toEqual([
      "K8sRequiredOwnerLabels/namespaces-should-name-cost-center notice",
      "K8sNoPrivilegedContainers/no-privileged warning",
    ]);
    // The catalogue's own findings decide the exit status: none of the Gatekeeper ones fails it.
    const failing = run.report.findings.filter((f) => f.severity === "error");
    expect(run.code).toBe(failing.length > 0 ? 1 : 0);
    expect(failing.every((f) => !f.rule.startsWith("K8s"))).toBe(true);
  });

  it("reports a template that does not compile at its file and line, and still runs the catalogue", async () => {
    const broken = readFileSync(join(FIXTURES, "privileged/template.yaml"), "utf8").replace(
      "not exempt(entry.container.image",
      "not exempt(entry.container.image,,",
    );
    const line = broken.split("\n").findIndex((l) => l.includes("image,,")) + 1;
    const dir = repo(OWNERS, {
      "gatekeeper/privileged/template.yaml": broken,
      "gatekeeper/privileged/constraint.yaml": readFileSync(join(FIXTURES, PRIVILEGED[1]!), "utf8"),
    });
    const { code, report } = await check(dir);
    expect(code).toBe(2);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ file: "gatekeeper/privileged/template.yaml", line });
    expect(report.errors[0]!.message).toMatch(
      /^ConstraintTemplate K8sNoPrivilegedContainers could not be compiled: .*gatekeeper\/privileged\/template\.yaml:\d+: rego_parse_error/s,
    );
    // The other constraint and the built-in catalogue still report.
    expect(report.findings.some((f) => f.rule === "K8sRequiredOwnerLabels/must-have-owner")).toBe(
      true,
    );
    expect(report.findings.some((f) => /^PC[KS]\d+$/.test(f.rule))).toBe(true);
  });

  it("reports a constraint whose kind no template defines", async () => {
    const dir = repo(OWNERS, {
      "gatekeeper/typo.yaml": `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredOwnerLabel
metadata:
  name: typo
spec:
  parameters:
    labels: [{ key: owner }]
`,
    });
    const { code, report } = await check(dir);
    expect(code).toBe(2);
    expect(report.errors).toEqual([
      {
        file: "gatekeeper/typo.yaml",
        line: 2,
        message:
          "Constraint K8sRequiredOwnerLabel/typo: no ConstraintTemplate defines kind K8sRequiredOwnerLabel (known: K8sRequiredOwnerLabels)",
      },
    ]);
  });

  it("says on stderr which templates it does not evaluate, and fails on a directory without constraints", async () => {
    const wasm = readFileSync(join(FIXTURES, "celonly/template.yaml"), "utf8")
      .replace("engine: K8sNativeValidation", "engine: Wasm")
      .replace(/name: k8scelonly/, "name: k8swasmonly")
      .replace(/kind: K8sCelOnly/, "kind: K8sWasmOnly");
    const dir = repo(["hostnetwork/template.yaml"], { "gatekeeper/wasm/template.yaml": wasm });
    const { stderr, report } = await check(dir);
    expect(stderr).toMatch(
      /^portcullis: gatekeeper\/wasm\/template\.yaml:3: not evaluated: ConstraintTemplate k8swasmonly has no Rego or K8sNativeValidation code \(engines: Wasm\)/m,
    );
    expect(report.errors).toEqual([]);
    const empty = repo(["hostnetwork/template.yaml"]);
    const none = await check(empty);
    expect(none.code).toBe(2);
    expect(none.report.errors[0]!.message).toMatch(/holds no ConstraintTemplate with a Constraint/);
    const missing = await check(empty, "--gatekeeper", "nowhere");
    expect(missing.report.errors.map((e) => e.message)).toContain(
      "Gatekeeper directory nowhere does not exist",
    );
  });
});
