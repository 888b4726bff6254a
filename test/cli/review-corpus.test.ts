// `portcullis review` on real GitOps repositories (../shared/corpus): a pull-request-shaped change
// to an overlay patch is reported at the patch line, with the rendered diff in the summary.
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { findKustomize } from "../../src/gitops/adapters/kustomize.js";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { runCommand } from "../support/cli.js";
import { gitRepo, type TestRepo } from "../support/git-repo.js";

const CORPUS = resolve(packageRoot(), "..", "shared", "corpus");
const ready = existsSync(CORPUS) && findKustomize() !== undefined;
if (!ready)
  process.stderr.write(
    `corpus review tests skipped: ${existsSync(CORPUS) ? "kustomize is not built (npm run build:render)" : `${CORPUS} is absent`}\n`,
  );
const withCorpus = ready ? describe : describe.skip;

interface Out {
  check: {
    summary: string;
    annotations: { path: string; start_line: number; title: string; raw_details?: string }[];
  };
  review: { comments: { path: string; line: number }[] };
}

/** A repository holding a corpus folder as its base commit, on a branch `pr`. */
function corpusRepo(folder: string): TestRepo {
  const r = gitRepo();
  cpSync(join(CORPUS, folder), r.dir, { recursive: true });
  rmSync(join(r.dir, ".git"), { recursive: true, force: true });
  r.git("init", "-q", "-b", "main");
  r.commit("corpus");
  r.git("checkout", "-q", "-b", "pr");
  return r;
}

function edit(r: TestRepo, path: string, from: string, to: string): void {
  const text = readFileSync(join(r.dir, path), "utf8");
  expect(text).toContain(from);
  writeFileSync(join(r.dir, path), text.replace(from, to));
}

async function review(r: TestRepo): Promise<Out> {
  const { stdout } = await runCommand(
    ["review", r.dir, "--base", "main", "--format", "json"],
    r.dir,
  );
  return JSON.parse(stdout) as Out;
}

const newFindings = (out: Out) =>
  out.check.annotations.filter((a) => !a.title.endsWith("(pre-existing)"));

withCorpus("review on the corpus", () => {
  it("flux2-kustomize-helm-example: a staging values patch forcing upgrades, at the patch line", async () => {
    const r = corpusRepo("flux2-kustomize-helm-example");
    edit(
      r,
      "apps/staging/podinfo-values.yaml",
      "  test:\n    enable: false\n",
      "  test:\n    enable: false\n  upgrade:\n    force: true\n",
    );
    r.commit("force upgrades in staging");
    const out = await review(r);
    const found = newFindings(out).map((a) => `${a.path}:${a.start_line} ${a.title.split(":")[0]}`);
    expect(found).toEqual(["apps/staging/podinfo-values.yaml:13 PCF008"]);
    // The Flux Kustomization that applies it, found through the ArtifactGenerator's copy rules.
    expect(newFindings(out)[0]!.raw_details).toContain("Flux Kustomization flux-system/apps");
    expect(out.check.summary).toContain(
      "- `apps/staging` (Flux Kustomization flux-system/apps): 1 changed: ~ HelmRelease podinfo/podinfo",
    );
    expect(out.review.comments).toEqual([
      expect.objectContaining({ path: "apps/staging/podinfo-values.yaml", line: 13 }),
    ]);
  });

  it("microservices-demo: a component's inline patch making the frontend privileged, at its line", async () => {
    const r = corpusRepo("microservices-demo");
    const path = "kustomize/components/cymbal-branding/kustomization.yaml";
    edit(
      r,
      path,
      '              value: "true"\n',
      '              value: "true"\n            securityContext:\n              privileged: true\n',
    );
    r.commit("privileged frontend with branding");
    const out = await review(r);
    const found = newFindings(out).map((a) => `${a.path}:${a.start_line} ${a.title.split(":")[0]}`);
    expect(found).toEqual([`${path}:32 PCK001`]);
    for (const test of ["memorystore", "service-mesh-istio", "spanner"])
      expect(out.check.summary).toContain(
        `- \`kustomize/tests/${test}-with-all-components\`: 1 changed: ~ Deployment frontend`,
      );
  });
});
