// The CLI end to end on the bundled example fleet: formats, exit codes, lines, waivers, patches.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { runCommand } from "../support/cli.js";

const ROOT = packageRoot();
const FLEET = "examples/fleet";
const CONFIG = ["--config", `${FLEET}/.github/portcullis.yml`];

const run = (args: string[], cwd = ROOT, env: Record<string, string> = {}) =>
  runCommand(args, cwd, env);

interface JsonFinding {
  rule: string;
  file: string;
  lines: { start: number };
  status: string;
  waiver?: { reason: string };
  failing: boolean;
}

describe("portcullis check", () => {
  it("reports the legacy workload's problems on their exact lines and exits 1", async () => {
    const { code, stdout } = await run(["check", FLEET, ...CONFIG, "--format", "json"]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { findings: JsonFinding[] };
    const at = report.findings
      .filter((f) => f.file === `${FLEET}/apps/legacy/payments.yaml` && f.status === "open")
      .map((f) => `${f.rule}@${f.lines.start}`);
    expect(at).toEqual(
      expect.arrayContaining([
        "PCK018@6",
        "PCK004@19",
        "PCK011@22",
        "PCK013@22",
        "PCK001@24",
        "PCK023@27",
        "PCK019@40",
        "PCK018@42",
      ]),
    );
  });

  it("reports each GitOps rule at the catalogue's line and nothing on the hardened Flux sync", async () => {
    const dirs = ["clusters", "argocd", "infrastructure"].map((d) => `${FLEET}/${d}`);
    const { stdout } = await run(["check", ...dirs, ...CONFIG, "--format", "json"]);
    const at = (JSON.parse(stdout) as { findings: JsonFinding[] }).findings.map(
      (f) => `${f.file.replace(`${FLEET}/`, "")}:${f.lines.start}:${f.rule}`,
    );
    expect(at.sort()).toEqual(
      [
        "argocd/platform.yaml:9:PCA001",
        "argocd/platform.yaml:12:PCA004",
        "argocd/platform.yaml:16:PCA002",
        "argocd/platform.yaml:20:PCA008",
        "argocd/platform.yaml:29:PCA005",
        "argocd/platform.yaml:31:PCA005",
        "argocd/platform.yaml:34:PCA005",
        "argocd/platform.yaml:43:PCA007",
        "argocd/platform.yaml:55:PCA006",
        "clusters/production/monitoring.yaml:9:PCF002",
        "clusters/production/monitoring.yaml:16:PCF001",
        "clusters/production/monitoring.yaml:21:PCF004",
        "clusters/production/monitoring.yaml:25:PCF009",
        "clusters/production/monitoring.yaml:27:PCF008",
        "infrastructure/policies/admission.yaml:8:PCP002",
        // A Kyverno policy and a Gatekeeper constraint: no CRD in the fleet, so listed as not validated.
        "infrastructure/policies/admission.yaml:4:PCV007",
        "infrastructure/policies/admission.yaml:24:PCV007",
        "infrastructure/policies/admission.yaml:28:PCP001",
        "infrastructure/policies/admission.yaml:42:PCP003",
        "infrastructure/policies/admission.yaml:62:PCR001",
      ].sort(),
    );
  });

  it("stays quiet on the hardened app and on the overlay patch", async () => {
    const { stdout } = await run(["check", FLEET, ...CONFIG, "--format", "json"]);
    const files = new Set(
      (JSON.parse(stdout) as { findings: JsonFinding[] }).findings.map((f) => f.file),
    );
    expect(files.has(`${FLEET}/apps/base/shop/deployment.yaml`)).toBe(false);
    expect(files.has(`${FLEET}/apps/base/shop/service.yaml`)).toBe(false);
    expect(files.has(`${FLEET}/apps/production/shop-replicas.yaml`)).toBe(false);
    expect(
      (await run(["check", `${FLEET}/apps/base`, `${FLEET}/apps/production`, ...CONFIG])).code,
    ).toBe(0);
  });

  it("skips Helm templates and kustomizations, and says so", async () => {
    const { stdout } = await run(["check", FLEET, ...CONFIG, "--format", "json"]);
    const skipped = (JSON.parse(stdout) as { skipped: { file: string; reason: string }[] }).skipped;
    expect(skipped).toEqual(
      expect.arrayContaining([
        {
          file: `${FLEET}/charts/web/templates/deployment.yaml`,
          reason: expect.stringContaining("Helm chart template"),
        },
        {
          file: `${FLEET}/apps/production/kustomization.yaml`,
          reason: expect.stringContaining("kustomization"),
        },
        { file: `${FLEET}/charts/web/values.yaml`, reason: "holds no Kubernetes object" },
      ]),
    );
  });

  it("shows waived findings as waived, with their reason, and does not fail on them", async () => {
    const { stdout } = await run(["check", FLEET, ...CONFIG, "--format", "json"]);
    const waived = (JSON.parse(stdout) as { findings: JsonFinding[] }).findings.filter(
      (f) => f.status === "waived",
    );
    expect(waived.map((f) => `${f.rule}@${f.lines.start}`).sort()).toEqual([
      "PCK007@23",
      "PCK007@31",
      "PCK013@32",
    ]);
    expect(waived.every((f) => !f.failing && f.waiver!.reason.length > 0)).toBe(true);
  });

  it("stops honouring a waiver after its last day and says why", async () => {
    const { stdout } = await run(
      ["check", `${FLEET}/apps/legacy`, ...CONFIG, "--format", "json"],
      ROOT,
      {
        PORTCULLIS_TODAY: "2031-01-01",
      },
    );
    const pck007 = (
      JSON.parse(stdout) as { findings: (JsonFinding & { note?: string })[] }
    ).findings.filter((f) => f.rule === "PCK007");
    expect(pck007.map((f) => f.status)).toEqual(["open", "open"]);
    expect(pck007[0]!.note).toMatch(/^waiver expired on 2030-12-31/);
  });

  it("writes SARIF 2.1.0 with a region on every result and a help link on every rule", async () => {
    const { code, stdout } = await run(["check", FLEET, ...CONFIG, "--format", "sarif"]);
    expect(code).toBe(1);
    const sarif = JSON.parse(stdout);
    expect(sarif.version).toBe("2.1.0");
    const run0 = sarif.runs[0];
    expect(run0.results.length).toBeGreaterThan(5);
    for (const r of run0.results) {
      expect(r.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
      expect(run0.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
    }
    for (const rule of run0.tool.driver.rules)
      expect(rule.helpUri).toMatch(/\/docs\/rules\/[A-Z]{3}\d{3}\.md$/);
    const suppressed = run0.results.filter((r: { suppressions?: unknown[] }) => r.suppressions);
    expect(suppressed).toHaveLength(3);
  });

  it("writes GitHub workflow annotations with escaped properties", async () => {
    const { stdout } = await run([
      "check",
      `${FLEET}/apps/legacy`,
      ...CONFIG,
      "--format",
      "github",
    ]);
    expect(stdout).toMatch(
      /^::error file=examples\/fleet\/apps\/legacy\/payments.yaml,line=24,endLine=24,title=PCK001 Privileged container::container "payments" is privileged%0Ahttps:/m,
    );
    expect(stdout).toMatch(/^::notice file=.*title=PCK007.*::\[waived: /m);
  });

  it("prints text grouped by file with the source line", async () => {
    const { stdout } = await run(["check", `${FLEET}/apps/legacy`, ...CONFIG, "--no-color"]);
    expect(stdout).toContain("examples/fleet/apps/legacy/payments.yaml\n");
    expect(stdout).toMatch(
      / {3}24 {2}error {4}PCK001 {2}container "payments" is privileged \[Deployment\/payments\]\n {10}24 \| {13}privileged: true/,
    );
    expect(stdout).not.toContain("\u001b[");
  });

  it("writes the report to --output", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-cli-"));
    const out = join(dir, "report.sarif");
    expect(
      (await run(["check", `${FLEET}/apps/legacy`, ...CONFIG, "-f", "sarif", "-o", out])).stdout,
    ).toBe("");
    expect(JSON.parse(readFileSync(out, "utf8")).version).toBe("2.1.0");
  });

  it("refuses an --output that is a file given to check (the report would replace it)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-cli-"));
    const manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
    writeFileSync(join(dir, "cm.yaml"), manifest);
    for (const output of ["cm.yaml", "./cm.yaml", join(dir, "cm.yaml")]) {
      const r = await run(["check", "cm.yaml", "-f", "json", "-o", output], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--output ${output} is cm.yaml, a file given to check`);
      expect(readFileSync(join(dir, "cm.yaml"), "utf8")).toBe(manifest);
    }
  });

  it("lets --fail-on decide the exit code", async () => {
    expect(
      (await run(["check", `${FLEET}/apps/legacy`, ...CONFIG, "--fail-on", "never"])).code,
    ).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), "portcullis-cli-"));
    writeFileSync(
      join(dir, "svc.yaml"),
      "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: shop}\nspec:\n  type: NodePort\n  ports: [{port: 80}]\n",
    );
    expect((await run(["check", "."], dir)).code).toBe(0); // PCK020 is a warning
    expect((await run(["check", ".", "--fail-on", "warning"], dir)).code).toBe(1);
  });

  it.each([
    [["check", "--format", "xml"], /unknown format "xml"/],
    [["check", "--fail-on", "fatal"], /unknown --fail-on "fatal"/],
    [["check", "no/such/dir"], /no such file or directory: no\/such\/dir/],
    [["check", "--bogus"], /unknown option --bogus/],
    [["frobnicate"], /unknown command "frobnicate"/],
  ])("exits 2 on a usage error: %j", async (args, message) => {
    const { code, stderr } = await run(args as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it("exits 2 and checks nothing when the config is invalid, naming the path and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-cli-"));
    mkdirSync(join(dir, ".github"));
    writeFileSync(
      join(dir, ".github", "portcullis.yml"),
      "failOn: sometimes\nrules:\n  PCK999: off\n",
    );
    writeFileSync(join(dir, "pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
    const { code, stdout, stderr } = await run(["check", "."], dir);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      "portcullis.yml:1: failOn: must be one of error, warning, notice, never",
    );
    expect(stderr).toContain("portcullis.yml:3: rules.PCK999: unknown rule");
  });

  it("keeps reviewing the other files when one is broken", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-cli-"));
    writeFileSync(join(dir, "broken.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n");
    writeFileSync(
      join(dir, "priv.yaml"),
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: x:1\n      securityContext: {privileged: true}\n",
    );
    const { code, stdout } = await run(["check", ".", "--format", "json"], dir);
    expect(code).toBe(1);
    const rules = (JSON.parse(stdout) as { findings: JsonFinding[] }).findings.map(
      (f) => `${f.file}:${f.rule}`,
    );
    expect(rules).toContain("broken.yaml:PCS001");
    expect(rules).toContain("priv.yaml:PCK001");
  });

  it("--fix-dry-run=all prints a diff git can apply, and leaves the file alone", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-fix-"));
    const original = readFileSync(join(ROOT, FLEET, "apps/legacy/payments.yaml"), "utf8");
    writeFileSync(join(dir, "payments.yaml"), original);
    const { stdout, stderr } = await run(
      ["check", ".", "--fix-dry-run=all", "--format", "json", "-o", join(dir, "report.json")],
      dir,
    );
    expect(stdout).toMatch(/^--- a\/payments.yaml\n\+\+\+ b\/payments.yaml\n@@ -16,12 \+16,16 @@/);
    expect(stdout).toContain("-            privileged: true\n+            privileged: false\n");
    expect(stderr).toContain("portcullis: would change 1 file(s)");
    expect(readFileSync(join(dir, "payments.yaml"), "utf8")).toBe(original);
    writeFileSync(join(dir, "fix.diff"), stdout);
    execFileSync("git", ["apply", "--check", "fix.diff"], { cwd: dir });
  });

  it("--fix=all rewrites the file, keeps its comments, and reports only what remains", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-fix-"));
    const original = readFileSync(join(ROOT, FLEET, "apps/legacy/payments.yaml"), "utf8");
    writeFileSync(join(dir, "payments.yaml"), original);
    const before = JSON.parse((await run(["check", ".", "--format", "json"], dir)).stdout) as {
      findings: JsonFinding[];
    };
    const { code, stdout } = await run(["check", ".", "--fix=all", "--format", "json"], dir);
    const after = JSON.parse(stdout) as { findings: JsonFinding[] };
    const fixed = readFileSync(join(dir, "payments.yaml"), "utf8");
    expect(fixed).not.toBe(original);
    for (const comment of original.split("\n").filter((l) => l.trim().startsWith("#")))
      expect(fixed).toContain(comment);
    expect(fixed).toContain("# portcullis:ignore PCK013 -- reviewed by security, see SEC-142");
    const open = (r: { findings: JsonFinding[] }) =>
      r.findings.filter((f) => f.status === "open").map((f) => f.rule);
    for (const rule of ["PCK001", "PCK004", "PCK016"]) {
      expect(open(before)).toContain(rule);
      expect(open(after)).not.toContain(rule);
    }
    expect(code).toBe(1); // what no fix can settle (a latest tag, a literal password) still fails
    expect(open(after)).toEqual(expect.arrayContaining(["PCK011", "PCK023"]));
  });

  it("lists the catalogue", async () => {
    const { code, stdout } = await run(["rules"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^PCK001 {2}error {4}Privileged container$/m);
  });

  it("never passes a manifest's control characters to the terminal (escape sequences shown as \\xNN)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-tty-"));
    // A double-quoted YAML string may hold ESC: clear screen, move the cursor, recolour.
    writeFileSync(
      join(dir, "evil.yaml"),
      'apiVersion: v1\nkind: Pod\nmetadata: {name: "x\\e[2J\\e[H", annotations: {a: "\\e]0;pwned\\a"}}\nspec:\n  containers:\n    - {name: "c\\e[31m", image: "nginx\\e[0m", securityContext: {privileged: true}}\n',
    );
    const { stdout } = await run(["check", "evil.yaml", "--no-color", "--fail-on", "never"], dir);
    expect(stdout).toContain("PCK001");
    expect(stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(stdout).toContain("\\x1b");
  });
});
