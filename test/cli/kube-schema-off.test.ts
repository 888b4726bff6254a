// docs/schema.md: PORTCULLIS_KUBE_SCHEMA names the validator, empty switches it off. The run then
// says the validation was switched off, not that kube-schema "is not installed" with advice to
// build it, which sent a user who had switched it off on purpose to install Go.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import { bundle } from "../support/engine.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-schema-off-"));
  writeFileSync(
    join(dir, "cm.yaml"),
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("says schema validation was switched off when PORTCULLIS_KUBE_SCHEMA is empty", async () => {
  let stderr = "";
  const code = await runCli(["check", "cm.yaml"], {
    cwd: dir,
    env: { PORTCULLIS_KUBE_SCHEMA: "" },
    stdout: { write: () => undefined },
    stderr: { write: (s: string) => (stderr += s) },
    version: "0.0.0-test",
    bundle: bundle(),
  });
  expect(code).toBe(0);
  expect(stderr).toContain(
    "schema validation (PCV001-PCV004, PCV006, PCV007) did not run: switched off (PORTCULLIS_KUBE_SCHEMA is empty)",
  );
  expect(stderr).not.toContain("not installed");
});
