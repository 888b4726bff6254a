// `check --render` agrees with `review`: the same renderers build the kustomizations and charts
// check is given, and each finding lands where review puts it. Without --render, check says which
// kustomizations it did not build. Needs the pinned kustomize and helm (npm run build).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { runCommand } from "../support/cli.js";
import { gitRepo } from "../support/git-repo.js";

const BASE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app.kubernetes.io/name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web, app.kubernetes.io/name: web}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.0
`;
const OVERLAY = `resources: [../base]
namespace: shop
patches:
  - path: privileged.yaml
`;
const PATCH = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          securityContext: {privileged: true}
`;

interface Json {
  findings: { rule: string; file: string; lines: { start: number } }[];
  skipped: { file: string; reason: string }[];
}

function fleet() {
  const repo = gitRepo();
  repo.write("README.md", "fleet\n");
  repo.commit("empty");
  repo.write("base/deploy.yaml", BASE);
  repo.write("base/kustomization.yaml", "resources: [deploy.yaml]\n");
  repo.write("overlay/kustomization.yaml", OVERLAY);
  repo.write("overlay/privileged.yaml", PATCH);
  repo.commit("overlay");
  return repo;
}

beforeAll(() => {
  const bin = join(packageRoot(), ".tools", "bin");
  if (!existsSync(join(bin, "kustomize")) || !existsSync(join(bin, "helm")))
    throw new Error("kustomize and helm are not built: run `npm run build` first");
});

describe("check --render", () => {
  it("finds the overlay's privileged container on the patch line, as review does", async () => {
    const repo = fleet();
    const check = await runCommand(
      ["check", "overlay", "base", "--render", "-f", "json"],
      repo.dir,
    );
    const at = (JSON.parse(check.stdout) as Json).findings.map(
      (f) => `${f.file}:${f.lines.start}:${f.rule}`,
    );
    expect(at).toContain("overlay/privileged.yaml:9:PCK001");
    expect(check.stderr).not.toMatch(/not evaluated: .*kustomization/);

    const review = await runCommand(
      ["review", repo.dir, "--base", "HEAD~1", "-f", "json"],
      repo.dir,
    );
    const annotations = (
      JSON.parse(review.stdout) as {
        check: { annotations: { path: string; start_line: number; title: string }[] };
      }
    ).check.annotations.map((a) => `${a.path}:${a.start_line}:${a.title.split(":")[0]}`);
    expect(new Set(at)).toEqual(new Set(annotations));
  });

  it("puts an images: transformer's finding on its newTag line, in check and in review", async () => {
    const repo = fleet();
    repo.write(
      "overlay/kustomization.yaml",
      `${OVERLAY}images:\n  - name: registry.example.com/web\n    newTag: latest\n`,
    );
    repo.commit("latest");
    const check = await runCommand(["check", "overlay", "--render", "-f", "json"], repo.dir);
    const found = (JSON.parse(check.stdout) as Json).findings.filter((f) => f.rule === "PCK011");
    expect(found.map((f) => `${f.file}:${f.lines.start}`)).toEqual([
      "overlay/kustomization.yaml:7",
    ]);
    const review = await runCommand(
      ["review", repo.dir, "--base", "HEAD~1", "-f", "json"],
      repo.dir,
    );
    const annotations = (
      JSON.parse(review.stdout) as {
        check: { annotations: { path: string; start_line: number; title: string }[] };
      }
    ).check.annotations.filter((a) => a.title.startsWith("PCK011"));
    expect(annotations.map((a) => `${a.path}:${a.start_line}`)).toEqual([
      "overlay/kustomization.yaml:7",
    ]);
    // The base's own image line is not blamed for the overlay's tag.
    expect(found.some((f) => f.file === "base/deploy.yaml")).toBe(false);
  });

  it("without --render, says loudly that the kustomizations were not built", async () => {
    const repo = fleet();
    const r = await runCommand(["check", "overlay", "-f", "json"], repo.dir);
    expect(r.stderr).toMatch(
      /portcullis: not evaluated: 1 kustomization\(s\) \(check reads files as they are; --render builds them as review does\)/,
    );
  });

  it("says which chart templates no render built", async () => {
    const repo = fleet();
    repo.write("chart/Chart.yaml", "apiVersion: v2\nname: c\nversion: 1.0.0\n");
    repo.write(
      "chart/templates/pod.yaml",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: {{ .Release.Name }}}\n",
    );
    const r = await runCommand(["check", "chart", "--render", "-f", "json"], repo.dir);
    expect(r.stderr).toMatch(
      /not evaluated: 1 Helm chart template\(s\) \(no render built them: a chart renders through a Flux HelmRelease/,
    );
  });

  it("fails (not evaluated, exit 2) on a kustomization it refuses to build, never a clean pass", async () => {
    const repo = fleet();
    repo.write(
      "charts-kust/kustomization.yaml",
      "helmCharts:\n  - name: web\n    repo: https://charts.example.com\n    version: 1.0.0\n",
    );
    repo.write("outside/kustomization.yaml", "resources: [../../elsewhere]\n");
    repo.commit("unbuildable");
    for (const dir of ["charts-kust", "outside"]) {
      const check = await runCommand(["check", dir, "--render", "-f", "json"], repo.dir);
      expect(check.code).toBe(2);
      const out = JSON.parse(check.stdout) as Json & {
        errors: { file: string; message: string }[];
      };
      expect(out.errors.map((e) => e.file)).toContain(`${dir}/kustomization.yaml`);
      expect(out.errors.map((e) => e.message).join("\n")).toMatch(/^not evaluated: /m);
    }
  });

  it("compares Argo CD repoURLs with the folder's git remotes, as review does", async () => {
    const repo = fleet();
    repo.git("remote", "add", "origin", "https://github.com/acme/fleet");
    repo.write(
      "apps/web.yaml",
      `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/fleet
    path: overlay
  destination:
    server: https://kubernetes.default.svc
    namespace: shop
`,
    );
    repo.commit("app");
    const check = await runCommand(["check", ".", "--render", "-f", "json"], repo.dir);
    expect(check.stdout + check.stderr).not.toMatch(/its URL is unknown/);
    const at = (JSON.parse(check.stdout) as Json).findings.map((f) => `${f.file}:${f.rule}`);
    expect(at).toContain("overlay/privileged.yaml:PCK001");
  });

  it("is refused with --fix (the fixes of rendered findings land in other files)", async () => {
    const r = await runCommand(["check", ".", "--render", "--fix"], packageRoot());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--render and --fix cannot be used together/);
  });
});
