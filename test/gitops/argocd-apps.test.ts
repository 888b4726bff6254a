// Argo CD Applications as the repository declares them: ApplicationSet generators expanded,
// repoURL compared with the repository, multi-source `$values`.
import { argoApplicationsOf, sameRepository } from "../../src/gitops/argocd-apps.js";
import {
  argoNotEvaluated,
  controllerTargetsOf,
  fluxSourcesOf,
} from "../../src/gitops/gitops-controllers.js";
import { helmReleasesOf } from "../../src/gitops/helm-releases.js";
import { RepoTree } from "../../src/gitops/kustomize-tree.js";
import { parseManifest } from "../../src/yaml/index.js";

const SELF = "https://github.com/acme/fleet";
const tree = new RepoTree([
  "apps/web/deploy.yaml",
  "apps/api/deploy.yaml",
  "apps/old/deploy.yaml",
  "clusters/dev/config.json",
  "clusters/prod/config.json",
  "charts/web/Chart.yaml",
  "charts/web/templates/d.yaml",
  "values/prod.yaml",
]);
const data: Record<string, unknown> = {
  "clusters/dev/config.json": { cluster: { name: "dev", server: "https://dev" } },
  "clusters/prod/config.json": { cluster: { name: "prod", server: "https://prod" } },
};
const sources = fluxSourcesOf([], [SELF], (p) => data[p]);
const ctx = { tree, isSelfUrl: sources.isSelfUrl, readData: (p: string) => data[p] };

const appSet = (generators: string, template = "", goTemplate = false) =>
  parseManifest(
    "appset.yaml",
    `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
spec:
  goTemplate: ${goTemplate}
  generators:
${generators}
  template:
    metadata:
      name: ${template || "'{{path.basename}}'"}
    spec:
      source:
        repoURL: git@github.com:acme/fleet.git
        path: '${goTemplate ? "{{.path.path}}" : "{{path}}"}'
      destination:
        namespace: '${goTemplate ? "{{.path.basename}}" : "{{path.basename}}"}'
`,
  );

const names = (file: ReturnType<typeof parseManifest>) =>
  argoApplicationsOf(file, ctx).apps.map(
    (a) => (a.doc.value as { metadata: { name: string } }).metadata.name,
  );

describe("repoURL", () => {
  it("compares https, ssh and .git forms as one repository", () => {
    expect(sameRepository("git@github.com:Acme/fleet.git")).toBe("github.com/acme/fleet");
    expect(sameRepository("ssh://git@github.com/acme/fleet")).toBe("github.com/acme/fleet");
    expect(sameRepository("https://github.com/acme/fleet.git/")).toBe("github.com/acme/fleet");
    expect(sources.isSelfUrl("ssh://git@github.com/acme/fleet.git")).toBe(true);
    expect(sources.isSelfUrl("https://github.com/acme/other")).toBe(false);
    expect(fluxSourcesOf([]).isSelfUrl(SELF)).toBeUndefined();
  });

  it("never builds another repository's Application from this repository's path: not evaluated, at repoURL", () => {
    const file = parseManifest(
      "app.yaml",
      `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: theirs
spec:
  source:
    repoURL: https://github.com/other/repo
    path: apps/web
`,
    );
    expect(controllerTargetsOf(file, tree, sources, { flux: true, argocd: true })).toEqual([]);
    expect(argoNotEvaluated(file, tree, sources)).toEqual([
      {
        file: "app.yaml",
        line: 7,
        reason:
          "not evaluated: other repository (Argo CD Application theirs builds https://github.com/other/repo)",
      },
    ]);
    // This repository's URL unknown: not guessed either.
    expect(argoNotEvaluated(file, tree, fluxSourcesOf([]))[0]!.reason).toMatch(
      /cannot be compared with this repository/,
    );
  });

  it("reads $values from the source with that ref when it is this repository, and refuses another's", () => {
    const app = (valuesRepo: string) =>
      parseManifest(
        "app.yaml",
        `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  destination:
    namespace: prod
  sources:
    - repoURL: ${SELF}
      path: charts/web
      helm:
        valueFiles: [$values/values/prod.yaml]
    - repoURL: ${valuesRepo}
      ref: values
`,
      );
    const [own] = helmReleasesOf(app(`${SELF}.git`), tree, sources, { flux: false, argocd: true });
    expect(own).toMatchObject({
      chartDir: "charts/web",
      values: [{ kind: "file", file: "values/prod.yaml" }],
    });
    expect(own!.refusal).toBeUndefined();
    const [other] = helmReleasesOf(app("https://github.com/other/values"), tree, sources, {
      flux: false,
      argocd: true,
    });
    expect(other!.refusal).toBe(
      "its values file $values/values/prod.yaml comes from another repository (https://github.com/other/values)",
    );
  });
});

