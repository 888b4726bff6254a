// `portcullis review` on a local repository shows the same as the app for a policy change: the
// head's own policy tests (failing ones fail the review, exit 1) and the change's impact, in full
// in JSON (the summary cuts long lists at GitHub's limits).
import { rmSync } from "node:fs";
import { runCommand } from "../support/cli.js";
import { gitRepo, type TestRepo } from "../support/git-repo.js";

const policy = (min: number) => `package main
import rego.v1

deny contains msg if {
  input.kind == "Deployment"
  input.spec.replicas < ${min}
  msg := sprintf("%s runs fewer than ${min} replicas", [input.metadata.name])
}
`;
const TEST = `package main
import rego.v1

test_two_replicas_allowed if {
  count(deny) == 0 with input as {"kind": "Deployment", "metadata": {"name": "a"}, "spec": {"replicas": 2}}
}
`;
const deployment = (name: string, replicas: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${replicas}\n`;

interface Json {
  check: { conclusion: string; summary: string };
  policyChange?: {
    changedPolicyFiles: string[];
    tests: { results: { file: string; line: number; name: string; outcome: string }[] };
    impact: {
      entries: {
        rule: string;
        newlyFlagged: { file: string; line: number; message: string }[];
        noLongerFlagged: { file: string }[];
      }[];
    };
  };
}

describe("portcullis review of a policy change", () => {
  let repo: TestRepo;
  beforeEach(() => {
    repo = gitRepo();
    repo.write("policy/main.rego", policy(2));
    repo.write("policy/main_test.rego", TEST);
    repo.write("apps/web.yaml", deployment("web", 2));
    repo.write("apps/one.yaml", deployment("one", 1));
    repo.commit("base");
    repo.git("checkout", "-q", "-b", "tighten");
  });
  afterEach(() => rmSync(repo.dir, { recursive: true, force: true }));

  it("runs the head's policy tests and shows what the tightened policy would newly flag, exit 1 on a failing test", async () => {
    repo.write("policy/main.rego", policy(3));
    repo.commit("tighten");
    const { code, stdout } = await runCommand(
      ["review", "--base", "main", "--format", "json"],
      repo.dir,
    );
    const out = JSON.parse(stdout) as Json;
    expect(out.policyChange!.changedPolicyFiles).toEqual(["policy/main.rego"]);
    expect(out.policyChange!.tests.results).toEqual([
      expect.objectContaining({
        file: "policy/main_test.rego",
        line: 4,
        name: "data.main.test_two_replicas_allowed",
        outcome: "fail",
      }),
    ]);
    expect(out.policyChange!.impact.entries).toEqual([
      expect.objectContaining({
        rule: "main.deny",
        newlyFlagged: [expect.objectContaining({ file: "apps/web.yaml", line: 2 })],
        noLongerFlagged: [],
      }),
    ]);
    expect(out.check.conclusion).toBe("failure");
    expect(code).toBe(1);
  }, 60_000);

  it("shows what a loosened policy stops flagging, in the text output too, and passes when its tests pass", async () => {
    repo.write("policy/main.rego", policy(1));
    repo.commit("loosen");
    const { code, stdout } = await runCommand(["review", "--base", "main"], repo.dir);
    expect(stdout).toContain("### ✅ The policies' own tests pass at the head");
    expect(stdout).toContain(
      "- **`main.deny`**: 0 newly flagged, 1 no longer flagged, 0 not evaluated",
    );
    expect(stdout).toMatch(
      /no longer flagged: apps\/one\.yaml:2 Deployment one: one runs fewer than 2 replicas/,
    );
    expect(code).toBe(0);
  }, 60_000);

  it("says nothing about policies when the change does not touch them", async () => {
    repo.write("apps/web.yaml", deployment("web", 3));
    repo.commit("scale");
    const { stdout } = await runCommand(["review", "--base", "main", "--format", "json"], repo.dir);
    expect((JSON.parse(stdout) as Json).policyChange).toBeUndefined();
  }, 60_000);
});

describe("portcullis review of a policy change, with overlays", () => {
  let repo: TestRepo;
  afterEach(() => rmSync(repo.dir, { recursive: true, force: true }));

  it("evaluates rendered overlays too: the overlay's renamed Deployment is newly flagged, routed to a source line", async () => {
    repo = gitRepo();
    repo.write("policy/main.rego", policy(2));
    repo.write("base/web.yaml", deployment("web", 2));
    repo.write("base/kustomization.yaml", "resources: [web.yaml]\n");
    repo.write("overlays/dev/kustomization.yaml", "namePrefix: dev-\nresources: [../../base]\n");
    repo.commit("base");
    repo.git("checkout", "-q", "-b", "tighten");
    repo.write("policy/main.rego", policy(3));
    repo.commit("tighten");
    const { stdout } = await runCommand(["review", "--base", "main", "--format", "json"], repo.dir);
    const entries = (JSON.parse(stdout) as Json).policyChange!.impact.entries;
    // Only kustomize names it dev-web: the file alone says web.
    expect(entries.map((e) => e.rule)).toEqual(["main.deny"]);
    expect(entries[0]!.newlyFlagged.map((i) => i.message).sort()).toEqual([
      "dev-web runs fewer than 3 replicas",
      "web runs fewer than 3 replicas",
    ]);
  }, 90_000);
});
