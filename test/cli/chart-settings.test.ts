// A chart fetch setting the fetcher cannot take stops every command that may fetch a chart (check
// --render, review, the Action) at the start, in one line, exit 2, as other bad settings do. It used
// to fall back to the default in silence: PORTCULLIS_CHART_MAX_BYTES=10MB fetched up to 20 MiB.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../support/cli.js";
import { gitRepo } from "../support/git-repo.js";
import { removeWorkspaces, workspace } from "../support/workspace.js";

const POD =
  "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n    - {name: web, image: 'ghcr.io/acme/web:1.0.0'}\n";
const BAD = { PORTCULLIS_CHART_MAX_BYTES: "10MB" };
const REFUSED =
  'portcullis: PORTCULLIS_CHART_MAX_BYTES must be a whole number above 0, not "10MB"\n';

afterAll(removeWorkspaces);

describe("a bad chart fetch setting", () => {
  it("stops check --render in one line, exit 2, no report", async () => {
    const dir = workspace({ "pod.yaml": POD });
    const r = await runCommand(["check", ".", "--render", "-f", "json"], dir, BAD);
    expect(r).toEqual({ code: 2, stdout: "", stderr: REFUSED });
  });

  it("is not read by check without --render, which fetches no chart", async () => {
    const dir = workspace({ "pod.yaml": POD });
    const r = await runCommand(["check", ".", "-f", "json"], dir, BAD);
    expect(r.stderr).toBe("");
    expect(r.code).not.toBe(2);
  });

  it("stops review in one line, exit 2, no report", async () => {
    const repo = gitRepo();
    repo.write("README.md", "fleet\n");
    repo.commit("empty");
    repo.write("apps/pod.yaml", POD);
    repo.commit("pod");
    for (const [name, value] of [
      ["PORTCULLIS_CHART_MAX_BYTES", "-1"],
      ["PORTCULLIS_CHART_TIMEOUT_MS", "3000000000"],
    ] as const) {
      const r = await runCommand(["review", repo.dir, "--base", "HEAD~1"], repo.dir, {
        [name]: value,
      });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(
        new RegExp(`^portcullis: ${name} must be [^\\n]*, not "${value}"\\n$`),
      );
    }
  });

  it("stops the Action before it checks or writes anything", async () => {
    const ws = workspace({ "apps/pod.yaml": POD });
    const output = join(ws, "..", `${ws.split("/").pop()}-output.txt`);
    writeFileSync(output, "");
    const r = await runCommand(["action"], ws, {
      GITHUB_WORKSPACE: ws,
      GITHUB_EVENT_NAME: "push",
      GITHUB_OUTPUT: output,
      INPUT_SARIF_FILE: "portcullis.sarif",
      PORTCULLIS_CHART_MAX_BYTES: "0x10",
    });
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: 'portcullis: PORTCULLIS_CHART_MAX_BYTES must be a whole number above 0, not "0x10"\n',
    });
    expect(existsSync(join(ws, "portcullis.sarif"))).toBe(false);
  });
});

describe("registry credentials that cannot be used", () => {
  it("stop check --render in one line naming the file, exit 2, no report", async () => {
    const dir = workspace({ "pod.yaml": POD, "config.json": '{"auths": not-json}' });
    const r = await runCommand(["check", ".", "--render", "-f", "json"], dir, {
      PORTCULLIS_REGISTRY_CONFIG: join(dir, "config.json"),
    });
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: `portcullis: PORTCULLIS_REGISTRY_CONFIG (${join(dir, "config.json")}) is not JSON\n`,
    });
  });
});
