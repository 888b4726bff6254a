// `review` reads a symbolic link (git mode 120000) as kubectl and Argo CD do: its target inside the
// repository, reported under the link's path; a link out of the repository, absolute or dangling
// fails at that file. It is never read as text (its target's path).
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../support/cli.js";
import { gitRepo } from "../support/git-repo.js";

const PRIVILEGED = `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      image: registry.example.com/a:1.0
      securityContext:
        privileged: true
`;

interface Out {
  check: { conclusion: string; annotations: { path: string; title: string; message: string }[] };
}

async function review(dir: string): Promise<Out> {
  const { stdout } = await runCommand(["review", dir, "--base", "main", "--format", "json"], dir);
  return JSON.parse(stdout) as Out;
}

describe("review of symbolic links", () => {
  it("a link to a manifest in the repository is reviewed as that manifest, under the link's path", async () => {
    const r = gitRepo();
    r.write("README.md", "x\n");
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write("shared/pod.txt", PRIVILEGED);
    symlinkSync("shared/pod.txt", join(r.dir, "pod.yaml"));
    r.write("apps/.keep", "");
    symlinkSync("../shared/pod.txt", join(r.dir, "apps/pod.yaml"));
    r.commit("link");
    const out = await review(r.dir);
    expect(out.check.conclusion).toBe("failure");
    const privileged = out.check.annotations.filter((a) => /PCK001/.test(a.title));
    expect(privileged.map((a) => a.path).sort()).toEqual(["apps/pod.yaml", "pod.yaml"]);
  });

  it("a link whose target text reads as YAML is not read as that text; outside, absolute and dangling links fail", async () => {
    const r = gitRepo();
    r.write("README.md", "x\n");
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    symlinkSync("note: x", join(r.dir, "text.yaml"));
    symlinkSync("../../etc/hostname", join(r.dir, "out.yaml"));
    symlinkSync("/etc/hostname", join(r.dir, "abs.yaml"));
    r.commit("links");
    const out = await review(r.dir);
    expect(out.check.conclusion).toBe("failure");
    const refused = out.check.annotations
      .filter((a) => /PCS002/.test(a.title))
      .map((a) => `${a.path}: ${a.message}`)
      .sort();
    expect(refused).toEqual([
      expect.stringMatching(
        /^abs\.yaml: symbolic link to \/etc\/hostname: not evaluated \(absolute\)/,
      ),
      expect.stringMatching(
        /^out\.yaml: symbolic link to \.\.\/\.\.\/etc\/hostname: not evaluated \(it points outside/,
      ),
      expect.stringMatching(/^text\.yaml: symbolic link to note: x: not evaluated \(dangling/),
    ]);
  });

  it("a kustomization's resource that is a link inside the repository is rendered as its target", async () => {
    const r = gitRepo();
    r.write("README.md", "x\n");
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write("shared/pod.txt", PRIVILEGED);
    r.write("apps/kustomization.yaml", "resources:\n  - pod.yaml\n");
    symlinkSync("../shared/pod.txt", join(r.dir, "apps/pod.yaml"));
    r.commit("kustomization with a linked resource");
    const out = await review(r.dir);
    expect(out.check.conclusion).toBe("failure");
    expect(out.check.annotations.filter((a) => /PCS00/.test(a.title))).toEqual([]);
    expect(out.check.annotations.some((a) => /PCK001/.test(a.title))).toBe(true);
  });
});
