// `policies.admission` is the documented key (docs/configuration.md; `gatekeeper` its older name):
// a configured folder that holds nothing is reported under the name the user wrote, not only under
// the older one, and the run fails (exit 2) rather than pass without the policies.
import { runCommand } from "../support/cli.js";
import { removeWorkspaces, workspace } from "../support/workspace.js";

afterAll(removeWorkspaces);

it("names policies.admission when a folder it lists holds no policy file", async () => {
  const dir = workspace({
    ".github/portcullis.yml": "policies:\n  admission: [platform/none]\n",
    "clusters/cm.yaml":
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\n",
  });
  const { code, stdout } = await runCommand(["check", "clusters"], dir, {
    PORTCULLIS_KUBE_SCHEMA: "",
  });
  expect(code).toBe(2);
  expect(stdout).toContain(
    ".github/portcullis.yml:1: could not evaluate: policies.admission: platform/none holds no YAML or JSON file",
  );
});
