// Flux Kustomizations and Argo CD Applications read as their controllers read them.
import { substituteText } from "../../src/gitops/flux-substitute.js";
import {
  applyOverlay,
  controllerTargetsOf,
  fluxSourcesOf,
} from "../../src/gitops/gitops-controllers.js";
import { RepoTree } from "../../src/gitops/kustomize-tree.js";
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

describe("substituteText (Flux post-build substitution on a resource's YAML text)", () => {
  const vars = (
    values: Record<string, string>,
    unknown: [string, string][] = [],
    external?: string,
  ) => ({
    values,
    unknown: new Map(unknown),
    ...(external ? { external } : {}),
  });
  it.each([
    ["v: ${TAG}", { TAG: "v1.2" }, "v: v1.2"],
    ["v: img:${TAG}", { TAG: "1.2" }, "v: img:1.2"],
    ["v: ${MISSING}", { X: "1" }, "v: "],
    ["v: ${MISSING:=fallback}", { X: "1" }, "v: fallback"],
    ["v: ${EMPTY:-fallback}", { EMPTY: "" }, "v: fallback"],
    ["v: ${EMPTY-fallback}", { EMPTY: "" }, "v: "],
    ["v: ${UNSET=fallback}", { X: "1" }, "v: fallback"],
    ["v: $${TAG}", { TAG: "1.2" }, "v: ${TAG}"],
    ["v: $TAG stays", { TAG: "1.2" }, "v: $TAG stays"],
    // Keys and values of any type: the text is read again afterwards.
    ["${NETKEY}: true", { NETKEY: "hostNetwork" }, "hostNetwork: true"],
    ["hostPID: ${T}${RUE}", { T: "t", RUE: "rue" }, "hostPID: true"],
    // No variables at all: Flux substitutes nothing.
    ["v: ${TAG:=x}", {}, "v: ${TAG:=x}"],
  ])("%s with %j -> %s", (text, values, expected) => {
    expect(substituteText(text, vars(values))).toEqual({ text: expected });
  });

  it("refuses what it cannot know: a Secret's value, a source outside the repository, a bash string function", () => {
    expect(substituteText("v: ${PASS}", vars({ A: "1" }, [["PASS", "Secret creds"]]))).toEqual({
      notEvaluated: "its variable PASS comes from Secret creds, whose values are never read",
    });
    expect(substituteText("v: ${B:=x}", vars({ A: "1" }, [], "ConfigMap cluster-vars"))).toEqual({
      notEvaluated:
        "its variable B may come from ConfigMap cluster-vars, which is not in the repository",
    });
    expect(substituteText("v: ${A}", vars({ A: "1" }, [], "ConfigMap cluster-vars"))).toEqual({
      text: "v: 1",
    });
    for (const form of ["${A^^}", "${#A}", "${A:0:1}", "${A:=${B}}", "${A"])
      expect(substituteText(`v: ${form}`, vars({ A: "1" }))).toEqual({
        notEvaluated: expect.stringMatching(/a substitution form Portcullis does not reproduce/),
      });
  });
});
