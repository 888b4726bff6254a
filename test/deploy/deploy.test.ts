// Portcullis' own deployment manifests must pass Portcullis' own policies, at every severity.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { evaluate } from "../support/engine.js";

describe("deploy/", () => {
  const dir = join(packageRoot(), "deploy");
  // Every variant: one replica (deploy/*.yaml) and several on Redis (deploy/ha/).
  const files = Object.fromEntries(
    (readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => [`deploy/${f}`, readFileSync(join(dir, f), "utf8")]),
  );

  it("has no open finding of any severity, and every waiver gives its reason", async () => {
    const report = await evaluate(files);
    expect(report.errors).toEqual([]);
    expect(Object.keys(files)).toContain("deploy/ha/portcullis-ha.yaml");
    expect(report.documentsEvaluated).toBeGreaterThanOrEqual(10);
    expect(
      report.findings
        .filter((f) => f.status.kind !== "waived")
        .map((f) => `${f.file}:${f.lines.start}:${f.rule}`),
    ).toEqual([]);
    for (const f of report.findings)
      expect(f.status.kind === "waived" && f.status.waiver.reason.length > 10).toBe(true);
  });
});
