// False greens found by an adversarial review: inputs kubectl, Argo CD or Flux would apply that
// `check` passed without a word (default excludes, list documents, symbolic links, special files).
import { checkFiles, removeWorkspaces, ruleLines } from "../support/workspace.js";

const POD_JSON = JSON.stringify({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p" },
  spec: { containers: [{ name: "a", image: "x", securityContext: { privileged: true } }] },
});

afterAll(removeWorkspaces);

describe("default excludes", () => {
  it("a Pod in a file named package.json or tsconfig.json is evaluated (kubectl reads every *.json)", async () => {
    const { report } = await checkFiles({
      "apps/web/package.json": POD_JSON,
      "apps/web/tsconfig.app.json": POD_JSON,
      "apps/web/package-lock.json": POD_JSON,
    });
    const privileged = ruleLines(report.findings).filter((l) => l.endsWith(":PCK001"));
    expect(privileged.sort()).toEqual([
      "apps/web/package-lock.json:1:PCK001",
      "apps/web/package.json:1:PCK001",
      "apps/web/tsconfig.app.json:1:PCK001",
    ]);
  });

  it("a real package.json, package-lock.json and a tsconfig.json with comments are quietly skipped", async () => {
    const { code, report } = await checkFiles({
      "package.json": '{ "name": "web", "type": "module", "scripts": { "build": "tsc" } }\n',
      "package-lock.json": '{ "name": "web", "lockfileVersion": 3, "packages": {} }\n',
      "tsconfig.json": '{\n  // strict\n  "compilerOptions": { "strict": true, },\n}\n',
    });
    expect(code).toBe(0);
    expect(report.findings).toEqual([]);
    expect(report.errors).toEqual([]);
  });
});
