// Issue 23 "Done when": a repository whose releases all use an allow-listed OCI chart on the
// loopback registry is reviewed with findings on the values lines; a chart not on the allow-list
// is listed as not evaluated and never fetched.
import { runCommand } from "../support/cli.js";
import {
  haveChartTools,
  packageChart,
  startRegistry,
  type Registry,
} from "../support/chart-servers.js";
import { gitRepo } from "../support/git-repo.js";

const withTools = haveChartTools() ? describe : describe.skip;

const OCI_REPOSITORY = (address: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: web
  namespace: apps
spec:
  interval: 10m
  url: oci://${address}/charts/web
  ref:
    tag: 1.2.3
`;

const RELEASE = (name: string, privileged: boolean) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${name}
  namespace: apps
spec:
  interval: 10m
  chartRef:
    kind: OCIRepository
    name: web
  values:
    securityContext:
      privileged: ${privileged}
`;

/** The base configuration: the loopback registry's charts allow-listed, or nothing allowed. */
const config = (registry: Registry, allow: boolean) =>
  allow
    ? `render:\n  remoteCharts: ["oci://${registry.address}/charts"]\n  plainHttpRegistries: ["${registry.address}"]\n`
    : "render:\n  helm: true\n";

interface Out {
  check: { summary: string; annotations: { path: string; start_line: number; title: string }[] };
}

async function review(dir: string): Promise<Out> {
  const { stdout } = await runCommand(["review", dir, "--base", "main", "--format", "json"], dir);
  return JSON.parse(stdout) as Out;
}

/** PCK001 findings as `path:line`, sorted. */
const privilegedAt = (out: Out) =>
  out.check.annotations
    .filter((a) => a.title.startsWith("PCK001"))
    .map((a) => `${a.path}:${a.start_line}`)
    .sort();

withTools("portcullis review of releases of remote OCI charts", () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await startRegistry();
    registry.push(packageChart("web", "1.2.3"), "charts");
  });
  afterAll(() => registry.stop());

  const run = async (allow: boolean) => {
    const r = gitRepo();
    r.write(".github/portcullis.yml", config(registry, allow));
    r.write("apps/source.yaml", OCI_REPOSITORY(registry.address));
    r.write("apps/web.yaml", RELEASE("web", false));
    r.write("apps/api.yaml", RELEASE("api", false));
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write("apps/web.yaml", RELEASE("web", true));
    r.write("apps/api.yaml", RELEASE("api", true));
    r.commit("privileged releases");
    return review(r.dir);
  };

  it("fetches the allow-listed chart, renders it offline, and reports at the values lines", async () => {
    const out = await run(true);
    expect(privilegedAt(out)).toEqual(["apps/api.yaml:13", "apps/web.yaml:13"]);
    expect(out.check.summary).toContain("Helm release apps/web");
  });

  it("lists a release whose registry is not allow-listed as not evaluated at its chartRef line", async () => {
    const out = await run(false);
    expect(out.check.annotations.filter((a) => a.title.startsWith("PCK001"))).toEqual([]);
    const line = out.check.summary.split("\n").find((l) => l.includes("apps/web.yaml line 8"));
    expect(line).toMatch(/not on the allow-list|allow its registry with render.remoteCharts/);
  });
});

/** A root chart's Application whose own source is the remote OCI chart, its values from the root's values. */
const CHILD = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  source:
    repoURL: oci://{{ .Values.registry }}/charts
    chart: web
    targetRevision: 1.2.3
    helm:
      valuesObject:
{{ toYaml .Values.web | indent 8 }}
  destination:
    server: https://kubernetes.default.svc
    namespace: web
`;

withTools(
  "portcullis review of an app of apps whose child Application uses a remote OCI chart",
  () => {
    let registry: Registry;
    beforeAll(async () => {
      registry = await startRegistry();
      registry.push(packageChart("web", "1.2.3"), "charts");
    });
    afterAll(() => registry.stop());

    const run = async (allow: boolean) => {
      const r = gitRepo();
      r.git("remote", "add", "origin", "https://github.com/acme/fleet");
      r.write(".github/portcullis.yml", config(registry, allow));
      r.write(
        "root.yaml",
        `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/fleet
    path: apps
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
`,
      );
      const values = (privileged: boolean) =>
        `registry: ${registry.address}\nweb:\n  securityContext:\n    privileged: ${privileged}\n`;
      r.write("apps/Chart.yaml", "apiVersion: v2\nname: apps\nversion: 0.1.0\n");
      r.write("apps/values.yaml", values(false));
      r.write("apps/templates/web.yaml", CHILD);
      r.commit("base");
      r.git("checkout", "-q", "-b", "feature");
      r.write("apps/values.yaml", values(true));
      r.commit("privileged web");
      return review(r.dir);
    };

    it("fetches the allow-listed chart of the child Application and reports at the root chart's values line", async () => {
      const out = await run(true);
      expect(privilegedAt(out)).toEqual(["apps/values.yaml:4"]);
      expect(out.check.summary).toContain("Argo CD Application argocd/web");
    });

    it("lists the child Application whose registry is not allow-listed as not evaluated, never fetched", async () => {
      const out = await run(false);
      expect(out.check.annotations.filter((a) => a.title.startsWith("PCK001"))).toEqual([]);
      const line = out.check.summary.split("\n").find((l) => l.includes("root.yaml line 10"));
      expect(line).toMatch(/allow its repository with render.remoteCharts|not on the allow-list/);
    });
  },
);
