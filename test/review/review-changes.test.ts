// The review use case over a real local git repository: base config, head manifests, new vs existing.
import { execFileSync } from "node:child_process";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { WasmPolicyEngine } from "../../src/engines/opa/wasm-policy-engine.js";
import { LocalGitSource, patchesByPath } from "../../src/adapters/git/local-git-source.js";
import { reviewChanges } from "../../src/review/review-changes.js";
import { bundle } from "../support/engine.js";
import { gitRepo as repo } from "../support/git-repo.js";

const pod = (name: string, extra = "") => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: shop
spec:
  containers:
    - name: app
      image: ghcr.io/acme/app:1.0.0
${extra}`;

function deps() {
  const b = bundle();
  return {
    engine: new WasmPolicyEngine(b.wasm),
    rules: b.rules,
    configContext: { settingDefaults: b.settingDefaults, ruleIds: new Set(b.rules.keys()) },
    today: "2026-06-01",
  };
}

describe("reviewChanges", () => {
  const r = repo();
  r.write(".github/portcullis.yml", "rules:\n  PCK012: off\n");
  r.write("apps/old.yaml", pod("old", "      securityContext: {privileged: true}\n"));
  r.write("apps/moved.yaml", pod("moved"));
  r.write(
    "apps/gone.yaml",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gone}\ndata: {a: b}\n",
  );
  r.write("README.md", "# fleet\n");
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  // The change tries to switch PCK001 off in its own config: it must not take effect.
  r.write(".github/portcullis.yml", "rules:\n  PCK012: off\n  PCK001: off\n  PCK999: off\n");
  r.write(
    "apps/old.yaml",
    pod("old", "      securityContext: {privileged: true}\n") +
      "      ports: [{containerPort: 80, hostPort: 80}]\n",
  );
  renameSync(join(r.dir, "apps/moved.yaml"), join(r.dir, "apps/renamed.yaml"));
  r.write("apps/new.yaml", pod("new", "      securityContext: {privileged: true}\n"));
  execFileSync("git", ["-C", r.dir, "rm", "-q", "apps/gone.yaml"]);
  r.write("README.md", "# fleet, changed\n");
  r.commit("feature");

  const review = () => reviewChanges(new LocalGitSource(r.dir, "main", "feature"), deps());

  it("lists what changed, with renames and removals", async () => {
    const { changedFiles } = await review();
    expect(
      changedFiles
        .map((f) => `${f.status}:${f.previousPath ? `${f.previousPath}->` : ""}${f.path}`)
        .sort(),
    ).toEqual([
      "added:apps/new.yaml",
      "modified:.github/portcullis.yml",
      "modified:README.md",
      "modified:apps/old.yaml",
      "removed:apps/gone.yaml",
      "renamed:apps/moved.yaml->apps/renamed.yaml",
    ]);
  });

  it("reviews under the base configuration and reports the change's own config errors", async () => {
    const result = await review();
    expect(result.configChanged).toBe(true);
    expect(result.report.findings.some((f) => f.rule === "PCK001")).toBe(true);
    expect(result.report.findings.some((f) => f.rule === "PCK012")).toBe(false);
    expect(result.headConfigErrors.map((e) => e.path)).toEqual(["rules.PCK999"]);
  });

  it("tells new findings from those the base already had, across renames", async () => {
    const { report } = await review();
    const status = (file: string, rule: string) =>
      report.findings.filter((f) => f.file === file && f.rule === rule).map((f) => f.status.kind);
    expect(status("apps/new.yaml", "PCK001")).toEqual(["open"]);
    expect(status("apps/old.yaml", "PCK001")).toEqual(["existing"]);
    expect(status("apps/old.yaml", "PCK014")).toEqual(["open"]);
    expect(status("apps/renamed.yaml", "PCK003")).toEqual(["existing"]);
    expect(report.findings.some((f) => f.file === "apps/gone.yaml")).toBe(false);
  });

  it("keeps GitHub-style patches (hunks without headers) per file", async () => {
    const { changedFiles } = await review();
    const old = changedFiles.find((f) => f.path === "apps/old.yaml")!;
    expect(old.patch).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/);
    expect(old.patch).toContain("+      ports: [{containerPort: 80, hostPort: 80}]");
  });

  it("refuses refs that do not exist, naming them", () => {
    expect(() => new LocalGitSource(r.dir, "no-such-branch")).toThrow(
      '"no-such-branch" is not a commit',
    );
  });
});

describe("patchesByPath", () => {
  it("splits a multi-file diff and drops deleted files", () => {
    const diff = [
      "diff --git a/a.yaml b/a.yaml",
      "index 1..2 100644",
      "--- a/a.yaml",
      "+++ b/a.yaml",
      "@@ -1 +1 @@",
      "-x",
      "+y",
      "diff --git a/b.yaml b/b.yaml",
      "deleted file mode 100644",
      "--- a/b.yaml",
      "+++ /dev/null",
      "@@ -1 +0,0 @@",
      "-z",
      "",
    ].join("\n");
    expect([...patchesByPath(diff)]).toEqual([["a.yaml", "@@ -1 +1 @@\n-x\n+y"]]);
  });
});
