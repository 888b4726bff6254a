// `portcullis review` on a local repository prints the check and inline comments the app would post.
import { fingerprintOfComment } from "../../src/render/review-comments.js";
import { runCommand } from "../support/cli.js";
import { gitRepo } from "../support/git-repo.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";

const run = (args: string[], cwd: string) => runCommand(args, cwd);

/** A ConfigMap `one` in namespace `a` (the PCV005 cases below define it once or twice). */
const configMap = (x: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: one\n  namespace: a\ndata:\n  x: "${x}"\n`;

interface Annotation {
  path: string;
  start_line: number;
  message: string;
}

/** `review` of the repository's feature branch against main: its exit code, conclusion and PCV005 annotations. */
async function reviewDuplicates(
  dir: string,
): Promise<{ code: number | null; conclusion: string; twice: Annotation[] }> {
  const { code, stdout } = await run(["review", dir, "--base", "main", "--format", "json"], dir);
  const out = JSON.parse(stdout) as { check: { conclusion: string; annotations: Annotation[] } };
  const twice = out.check.annotations.filter((a) => a.message.includes("is also defined"));
  return { code, conclusion: out.check.conclusion, twice };
}

const deployment = (extra: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
${extra}`;

describe("portcullis review", () => {
  const r = gitRepo();
  r.write("apps/web.yaml", deployment(""));
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  r.write(
    "apps/web.yaml",
    deployment("          securityContext:\n            privileged: true\n"),
  );
  r.commit("make it privileged");

  it("fails the check for a new error and comments on the changed line", async () => {
    const { code, stdout } = await run(
      ["review", r.dir, "--base", "main", "--format", "json"],
      r.dir,
    );
    expect(code).toBe(1);
    const out = JSON.parse(stdout) as {
      check: {
        name: string;
        conclusion: string;
        annotations: { path: string; start_line: number; title: string }[];
      };
      review: { comments: { path: string; line: number; body: string }[] };
    };
    expect(out.check.name).toBe("Portcullis / policies");
    expect(out.check.conclusion).toBe("failure");
    expect(
      out.check.annotations.some((a) => a.path === "apps/web.yaml" && a.start_line === 13),
    ).toBe(true);
    const privileged = out.review.comments.find((c) => c.line === 13);
    expect(privileged?.path).toBe("apps/web.yaml");
    expect(fingerprintOfComment(privileged!.body)).toMatch(/^[0-9a-f]{20}$/);
    // The fix as a one-click suggestion replacing exactly that line.
    expect(privileged!.body).toContain("```suggestion\n            privileged: false\n```");
    // Findings on unchanged lines stay annotations only.
    expect(out.review.comments.every((c) => c.line >= 12)).toBe(true);
  });

  it("passes when the change adds nothing new (pre-existing findings do not fail)", async () => {
    const { code, stdout } = await run(["review", ".", "--base", "main", "--head", "main"], r.dir);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Portcullis \/ policies: success$/m);
  });

  it("prints markdown", async () => {
    const { stdout } = await run(["review", "--base", "main", "--format", "markdown"], r.dir);
    expect(stdout).toMatch(/^## Portcullis \/ policies: failure$/m);
    expect(stdout).toMatch(/^#### `apps\/web.yaml:13`$/m);
  });

  it.each([
    [["review"], /--base <ref> is required/],
    [["review", "--base", "nope"], /"nope" is not a commit/],
    [["review", "--base", "main", "--format", "xml"], /unknown format "xml"/],
  ])("exits 2 on a usage error: %j", async (args, message) => {
    const { code, stderr } = await run(args as string[], r.dir);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it("lists who must approve each file (CODEOWNERS at the base) and each commit's signature as git sees it", async () => {
    const o = gitRepo();
    o.write(".github/CODEOWNERS", "* @acme/platform\n/apps/ @alice\n!/x/ @nobody\n");
    o.write("apps/web.yaml", deployment(""));
    o.commit("base");
    o.git("checkout", "-q", "-b", "change");
    o.write(
      "apps/web.yaml",
      deployment("          securityContext:\n            privileged: true\n"),
    );
    o.write("README.md", "hello\n");
    o.commit("unsigned change");
    const { stdout } = await run(["review", "--base", "main", "--format", "json"], o.dir);
    const out = JSON.parse(stdout) as {
      codeOwners: {
        file: string;
        files: { path: string; owners: string[] }[];
        errors: { line: number }[];
      };
      signedCommits: { status: string; detail: string }[];
    };
    expect(out.codeOwners.file).toBe(".github/CODEOWNERS");
    expect(out.codeOwners.files).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "apps/web.yaml", owners: ["@alice"] }),
        expect.objectContaining({ path: "README.md", owners: ["@acme/platform"] }),
      ]),
    );
    expect(out.codeOwners.errors.map((e) => e.line)).toEqual([3]);
    expect(out.signedCommits).toEqual([
      expect.objectContaining({ status: "unsigned", detail: "no signature" }),
    ]);
  });

  it("runs the base's repository policies with the change as an unapproved pull request", async () => {
    const p = gitRepo();
    p.write(
      "policy/privileged-needs-security.rego",
      readFileSync(
        join(packageRoot(), "examples/fleet/policy/privileged-needs-security.rego"),
        "utf8",
      ),
    );
    // A policy that reads the local facts: the author and each commit's signature status.
    p.write(
      "policy/signed.rego",
      'package main\n\nimport rego.v1\n\nwarn contains msg if {\n  input.kind == "Deployment"\n  some c in data.portcullis.pull_request.commits\n  not c.verified\n  msg := sprintf("commit %s by %s is %s", [substring(c.sha, 0, 7), c.author, c.reason])\n}\n',
    );
    p.write("apps/web.yaml", deployment(""));
    p.commit("base");
    p.git("checkout", "-q", "-b", "feature");
    p.write(
      "apps/web.yaml",
      deployment("          securityContext:\n            privileged: true\n"),
    );
    // The change also tries to switch the policy off: the base's version is the one that runs.
    p.write("policy/privileged-needs-security.rego", "package main\n");
    p.commit("privileged, and no policy");
    const { stdout } = await run(["review", p.dir, "--base", "main", "--format", "json"], p.dir);
    const out = JSON.parse(stdout) as {
      check: {
        summary: string;
        annotations: { path: string; start_line: number; title: string; message: string }[];
      };
    };
    const mine = out.check.annotations.filter((a) => a.title.includes("main."));
    expect(mine.map((a) => [a.title.split(":")[0], a.path, a.start_line])).toEqual(
      expect.arrayContaining([
        [expect.stringContaining("main.deny"), "apps/web.yaml", 13],
        [expect.stringContaining("main.warn"), "apps/web.yaml", 2],
      ]),
    );
    expect(mine.find((a) => a.title.includes("main.warn"))!.message).toMatch(
      /commit [0-9a-f]{7} by t is unsigned/,
    );
    expect(out.check.summary).toContain("Repository policies from the base branch ran too");
  });
});

