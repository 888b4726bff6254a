// What an engine read but could not evaluate is in the report itself, not only on stderr: a CI that
// reads `check --format json` (or SARIF) must never see a clean report where a check did not run.
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { runCommand } from "../support/cli.js";

const FLEET = join(packageRoot(), "examples", "fleet");

it("lists schema validation that did not run among the report's skipped entries, as well as on stderr", async () => {
  const { stdout, stderr } = await runCommand(
    ["check", ".", "--config", ".github/portcullis.yml", "--fail-on", "never", "--format", "json"],
    FLEET,
    { PORTCULLIS_KUBE_SCHEMA: join(FLEET, "no-such-kube-schema") },
  );
  expect(stderr).toContain("schema validation (PCV001-PCV004, PCV006, PCV007) did not run");
  const report = JSON.parse(stdout) as { skipped: { file: string; reason: string }[] };
  expect(report.skipped).toContainEqual(
    expect.objectContaining({
      file: ".github/portcullis.yml",
      reason: expect.stringContaining(
        "schema validation (PCV001-PCV004, PCV006, PCV007) did not run",
      ) as string,
    }),
  );
});