describe("ApplicationSet generators", () => {
  it("expands git directories (with an exclusion) into Applications that build those folders", () => {
    const file = appSet(`    - git:
        repoURL: ${SELF}
        revision: HEAD
        directories:
          - path: apps/*
          - path: apps/old
            exclude: true`);
    expect(names(file)).toEqual(["api", "web"]);
    const targets = controllerTargetsOf(file, tree, sources, { flux: false, argocd: true });
    expect(targets.map((t) => [t.dir, t.defaultNamespace, t.controller.pathField])).toEqual([
      ["apps/api", "api", ["spec", "template", "spec", "source", "path"]],
      ["apps/web", "web", ["spec", "template", "spec", "source", "path"]],
    ]);
    // The generated Application's fields are found in the ApplicationSet's template.
    expect(targets[0]!.controller).toMatchObject({ file: "appset.yaml", name: "api" });
  });

  it("expands git files, list, matrix and merge; Go templates with plain fields", () => {
    const files = appSet(
      `    - git:
        repoURL: ${SELF}
        revision: HEAD
        files:
          - path: clusters/*/config.json`,
      "'{{cluster.name}}-{{path.basename}}'",
    );
    expect(names(files)).toEqual(["dev-dev", "prod-prod"]);
    const matrix = appSet(
      `    - matrix:
        generators:
          - list:
              elements: [{env: a}, {env: b}]
          - git:
              repoURL: ${SELF}
              directories: [{path: apps/web}]`,
      "'{{env}}-{{path.basename}}'",
    );
    expect(names(matrix)).toEqual(["a-web", "b-web"]);
    const merge = appSet(
      `    - merge:
        mergeKeys: [env]
        generators:
          - list:
              elements:
                - {env: a, x: "1", path: apps/web, path.basename: web}
                - {env: b, x: "2", path: apps/api, path.basename: api}
          - list:
              elements: [{env: b, x: "9"}, {env: c, x: "7"}]`,
      "'{{env}}-{{x}}'",
    );
    // The later generator overrides by merge key; a set only it has is not added.
    expect(names(merge)).toEqual(["a-1", "b-9"]);
    const unfilled = appSet(
      `    - list:
        elements: [{env: a}]`,
      "'{{env}}'",
    );
    // Without a path parameter the template's path cannot be filled in: refused, not guessed.
    expect(argoApplicationsOf(unfilled, ctx).refusals[0]!.reason).toMatch(/\{\{path\}\}/);
    const go = appSet(
      `    - git:
        repoURL: ${SELF}
        directories: [{path: apps/web}]`,
      "'{{ .path.basename }}-go'",
      true,
    );
    expect(names(go)).toEqual(["web-go"]);
  });

  it("refuses generators that depend on the cluster or other repositories, and Go template functions", () => {
    const clusters = appSet("    - clusters: {}");
    expect(argoNotEvaluated(clusters, tree, sources)).toEqual([
      expect.objectContaining({
        line: 7,
        reason: "its clusters generator depends on what is outside the repository",
      }),
    ]);
    const foreign = appSet(`    - git:
        repoURL: https://github.com/other/repo
        directories: [{path: apps/*}]`);
    expect(argoApplicationsOf(foreign, ctx).refusals[0]!.reason).toMatch(
      /^not evaluated: other repository/,
    );
    const fn = appSet(
      `    - git:
        repoURL: ${SELF}
        directories: [{path: apps/web}]`,
      "'{{ .path.basename | upper }}'",
      true,
    );
    expect(argoApplicationsOf(fn, ctx).apps).toEqual([]);
    expect(argoApplicationsOf(fn, ctx).refusals[0]!.reason).toMatch(/cannot be filled in/);
  });
});
