// Flux Kustomizations and Argo CD Applications read as their controllers read them.
import {
  applyOverlay,
  controllerTargetsOf,
  fluxSourcesOf,
  substituteVariables,
} from "../../src/core/gitops-controllers.js";
import { RepoTree } from "../../src/core/kustomize-tree.js";
import { parseManifest } from "../../src/yaml/index.js";

const tree = new RepoTree([
  "apps/web/deployment.yaml",
  "apps/api/kustomization.yaml",
  "tenant/x.yaml",
]);
const ALL = { flux: true, argocd: true };

const fluxKustomization = (
  name: string,
  source: string,
  path: string,
  kind = "GitRepository",
) => `---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  sourceRef:
    kind: ${kind}
    name: ${source}
  path: ${path}
`;

const gitRepository = (name: string, url: string) => `---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: ${name}
  namespace: flux-system
spec:
  url: ${url}
`;

describe("controllerTargetsOf", () => {
  it("renders a Flux Kustomization only when its source is this repository", () => {
    const file = parseManifest(
      "clusters/prod.yaml",
      gitRepository("flux-system", "ssh://git@github.com/acme/fleet.git") +
        gitRepository("fleet-again", "https://github.com/acme/fleet") +
        gitRepository("tenant", "https://github.com/acme/tenant") +
        fluxKustomization("web", "flux-system", "./apps/web") +
        fluxKustomization("api", "fleet-again", "./apps/api") +
        fluxKustomization("tenant", "tenant", "./tenant") +
        fluxKustomization("oci", "flux-system", "./apps/web", "OCIRepository") +
        fluxKustomization("elsewhere", "flux-system", "./not/here"),
    );
    const targets = controllerTargetsOf(file, tree, fluxSourcesOf([file]), ALL);
    expect(targets.map((t) => `${t.controller.name} -> ${t.dir}`)).toEqual([
      "web -> apps/web",
      "api -> apps/api",
    ]);
  });

  it("follows an ExternalArtifact through the ArtifactGenerator's copy rules", () => {
    const file = parseManifest(
      "clusters/prod.yaml",
      `apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata:
  name: gen
  namespace: flux-system
spec:
  sources:
    - alias: mono
      kind: GitRepository
      name: flux-system
  artifacts:
    - name: apps
      copy:
        - from: "@mono/apps/**"
          to: "@artifact/"
` + fluxKustomization("web", "apps", "./web", "ExternalArtifact"),
    );
    const [target] = controllerTargetsOf(file, tree, fluxSourcesOf([file]), ALL);
    expect(target?.dir).toBe("apps/web");
  });

  it("reads an Argo CD Application's path, kustomize options and destination namespace", () => {
    const file = parseManifest(
      "argocd/web.yaml",
      `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  source:
    repoURL: https://github.com/acme/fleet
    path: apps/api
    kustomize:
      namePrefix: prod-
      images: [ghcr.io/acme/api=ghcr.io/acme/api:2.0.0, nginx:1.27]
      patches:
        - target: {kind: Deployment}
          patch: |-
            - op: add
              path: /spec/replicas
              value: 3
  destination:
    namespace: shop
`,
    );
    const [target] = controllerTargetsOf(
      file,
      tree,
      fluxSourcesOf([], ["https://github.com/acme/fleet.git"]),
      ALL,
    );
    expect(target).toMatchObject({
      dir: "apps/api",
      defaultNamespace: "shop",
      controller: {
        kind: "Argo CD Application",
        name: "web",
        pathField: ["spec", "source", "path"],
      },
      overlay: {
        namePrefix: "prod-",
        images: [
          { name: "ghcr.io/acme/api", newTag: "2.0.0" },
          { name: "nginx", newTag: "1.27" },
        ],
      },
      patches: [
        {
          file: "argocd/web.yaml",
          inline: { path: ["spec", "source", "kustomize", "patches", 0, "patch"] },
        },
      ],
    });
  });
});

describe("applyOverlay", () => {
  it("adds a controller's fields to the folder's kustomization as Flux does", () => {
    expect(
      applyOverlay(
        {
          resources: ["a.yaml"],
          patches: [{ path: "p.yaml" }],
          images: [{ name: "web", newTag: "1" }],
        },
        {
          namespace: "prod",
          patches: [{ patch: "x" }],
          images: [{ name: "web", newName: "ghcr.io/web" }],
        },
      ),
    ).toEqual({
      resources: ["a.yaml"],
      namespace: "prod",
      patches: [{ path: "p.yaml" }, { patch: "x" }],
      images: [{ name: "web", newTag: "1", newName: "ghcr.io/web" }],
    });
  });
});

describe("substituteVariables", () => {
  it.each([
    ["${TAG}", { TAG: "v1.2" }, "v1.2"],
    // As Flux substitutes the YAML text: a value alone is read again, so 1.2 is a number.
    ["${TAG}", { TAG: "1.2" }, 1.2],
    ["img:${TAG}", { TAG: "1.2" }, "img:1.2"],
    ["${REPLICAS}", { REPLICAS: "3" }, 3],
    ["${ENABLED}", { ENABLED: "true" }, true],
    ["${MISSING}", {}, ""],
    ["${MISSING:=fallback}", {}, "fallback"],
    ["${EMPTY:-fallback}", { EMPTY: "" }, "fallback"],
    ["${EMPTY-fallback}", { EMPTY: "" }, ""],
    ["$${TAG}", { TAG: "1.2" }, "${TAG}"],
    ["$TAG stays", { TAG: "1.2" }, "$TAG stays"],
  ])("%s with %j -> %j", (text, vars, expected) => {
    expect(substituteVariables({ v: text }, vars)).toEqual({ v: expected });
  });
});