describe("portcullis review: an object the change defines twice", () => {
  const r = gitRepo();
  r.write("apps/a.yaml", configMap("1"));
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  r.write("apps/a.yaml", `${configMap("1")}---\n${configMap("2")}`);
  r.commit("define it twice");

  it("is a new PCV005, not one the base had (the base's pass does not see the head's objects)", async () => {
    const { code, conclusion, twice } = await reviewDuplicates(r.dir);
    expect(conclusion).toBe("failure");
    expect(code).toBe(1);
    expect(twice).toHaveLength(1);
    expect(twice[0]!.message).not.toMatch(/Pre-existing/);
  });
});

describe("portcullis review: a copy of an object an unchanged file of the same folder defines", () => {
  const r = gitRepo();
  r.write("apps/a.yaml", `# the first\n${configMap("1")}`);
  r.write("apps/b.yaml", configMap("0").replace("name: one", "name: other"));
  r.write("elsewhere/c.yaml", configMap("0").replace("name: one", "name: third"));
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  r.write(
    "apps/b.yaml",
    `${configMap("0").replace("name: one", "name: other")}---\n${configMap("2")}`,
  );
  r.write(
    "elsewhere/c.yaml",
    `${configMap("0").replace("name: one", "name: third")}---\n${configMap("3")}`,
  );
  r.commit("copy it");

  it("a PR adding a copy of an object an unchanged file of the same folder defines is a PCV005 error on the added copy's line", async () => {
    const { code, conclusion, twice } = await reviewDuplicates(r.dir);
    expect(conclusion).toBe("failure");
    expect(code).toBe(1);
    // Another folder may go to another cluster: elsewhere/c.yaml's copy is not compared.
    expect(twice.map((a) => [a.path, a.start_line])).toEqual([["apps/b.yaml", 12]]);
    expect(twice[0]!.message).toMatch(/in apps\/a\.yaml line 5/);
    expect(twice[0]!.message).not.toMatch(/Pre-existing/);
  });
});

describe("portcullis review: a copy the base already had of an unchanged file's object", () => {
  const r = gitRepo();
  r.write("apps/a.yaml", configMap("1"));
  r.write("apps/b.yaml", configMap("2"));
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  r.write("apps/b.yaml", `# edited\n${configMap("3")}`);
  r.commit("edit the copy");

  it("is a pre-existing PCV005 (the base's pass sees the unchanged file too), not a failure", async () => {
    const { code, conclusion, twice } = await reviewDuplicates(r.dir);
    expect(twice.map((a) => a.path)).toEqual(["apps/b.yaml"]);
    expect(twice[0]!.message).toMatch(/Pre-existing/);
    expect(conclusion).toBe("success");
    expect(code).toBe(0);
  });
});

describe("portcullis review: an unchanged patch file of the folder a changed file is in", () => {
  const r = gitRepo();
  // Rendering is off: the folder's files are evaluated one by one, as check evaluates them.
  r.write(".github/portcullis.yml", "render:\n  kustomize: false\n");
  r.write("apps/kustomization.yaml", "resources: [cm.yaml]\npatches:\n  - path: patch.yaml\n");
  r.write("apps/patch.yaml", configMap("patched"));
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  r.write("apps/cm.yaml", configMap("1"));
  r.commit("add the resource the patch changes");

  it("is no PCV005: a patch changes the object, it does not define a second one (check on the folder agrees)", async () => {
    const { code, twice } = await reviewDuplicates(r.dir);
    expect(twice).toEqual([]);
    const checked = await run(["check", "apps", "--format", "json"], r.dir);
    expect(checked.stdout).not.toContain("is also defined");
    expect(code).toBe(0);
  });
});
