// Helm releases read as Flux and Argo CD read them, and rendered fields mapped back to values.
import { controllerTargetsOf, fluxSourcesOf } from "../../src/gitops/gitops-controllers.js";
import {
  helmReleasesOf,
  missingDependency,
  renderedField,
  splitHelmOutput,
  templateKindLine,
  valuesKeyOf,
} from "../../src/gitops/helm-releases.js";
import { RepoTree } from "../../src/gitops/kustomize-tree.js";
import { parseManifest } from "../../src/yaml/index.js";

const tree = new RepoTree([
  "charts/web/Chart.yaml",
  "charts/web/templates/deployment.yaml",
  "charts/web/values-prod.yaml",
  "charts/web/charts/redis/Chart.yaml",
  "apps/plain/deployment.yaml",
]);
const ALL = { flux: true, argocd: true };
/** This repository, as its git remote names it (ssh): Argo CD's https repoURL is the same. */
const SELF = "git@github.com:acme/fleet.git";
const releasesOf = (text: string) =>
  helmReleasesOf(parseManifest("r.yaml", text), tree, fluxSourcesOf([], [SELF]), ALL);

const fluxRelease = (chart: string, sourceKind = "GitRepository", extra = "") => `
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  targetNamespace: prod
  chart:
    spec:
      chart: ${chart}
      sourceRef:
        kind: ${sourceKind}
        name: flux-system
        namespace: flux-system
${extra}`;

describe("helmReleasesOf", () => {
  it("reads a Flux HelmRelease of a chart in this repository, with its values in Flux's order", () => {
    const [r] = releasesOf(
      fluxRelease(
        "./charts/web",
        "GitRepository",
        "  valuesFrom:\n    - kind: ConfigMap\n      name: web-values\n  values:\n    replicas: 2\n",
      ),
    );
    expect(r).toMatchObject({
      release: "prod-web",
      namespace: "prod",
      chartDir: "charts/web",
      refusal: undefined,
      values: [
        { kind: "ConfigMap", name: "web-values", key: "values.yaml", namespace: "apps" },
        { kind: "inline", path: ["spec", "values"] },
      ],
    });
    expect(r!.controller).toMatchObject({
      kind: "Flux HelmRelease",
      pathField: ["spec", "chart", "spec", "chart"],
    });
  });

  it.each([
    ["a HelmRepository chart", fluxRelease("podinfo", "HelmRepository"), /HelmRepository/],
    ["a path without a Chart.yaml", fluxRelease("./apps/plain"), /no Chart.yaml/],
    [
      "values from a Secret",
      fluxRelease(
        "./charts/web",
        "GitRepository",
        "  valuesFrom:\n    - kind: Secret\n      name: s\n",
      ),
      /Secret s, whose values are never read/,
    ],
  ])("refuses %s", (_, text, why) => {
    expect(releasesOf(text)[0]!.refusal).toMatch(why);
  });

  it("skips an overlay's patch of a HelmRelease (no chart named)", () => {
    const patch =
      "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\nspec:\n  values:\n    a: 1\n";
    expect(releasesOf(patch)).toEqual([]);
  });

  it("reads an Argo CD Application of a chart folder, and refuses a remote chart", () => {
    const app = `
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  destination:
    namespace: prod
  sources:
    - path: charts/web
      repoURL: https://github.com/acme/fleet
      helm:
        valueFiles: [values-prod.yaml]
        values: |
          replicas: 3
        valuesObject:
          replicas: 4
    - chart: redis
      repoURL: https://charts.example.com
`;
    const [local, remote] = releasesOf(app);
    expect(local).toMatchObject({
      release: "web",
      namespace: "prod",
      chartDir: "charts/web",
      values: [
        { kind: "file", file: "charts/web/values-prod.yaml" },
        { kind: "inline-text", path: ["spec", "sources", 0, "helm", "values"] },
        { kind: "inline", path: ["spec", "sources", 0, "helm", "valuesObject"] },
      ],
    });
    expect(remote!.refusal).toMatch(/chart redis comes from https:\/\/charts.example.com/);
    expect(remote!.controller.pathField).toEqual(["spec", "sources", 1, "chart"]);
  });
});

it("leaves an Argo CD Application of a chart folder to helm, not to kustomize", () => {
  const app = parseManifest(
    "app.yaml",
    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\nspec:\n  source:\n    repoURL: https://github.com/acme/fleet\n    path: charts/web\n",
  );
  expect(controllerTargetsOf(app, tree, fluxSourcesOf([], [SELF]), ALL)).toEqual([]);
  expect(helmReleasesOf(app, tree, fluxSourcesOf([], [SELF]), ALL)).toHaveLength(1);
});

describe("missingDependency", () => {
  it("accepts a vendored dependency and refuses one that would be downloaded", () => {
    const deps = (name: string) => ({ dependencies: [{ name, repository: "https://x" }] });
    expect(missingDependency("charts/web", deps("redis"), tree)).toBeUndefined();
    expect(missingDependency("charts/web", deps("postgres"), tree)).toMatch(
      /depends on postgres, which is not vendored under charts\/web\/charts\//,
    );
  });
});

