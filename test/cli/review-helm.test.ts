// `portcullis review` renders the Helm releases of charts in the repository and reports at the
// values line that set a field, else at the template that produced the object.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { findHelm } from "../../src/gitops/adapters/helm.js";
import { findKustomize } from "../../src/gitops/adapters/kustomize.js";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { runCommand } from "../support/cli.js";
import { gitRepo, type TestRepo } from "../support/git-repo.js";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";

const haveTools = findHelm() !== undefined && findKustomize() !== undefined;
if (!haveTools)
  process.stderr.write(
    "helm or kustomize is not built: run `npm run build:helm` and `npm run build:render` (Helm review tests skipped)\n",
  );
const withHelm = haveTools ? describe : describe.skip;

const CHART = "apiVersion: v2\nname: web\nversion: 0.1.0\n";
const CHART_VALUES = "replicas: 1\nsecurityContext:\n  privileged: false\n";
const TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
          securityContext:
            privileged: {{ .Values.securityContext.privileged }}
`;

const RELEASE = (values: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/web
      sourceRef:
        kind: GitRepository
        name: flux-system
        namespace: flux-system
  values:
${values}`;

interface Out {
  check: {
    summary: string;
    annotations: {
      path: string;
      start_line: number;
      title: string;
      message: string;
      raw_details?: string;
    }[];
  };
}

async function review(dir: string): Promise<Out> {
  const { stdout } = await runCommand(["review", dir, "--base", "main", "--format", "json"], dir);
  return JSON.parse(stdout) as Out;
}

const titled = (out: Out, rule: string) =>
  out.check.annotations.filter((a) => a.title.startsWith(rule));

/**
 * The release apps/web's privileged: true is new at `at` (a values line); findings that no value
 * sets land at the template's kind line, pre-existing (the base rendered the same).
 */
function expectNewPrivileged(out: Out, at: string): void {
  const privileged = titled(out, "PCK001");
  expect(privileged.map((a) => `${a.path}:${a.start_line}`)).toEqual([at]);
  expect(privileged[0]!.title).not.toContain("pre-existing");
  expect(privileged[0]!.raw_details).toContain("Flux HelmRelease apps/web");
  const seccomp = titled(out, "PCK008");
  expect(seccomp.map((a) => `${a.path}:${a.start_line}`)).toEqual([
    "charts/web/templates/deployment.yaml:2",
  ]);
  expect(seccomp[0]!.title).toContain("(pre-existing)");
}

function chartRepo(): TestRepo {
  const r = gitRepo();
  r.write("charts/web/Chart.yaml", CHART);
  r.write("charts/web/values.yaml", CHART_VALUES);
  r.write("charts/web/templates/deployment.yaml", TEMPLATE);
  r.write("clusters/apps/web.yaml", RELEASE("    replicas: 2\n"));
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  return r;
}

