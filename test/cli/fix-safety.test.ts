// Plain --fix applies only the fixes that cannot change whether a workload starts; the others are
// listed as needing a look, applied by --fix=all, and labelled in every output that offers them.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { fixSafety, safeFixRules } from "../../src/fixes/fix-safety.js";
import { parsePatch } from "../../src/core/diff.js";
import { renderReviewComments } from "../../src/render/review-comments.js";
import { runCommand } from "../support/cli.js";
import { finding } from "../support/findings.js";
import { bundle } from "../support/engine.js";

const LEGACY = join(packageRoot(), "examples/fleet/apps/legacy/payments.yaml");

interface JsonFinding {
  rule: string;
  status: string;
  fix?: unknown;
  fixSafety?: { safe: boolean; reason: string };
}

function copyOfLegacy(): string {
  const dir = mkdtempSync(join(tmpdir(), "pcs-fix-safety-"));
  writeFileSync(join(dir, "payments.yaml"), readFileSync(LEGACY, "utf8"));
  return dir;
}

const open = (stdout: string) =>
  (JSON.parse(stdout) as { findings: JsonFinding[] }).findings.filter((f) => f.status === "open");

describe("fix safety", () => {
  it("plain --fix leaves runAsNonRoot, hostNetwork and privileged alone and says why", async () => {
    const dir = copyOfLegacy();
    const original = readFileSync(join(dir, "payments.yaml"), "utf8");
    const { stdout, stderr } = await runCommand(["check", ".", "--fix", "--format", "json"], dir);
    const fixed = readFileSync(join(dir, "payments.yaml"), "utf8");
    expect(fixed).not.toBe(original);
    expect(fixed).toContain("type: RuntimeDefault"); // PCK008: safe
    expect(fixed).toContain("privileged: true");
    expect(fixed).toContain("hostNetwork: true");
    expect(fixed).not.toMatch(/runAsNonRoot: true/);
    const left = open(stdout).map((f) => f.rule);
    expect(left).toEqual(expect.arrayContaining(["PCK001", "PCK002", "PCK004"]));
    expect(left).not.toContain("PCK008");
    expect(stderr).toMatch(
      /fix needs a look, not applied: payments\.yaml:\d+ PCK002 .*kubelet refuses to start a container whose image runs as root.*\(--fix=all applies it\)/,
    );
  });

  it("the rounds of --fix evaluate the files again without taking each object for a second definition (PCV005)", async () => {
    const dir = copyOfLegacy();
    const before = (await runCommand(["check", ".", "--format", "json"], dir)).stdout;
    expect(open(before).map((f) => f.rule)).not.toContain("PCV005");
    const { stdout } = await runCommand(["check", ".", "--fix", "--format", "json"], dir);
    expect(readFileSync(join(dir, "payments.yaml"), "utf8")).toContain("type: RuntimeDefault");
    expect(open(stdout).map((f) => f.rule)).not.toContain("PCV005");
  });

  it("--fix=all applies the fixes that need a look too", async () => {
    const dir = copyOfLegacy();
    const { stdout } = await runCommand(["check", ".", "--fix=all", "--format", "json"], dir);
    const left = open(stdout).map((f) => f.rule);
    for (const rule of ["PCK001", "PCK002", "PCK004", "PCK008"]) expect(left).not.toContain(rule);
  });

  it("labels each offered fix in text, JSON and SARIF", async () => {
    const text = (await runCommand(["check", LEGACY], packageRoot())).stdout;
    expect(text).toMatch(/auto-fix available \(set .*seccompProfile\)/);
    expect(text).toMatch(/fix needs a look \(set .*runAsNonRoot\): the kubelet refuses/);
    const json = open((await runCommand(["check", LEGACY, "-f", "json"], packageRoot())).stdout);
    const pck002 = json.find((f) => f.rule === "PCK002" && f.fix)!;
    expect(pck002.fixSafety).toEqual({ safe: false, reason: fixSafety("PCK002").reason });
    const sarif = JSON.parse(
      (await runCommand(["check", LEGACY, "-f", "sarif"], packageRoot())).stdout,
    ) as {
      runs: { results: { ruleId: string; properties: { fixSafety?: { safe: boolean } } }[] }[];
    };
    const result = sarif.runs[0]!.results.find((r) => r.ruleId === "PCK007")!;
    expect(result.properties.fixSafety?.safe).toBe(false);
  });

  it("classifies every catalogue rule, and calls safe only the seccomp default", () => {
    expect(safeFixRules()).toEqual(["PCK008"]);
    for (const id of bundle().rules.keys()) expect(typeof fixSafety(id).reason).toBe("string");
    expect(fixSafety("PCK999").safe).toBe(false);
  });

  it("labels a review suggestion that needs a look, and not a safe one", () => {
    const patches = new Map([
      ["apps/web.yaml", parsePatch("@@ -0,0 +1,20 @@\n" + "+x\n".repeat(20))],
    ]);
    const body = (rule: string) =>
      renderReviewComments(
        [finding({ rule, file: "apps/web.yaml", lines: { start: 5, end: 5 }, fingerprint: rule })],
        patches,
        { max: 30, suggestions: new Map([[rule, { startLine: 5, endLine: 5, lines: ["y"] }]]) },
      ).comments[0]!.body;
    expect(body("PCK002")).toMatch(
      /This fix needs a look before you apply it:\*\* the kubelet refuses to start[^\n]*\n\n```suggestion/,
    );
    expect(body("PCK008")).not.toContain("needs a look");
    expect(body("PCK008")).toContain("```suggestion");
  });
});
