// Issue 23, requirement 4: namespace findings on the line that sets the namespace, `check` results
// independent of the working directory, JSON with comments, secret-manager references, string
// patches.
import { findHelm } from "../../src/gitops/adapters/helm.js";
import { findKustomize } from "../../src/gitops/adapters/kustomize.js";
import { runCommand } from "../support/cli.js";
import { gitRepo } from "../support/git-repo.js";
import { join } from "node:path";
import { deployment } from "../support/deployment.js";

const haveTools = findKustomize() !== undefined && findHelm() !== undefined;
if (!haveTools)
  process.stderr.write("kustomize or helm is not built: namespace-line tests skipped\n");
const withTools = haveTools ? describe : describe.skip;

interface Annotation {
  path: string;
  start_line: number;
  title: string;
}

async function review(dir: string): Promise<Annotation[]> {
  const { stdout } = await runCommand(["review", dir, "--base", "main", "--format", "json"], dir);
  return (JSON.parse(stdout) as { check: { annotations: Annotation[] } }).check.annotations;
}

const at = (annotations: Annotation[], rule: string) =>
  annotations
    .filter((a) => a.title.startsWith(rule) && !a.title.includes("pre-existing"))
    .map((a) => `${a.path}:${a.start_line}`)
    .sort();

const DEPLOY = deployment(false);

withTools("namespace findings land on the line that sets the namespace", () => {
  it("a Flux Kustomization's targetNamespace, a kustomization's namespace:, a HelmRelease's targetNamespace", async () => {
    const r = gitRepo();
    r.write("apps/one/deploy.yaml", DEPLOY);
    r.write("apps/two/deploy.yaml", DEPLOY);
    r.write("apps/two/kustomization.yaml", "resources: [deploy.yaml]\nnamespace: shop\n");
    r.write("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
    r.write(
      "charts/web/templates/deploy.yaml",
      DEPLOY.replace("name: web", "name: {{ .Release.Name }}"),
    );
    const flux = (ns: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: one
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/one
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  targetNamespace: ${ns}
`;
    const release = (ns: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: flux-system
spec:
  interval: 10m
  targetNamespace: ${ns}
  chart:
    spec:
      chart: ./charts/web
      sourceRef:
        kind: GitRepository
        name: flux-system
`;
    r.write("clusters/one.yaml", flux("shop"));
    r.write("clusters/release.yaml", release("shop"));
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write("clusters/one.yaml", flux("default"));
    r.write("clusters/release.yaml", release("default"));
    r.write("apps/two/kustomization.yaml", "resources: [deploy.yaml]\nnamespace: default\n");
    r.commit("into the default namespace");
    const annotations = await review(r.dir);
    expect(at(annotations, "PCK018")).toEqual([
      "apps/two/kustomization.yaml:2",
      "clusters/one.yaml:13",
      "clusters/release.yaml:8",
    ]);
  });
});

describe("portcullis check reads a folder the same from anywhere", () => {
  const r = gitRepo();
  r.write(
    "apps/prod/kustomization.yaml",
    "resources: [../base]\npatches:\n  - path: patches/replicas.yaml\n  - patches/string.yaml\n",
  );
  const patch = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
`;
  r.write("apps/prod/patches/replicas.yaml", patch);
  r.write("apps/prod/patches/string.yaml", patch.replace("2", "3"));
  r.write(
    "apps/prod/patches/.vscode/settings.json",
    '{\n  // the editor\'s own settings\n  "editor.tabSize": 2, /* two */\n  "files.eol": "\\n",\n}\n',
  );
  r.commit("fleet");

  const findings = async (args: string[], cwd: string) => {
    const { stdout } = await runCommand(["check", ...args, "--format", "json"], cwd);
    const out = JSON.parse(stdout) as {
      findings: { rule: string; file: string; lines: { start: number } }[];
      skipped: { file: string; reason: string }[];
    };
    return {
      findings: out.findings
        .map((f) => `${f.rule} ${f.file.split("/").pop()}:${f.lines.start}`)
        .sort(),
      skipped: out.skipped.map((s) => s.file.split("/").pop()).sort(),
    };
  };

  it("finds the same from the repository's root and from inside the patches folder", async () => {
    const fromRoot = await findings(["apps/prod/patches"], r.dir);
    const fromInside = await findings(["."], join(r.dir, "apps/prod/patches"));
    expect(fromInside).toEqual(fromRoot);
    // Patches (the string entry too) are partial documents: no whole-Deployment findings such as
    // a missing image or missing resources; JSON with comments is not a manifest, no PCS001.
    expect(fromRoot.findings.filter((f) => /PCS001/.test(f))).toEqual([]);
    expect(fromRoot.findings.filter((f) => /^PCK00[5-9]|^PCK01[0-6]/.test(f))).toEqual([]);
    expect(fromRoot.skipped).toContain("settings.json");
  });

  it("still reports a JSON file with comments that holds a Kubernetes object: kubectl would not read it", async () => {
    const k = gitRepo();
    k.write(
      "pod.json",
      '{\n  // a pod\n  "apiVersion": "v1",\n  "kind": "Pod",\n  "metadata": {"name": "x"}\n}\n',
    );
    k.commit("pod");
    const out = await findings(["pod.json"], k.dir);
    expect(out.findings.some((f) => f.startsWith("PCS001"))).toBe(true);
  });
});
