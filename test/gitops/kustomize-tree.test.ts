// Which kustomizations a change affects, and what a kustomization asks for that is never loaded.
import {
  affectedKustomizations,
  parseKustomization,
  pluginRefusal,
  RepoTree,
  treeOf,
  type KustomizationNode,
} from "../../src/gitops/kustomize-tree.js";
import { parseManifest } from "../../src/yaml/index.js";

function graph(files: Record<string, string>): Map<string, KustomizationNode> {
  const tree = new RepoTree(Object.keys(files));
  const nodes = new Map<string, KustomizationNode>();
  for (const file of tree.kustomizationFiles()) {
    const doc = parseManifest(file, files[file]!).documents[0]!;
    const node = parseKustomization(file, doc, tree);
    nodes.set(node.dir, node);
  }
  return nodes;
}

const REPO = {
  "base/kustomization.yaml":
    "resources: [deployment.yaml]\nconfigMapGenerator:\n  - name: cfg\n    files: [app.properties, extra=extra.env]\n",
  "base/deployment.yaml": "kind: Deployment",
  "base/app.properties": "a=b",
  "base/extra.env": "c=d",
  "components/mesh/kustomization.yaml": "kind: Component\npatches:\n  - path: sidecar.yaml\n",
  "components/mesh/sidecar.yaml": "kind: Deployment",
  "overlays/prod/kustomization.yaml":
    "resources: [../../base]\ncomponents: [../../components/mesh]\npatchesStrategicMerge: [replicas.yaml]\n",
  "overlays/prod/replicas.yaml": "kind: Deployment",
  "overlays/dev/kustomization.yaml": "resources: [../../base]\n",
  "standalone/kustomization.yaml": "resources: [cm.yaml]\n",
  "standalone/cm.yaml": "kind: ConfigMap",
};

describe("affectedKustomizations", () => {
  const nodes = graph(REPO);

  it.each([
    ["a base resource", "base/deployment.yaml", ["overlays/dev", "overlays/prod"]],
    [
      "a configMapGenerator file named key=path",
      "base/extra.env",
      ["overlays/dev", "overlays/prod"],
    ],
    ["a component's patch", "components/mesh/sidecar.yaml", ["overlays/prod"]],
    ["an overlay patch", "overlays/prod/replicas.yaml", ["overlays/prod"]],
    ["an overlay's kustomization", "overlays/dev/kustomization.yaml", ["overlays/dev"]],
    ["a file no kustomization reads", "README.yaml", []],
    ["a standalone kustomization's resource", "standalone/cm.yaml", ["standalone"]],
  ])("%s: %s -> %j", (_what, changed, expected) => {
    expect(affectedKustomizations(nodes, [changed])).toEqual(expected);
  });

  it("renders a base only as part of the overlays that build on it", () => {
    expect(affectedKustomizations(nodes, ["base/kustomization.yaml"])).not.toContain("base");
  });

  it("collects every file of a tree, through bases and components", () => {
    const tree = treeOf(nodes, "overlays/prod");
    expect(tree.dirs).toEqual(["overlays/prod", "base", "components/mesh"]);
    expect([...tree.files].sort()).toEqual([
      "base/app.properties",
      "base/deployment.yaml",
      "base/extra.env",
      "base/kustomization.yaml",
      "components/mesh/kustomization.yaml",
      "components/mesh/sidecar.yaml",
      "overlays/prod/kustomization.yaml",
      "overlays/prod/replicas.yaml",
    ]);
  });

  it("survives a cycle of kustomizations", () => {
    const cyclic = graph({
      "a/kustomization.yaml": "resources: [../b]\n",
      "b/kustomization.yaml": "resources: [../a]\n",
    });
    expect(treeOf(cyclic, "a").dirs).toEqual(["a", "b"]);
  });
});

describe("parseKustomization: what is never loaded", () => {
  const blockedOf = (text: string, extra: string[] = []) => {
    const tree = new RepoTree(["app/kustomization.yaml", "app/ok.yaml", ...extra]);
    const doc = parseManifest("app/kustomization.yaml", text).documents[0]!;
    return parseKustomization("app/kustomization.yaml", doc, tree).blocked.map(
      (b) => `${b.line}: ${b.reason}`,
    );
  };

  it.each([
    [
      "an https URL",
      "resources:\n  - ok.yaml\n  - https://example.com/x.yaml\n",
      /^3: remote resource/,
    ],
    ["a git URL", "resources:\n  - git@github.com:org/repo.git//base\n", /^2: remote resource/],
    [
      "a go-getter style URL",
      "resources:\n  - github.com/org/repo//base?ref=v1\n",
      /^2: remote resource/,
    ],
    ["a host-named path", "resources:\n  - github.com/org/repo/base\n", /^2: remote resource/],
    ["an absolute path", "resources:\n  - /etc/passwd\n", /^2: absolute path/],
    [
      "a path out of the repository",
      "resources:\n  - ../../outside\n",
      /^2: path .* leaves the repository/,
    ],
    ["a remote component", "components:\n  - https://example.com/c\n", /^2: remote resource/],
    [
      "a remote patch file",
      "patches:\n  - path: https://example.com/p.yaml\n",
      /^2: remote resource/,
    ],
    [
      "helmCharts",
      "helmCharts:\n  - name: x\n    repo: https://charts.example.com\n",
      /^1: helmCharts are never inflated/,
    ],
    ["a generator directory", "generators:\n  - gen\n", /^2: generators from the directory/],
  ])("%s", (_what, text, expected) => {
    const extra = text.includes("- gen\n") ? ["app/gen/kustomization.yaml"] : [];
    expect(blockedOf(text, extra)).toEqual([expect.stringMatching(expected)]);
  });

  it("lets local paths, inline patches and built-in plugins through", () => {
    expect(
      blockedOf(
        "resources: [ok.yaml]\npatches:\n  - patch: |-\n      kind: Deployment\n    target: {kind: Deployment}\n",
      ),
    ).toEqual([]);
  });
});

describe("pluginRefusal", () => {
  it.each([
    [{ apiVersion: "builtin", kind: "PatchTransformer" }, undefined],
    [
      {
        apiVersion: "example.com/v1",
        kind: "Gen",
        metadata: { annotations: { "config.kubernetes.io/function": "exec:\n  path: ./x\n" } },
      },
      "Gen is an exec KRM function: plugins are never run",
    ],
    [
      {
        apiVersion: "example.com/v1",
        kind: "Gen",
        metadata: { annotations: { "config.kubernetes.io/function": "container:\n  image: x\n" } },
      },
      "Gen is a containerized KRM function: plugins are never run",
    ],
    [
      { apiVersion: "someteam.example.com/v1", kind: "ChartInflator" },
      expect.stringContaining("is a kustomize plugin"),
    ],
  ])("%j -> %s", (config, expected) => {
    expect(pluginRefusal(config)).toEqual(expected);
  });
});
