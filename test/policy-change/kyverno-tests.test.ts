// Kyverno's own test suites (`kyverno-test.yaml`) through the plug-in point's `tests`, as the
// review of a policy change runs them: the pinned `kyverno test`, each verdict at the line of the
// expectation it checks; a suite that cannot run is a problem, never a pass.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { parseConfig } from "../../src/config/config.js";
import type { PolicyTestContext } from "../../src/engines/engine.js";
import { kyvernoEngine } from "../../src/engines/kyverno/index.js";
import type { KyvernoCli } from "../../src/engines/kyverno/run.js";
import { kyvernoPolicyTests } from "../../src/engines/kyverno/tests.js";
import { workingTreeFiles } from "../../src/engines/repository-files.js";
import { describeWithKyverno } from "../support/kyverno.js";

const FIXTURE = join(packageRoot(), "test", "fixtures", "kyverno", "conformance");
const config = parseConfig("policies:\n  admission: [admission]\n", {
  settingDefaults: {},
  ruleIds: new Set(),
}).config;

function contextOf(root: string): PolicyTestContext {
  return {
    config,
    configFile: ".github/portcullis.yml",
    files: workingTreeFiles(root),
    env: process.env,
    timeLimitMs: 60_000,
  };
}

describeWithKyverno("Kyverno test suites through the engine's tests", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "portcullis-kyverno-tests-"));
    cpSync(FIXTURE, join(root, "admission"), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("passes every expectation of a suite that holds", async () => {
    const run = await kyvernoEngine.tests!(contextOf(root));
    expect(run.problems).toEqual([]);
    expect(run.results.length).toBeGreaterThan(5);
    expect(run.results.every((r) => r.outcome === "pass" && r.engine === "kyverno")).toBe(true);
    expect(run.results.every((r) => r.file === "admission/kyverno-test.yaml")).toBe(true);
  });

  it("fails the expectation a change breaks, at its line", async () => {
    const suite = join(root, "admission", "kyverno-test.yaml");
    const text = readFileSync(suite, "utf8");
    // The privileged Pod "apps/bad" is expected to fail; a suite claiming it passes is wrong.
    const broken = text.replace(
      "resources: [apps/bad]\n    result: fail",
      "resources: [apps/bad]\n    result: pass",
    );
    expect(broken).not.toBe(text);
    writeFileSync(suite, broken);
    const line = broken.split("\n").findIndex((l) => l.includes("resources: [apps/bad]")) + 1;
    const run = await kyvernoEngine.tests!(contextOf(root));
    const failed = run.results.filter((r) => r.outcome === "fail");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ file: "admission/kyverno-test.yaml" });
    expect(failed[0]!.name).toContain("forbid-privileged/no-privileged");
    expect(failed[0]!.line).toBe(line);
  });

  it("is a problem at the suite, never a pass, without the kyverno binary", async () => {
    const absent = { available: false } as unknown as KyvernoCli;
    const run = await kyvernoPolicyTests(contextOf(root), absent);
    expect(run.results).toEqual([]);
    expect(run.problems).toHaveLength(1);
    expect(run.problems[0]).toMatchObject({ file: "admission/kyverno-test.yaml", line: 1 });
    expect(run.problems[0]!.message).toContain("kyverno is not installed");
  });
});