describe("helm output and the mapping of findings", () => {
  it("names each document's template as a repository path, subcharts included", () => {
    const out = `---
# Source: web/templates/deployment.yaml
kind: Deployment
---
# Source: web/charts/redis/templates/sts.yaml
kind: StatefulSet
`;
    expect(splitHelmOutput(out, "charts/web").map((d) => d.template)).toEqual([
      "charts/web/templates/deployment.yaml",
      "charts/web/charts/redis/templates/sts.yaml",
    ]);
  });

  it("finds a template's kind line", () => {
    expect(templateKindLine("{{- if .Values.on }}\napiVersion: v1\nkind: Pod\n")).toBe(3);
    expect(templateKindLine('{{ include "x" . }}\n')).toBe(1);
  });

  it.each([
    [
      "the key named as the field, with the same value",
      { securityContext: { privileged: true } },
      ["securityContext", "privileged"],
    ],
    [
      "the last of several",
      { a: { privileged: true }, b: { privileged: true } },
      ["b", "privileged"],
    ],
    ["not a key of another name", { enablePrivileged: true }, undefined],
    ["not a different value", { privileged: false }, undefined],
    ["the same value written as a string", { privileged: "true" }, ["privileged"]],
  ])("maps a rendered field to %s", (_, values, key) => {
    expect(valuesKeyOf(values, "privileged", true)).toEqual(key);
  });

  it("reads the rendered scalar a finding points at, and nothing for objects or list items", () => {
    const rendered = { spec: { containers: [{ securityContext: { privileged: true } }] } };
    expect(
      renderedField(rendered, ["spec", "containers", 0, "securityContext", "privileged"]),
    ).toEqual({ field: "privileged", value: true });
    expect(renderedField(rendered, ["spec", "containers", 0, "securityContext"])).toBeUndefined();
    expect(renderedField(rendered, ["spec", "containers", 0])).toBeUndefined();
  });
});

describe("remote charts of Flux releases", () => {
  const files = parseManifest(
    "apps.yaml",
    `apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata:
  name: web
  namespace: apps
spec:
  url: oci://ghcr.io/acme/charts/web
  ref:
    tag: 1.2.3
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  chartRef:
    kind: OCIRepository
    name: web
`,
  );
  const sources = fluxSourcesOf([files]);

  it("renders a chartRef OCIRepository release from the vendored copy its OCI address names", () => {
    for (const key of ["oci://ghcr.io/acme/charts/web", "ghcr.io/acme/charts/web", "web"]) {
      const [release] = helmReleasesOf(files, tree, sources, {
        ...ALL,
        vendoredCharts: new Map([[key, "charts/web"]]),
      });
      expect(release).toMatchObject({ chartDir: "charts/web", refusal: undefined });
    }
  });

  it("fetches it only when the allow-list covers it, pinned by the OCIRepository's ref", () => {
    const [allowed] = helmReleasesOf(files, tree, sources, {
      ...ALL,
      remoteCharts: ["oci://ghcr.io/acme"],
    });
    expect(allowed!.remote).toEqual({
      kind: "oci",
      url: "oci://ghcr.io/acme/charts/web",
      tag: "1.2.3",
      digest: undefined,
    });
    const [other] = helmReleasesOf(files, tree, sources, {
      ...ALL,
      remoteCharts: ["oci://ghcr.io/other"],
    });
    expect(other!.remote).toBeUndefined();
    expect(other!.refusal).toMatch(/not on the allow-list/);
  });

  // Regression: the allow-list check of a remote chart overwrote the refusal of a Secret in
  // valuesFrom, so a release whose values cannot be read was fetched and rendered without them.
  const secretValues = "  valuesFrom:\n    - kind: Secret\n      name: creds\n";
  const helmRepository = `apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata:
  name: podinfo
  namespace: flux-system
spec:
  url: https://stefanprodan.github.io/podinfo
---
${fluxRelease("podinfo", "HelmRepository", secretValues)
  .replace("name: flux-system", "name: podinfo")
  .replace("chart: podinfo\n", "chart: podinfo\n      version: 6.5.0\n")}`;
  it.each([
    [
      "chartRef OCIRepository",
      `${files.text}  valuesFrom:\n    - kind: Secret\n      name: creds\n`,
      ["oci://ghcr.io/acme"],
    ],
    ["HelmRepository source", helmRepository, ["https://stefanprodan.github.io/podinfo"]],
  ])(
    "keeps the refusal of a Secret in valuesFrom when the %s chart is allow-listed",
    (_, text, remoteCharts) => {
      const parsed = parseManifest("apps.yaml", text);
      const releases = helmReleasesOf(parsed, tree, fluxSourcesOf([parsed]), {
        ...ALL,
        remoteCharts,
      });
      const release = releases.find((r) => r.controller.kind === "Flux HelmRelease");
      expect(release!.refusal).toMatch(/Secret creds, whose values are never read/);
      expect(release!.remote).toBeUndefined();
      // Without the Secret the same release is fetched: the allow-list is what was tested.
      const without = parseManifest("apps.yaml", text.replace(/  valuesFrom:[\s\S]*creds\n/, ""));
      const [fetched] = helmReleasesOf(without, tree, fluxSourcesOf([without]), {
        ...ALL,
        remoteCharts,
      });
      expect(fetched!.refusal).toBeUndefined();
      expect(fetched!.remote).toBeDefined();
    },
  );

  it("keeps the refusal of a Secret in valuesFrom for a vendored copy of a remote chart", () => {
    const parsed = parseManifest(
      "apps.yaml",
      `${files.text}  valuesFrom:\n    - kind: Secret\n      name: creds\n`,
    );
    const [release] = helmReleasesOf(parsed, tree, fluxSourcesOf([parsed]), {
      ...ALL,
      vendoredCharts: new Map([["web", "charts/web"]]),
    });
    expect(release).toMatchObject({ chartDir: "charts/web" });
    expect(release!.refusal).toMatch(/Secret creds, whose values are never read/);
  });
});
