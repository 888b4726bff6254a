// `policies.admission` is the documented key (docs/configuration.md; `gatekeeper` its older name):
// a configured folder that holds nothing is reported under the name the user wrote, not only under
// the older one, and the run fails (exit 2) rather than pass without the policies.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import { bundle } from "../support/engine.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-admission-names-"));
  mkdirSync(join(dir, ".github"));
  mkdirSync(join(dir, "clusters"));
  writeFileSync(
    join(dir, ".github", "portcullis.yml"),
    "policies:\n  admission: [platform/none]\n",
  );
  writeFileSync(
    join(dir, "clusters", "cm.yaml"),
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("names policies.admission when a folder it lists holds no policy file", async () => {
  let stdout = "";
  const code = await runCli(["check", "clusters"], {
    cwd: dir,
    env: { PORTCULLIS_KUBE_SCHEMA: "" },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: () => undefined },
    version: "0.0.0-test",
    bundle: bundle(),
  });
  expect(code).toBe(2);
  expect(stdout).toContain(
    ".github/portcullis.yml:1: could not evaluate: policies.admission: platform/none holds no YAML or JSON file",
  );
});