withHelm("portcullis review with Helm releases", () => {
  it("reports privileged: true set in a HelmRelease's values at that values line, as new", async () => {
    const r = chartRepo();
    r.write(
      "clusters/apps/web.yaml",
      RELEASE("    replicas: 2\n    securityContext:\n      privileged: true\n"),
    );
    r.commit("privileged through values");
    const out = await review(r.dir);
    expectNewPrivileged(out, "clusters/apps/web.yaml:18");
    expect(out.check.summary).toContain("### Rendered changes");
    expect(out.check.summary).toMatch(
      /charts\/web \(Helm release apps\/web\).*changed.*Deployment apps\/web/s,
    );
  });

  it("reports a template change at the template's kind line", async () => {
    const r = chartRepo();
    r.write(
      "charts/web/templates/deployment.yaml",
      TEMPLATE.replace(
        "    spec:\n      containers:",
        "    spec:\n      hostNetwork: true\n      containers:",
      ),
    );
    r.commit("host network in the template");
    const out = await review(r.dir);
    const host = titled(out, "PCK004");
    expect(host.map((a) => `${a.path}:${a.start_line}`)).toEqual([
      "charts/web/templates/deployment.yaml:2",
    ]);
    expect(host[0]!.title).not.toContain("pre-existing");
  });

  it("reports a chart that does not render as PCS004 at the release's chart line", async () => {
    const r = chartRepo();
    r.write("charts/web/templates/broken.yaml", "kind: ConfigMap\ndata: {{ nosuchfunction }}\n");
    r.commit("a broken template");
    const out = await review(r.dir);
    const failed = titled(out, "PCS004");
    expect(failed.map((a) => `${a.path}:${a.start_line}`)).toEqual(["clusters/apps/web.yaml:10"]);
    expect(out.check.summary).toMatch(
      /charts\/web \(Helm release apps\/web\).*could not be rendered/,
    );
  });

  it("refuses a release name that helm would read as a flag, and runs nothing", async () => {
    const r = chartRepo();
    const marker = join(r.dir, "..", `pwned-${Date.now()}`);
    // A post-renderer would run the rendered YAML as a shell script.
    r.write(
      "charts/web/templates/cm.yaml",
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: b; touch ${marker}\n`,
    );
    r.write(
      "clusters/apps/web.yaml",
      RELEASE("    replicas: 2\n").replace(
        "spec:\n  interval",
        'spec:\n  releaseName: "--post-renderer=/bin/sh"\n  interval',
      ),
    );
    r.commit("a release name that is a flag");
    const out = await review(r.dir);
    expect(existsSync(marker)).toBe(false);
    const refused = titled(out, "PCS004");
    expect(refused.map((a) => a.message).join("\n")).toMatch(
      /refused release name "--post-renderer/,
    );
  });

  it("still checks a changed chart file the render does not stand for (crds/, ci/)", async () => {
    const r = chartRepo();
    r.write(
      "charts/web/crds/debug-pod.yaml",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: debug, namespace: apps}\nspec:\n  containers:\n    - name: d\n      image: ghcr.io/acme/d:1.0.0\n      securityContext:\n        privileged: true\n",
    );
    r.commit("a privileged pod hidden in crds/");
    const out = await review(r.dir);
    expect(titled(out, "PCK001").map((a) => `${a.path}:${a.start_line}`)).toEqual([
      "charts/web/crds/debug-pod.yaml:9",
    ]);
  });

  it("lists a release of a remote chart as not evaluated at its chart line", async () => {
    const r = chartRepo();
    r.write(
      "clusters/apps/remote.yaml",
      `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
spec:
  chart:
    spec:
      chart: podinfo
      sourceRef:
        kind: HelmRepository
        name: podinfo
`,
    );
    r.commit("a remote chart");
    const out = await review(r.dir);
    expect(out.check.summary).toMatch(
      /clusters\/apps\/remote.yaml line 9: .*its chart podinfo comes from HelmRepository podinfo, outside the repository/,
    );
  });

  it("renders a remote chart from the vendored copy the base's configuration allow-lists", async () => {
    const r = gitRepo();
    r.write(".github/portcullis.yml", 'render:\n  vendoredCharts: ["podinfo=vendor/podinfo"]\n');
    r.write("vendor/podinfo/Chart.yaml", CHART);
    r.write("vendor/podinfo/values.yaml", CHART_VALUES);
    r.write("vendor/podinfo/templates/deployment.yaml", TEMPLATE);
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write(
      "clusters/apps/podinfo.yaml",
      `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: apps
spec:
  chart:
    spec:
      chart: podinfo
      sourceRef:
        kind: HelmRepository
        name: podinfo
  values:
    securityContext:
      privileged: true
`,
    );
    r.commit("podinfo from the Helm repository, privileged");
    const out = await review(r.dir);
    // Rendered from vendor/podinfo (never fetched): the values line that set it.
    expect(titled(out, "PCK001").map((a) => `${a.path}:${a.start_line}`)).toEqual([
      "clusters/apps/podinfo.yaml:15",
    ]);
    expect(out.check.summary).not.toMatch(/outside the repository/);
  });

  it("lists a chart whose dependency is not vendored as not evaluated, and never downloads it", async () => {
    const r = chartRepo();
    r.write(
      "charts/web/Chart.yaml",
      `${CHART}dependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://charts.example.com\n`,
    );
    r.commit("a dependency");
    const out = await review(r.dir);
    expect(out.check.summary).toMatch(/depends on redis, which is not vendored/);
  });
});

const CORPUS = resolve(packageRoot(), "..", "shared", "corpus", "flux2-kustomize-helm-example");
const withCorpus = haveTools && existsSync(CORPUS) ? describe : describe.skip;
if (!existsSync(CORPUS)) process.stderr.write(`${CORPUS} is absent (Helm corpus test skipped)\n`);

withCorpus("Helm releases of flux2-kustomize-helm-example", () => {
  it("lists its HelmReleases (HelmRepository charts) as not evaluated, without fetching", async () => {
    const r = gitRepo();
    cpSync(CORPUS, r.dir, { recursive: true });
    rmSync(join(r.dir, ".git"), { recursive: true, force: true });
    r.git("init", "-q", "-b", "main");
    r.commit("corpus");
    r.git("checkout", "-q", "-b", "pr");
    const path = join(r.dir, "apps/base/podinfo/release.yaml");
    writeFileSync(path, readFileSync(path, "utf8").replace("tag: 8.6.2", "tag: 8.6.3"));
    r.commit("bump redis");
    const out = await review(r.dir);
    expect(out.check.summary).toMatch(
      /apps\/base\/podinfo\/release.yaml line 11: .*its chart podinfo comes from HelmRepository podinfo, outside the repository/,
    );
  });
});

/** A Flux Kustomization building the production overlay, which patches the HelmRelease's values. */
const FLUX_APPS = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/production
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`;

const VALUES_PATCH = (values: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  values:
${values}`;

withHelm("portcullis review of a HelmRelease whose values a kustomize patch changes", () => {
  it("renders the release with the patched values and reports at the patch's values line", async () => {
    const r = gitRepo();
    r.write("charts/web/Chart.yaml", CHART);
    r.write("charts/web/values.yaml", CHART_VALUES);
    r.write("charts/web/templates/deployment.yaml", TEMPLATE);
    r.write("apps/base/web/helmrelease.yaml", RELEASE("    replicas: 2\n"));
    r.write("apps/base/web/kustomization.yaml", "resources:\n  - helmrelease.yaml\n");
    r.write(
      "apps/production/kustomization.yaml",
      "resources:\n  - ../base/web\npatches:\n  - path: web-values.yaml\n",
    );
    r.write("apps/production/web-values.yaml", VALUES_PATCH("    replicas: 3\n"));
    r.write("clusters/prod/apps.yaml", FLUX_APPS);
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write(
      "apps/production/web-values.yaml",
      VALUES_PATCH("    replicas: 3\n    securityContext:\n      privileged: true\n"),
    );
    r.commit("privileged web in production");
    const out = await review(r.dir);
    expectNewPrivileged(out, "apps/production/web-values.yaml:10");
  });
});
