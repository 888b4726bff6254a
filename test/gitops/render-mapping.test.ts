// Fields of a rendered resource mapped back to the patch that set them, else to their source line.
import type { PatchSource } from "../../src/gitops/kustomize-tree.js";
import { parseManifest, type ParsedFile } from "../../src/yaml/index.js";
import {
  loadPatch,
  locateInPatches,
  originDocument,
  takeOrigin,
  translatePath,
  type PatchedResource,
} from "../../src/gitops/render-mapping.js";

const rendered: PatchedResource = {
  value: {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "prod-web", namespace: "prod" },
    spec: {
      template: {
        spec: {
          containers: [
            { name: "sidecar", image: "envoy:1" },
            { name: "web", image: "web:1", securityContext: { privileged: true } },
          ],
        },
      },
    },
  },
  resource: { apiVersion: "apps/v1", kind: "Deployment", namespace: "prod", name: "prod-web" },
  sourceName: "web",
};
const PRIVILEGED = ["spec", "template", "spec", "containers", 1, "securityContext", "privileged"];

function files(entries: Record<string, string>): (path: string) => ParsedFile | undefined {
  const parsed = new Map(Object.entries(entries).map(([p, t]) => [p, parseManifest(p, t)]));
  return (p) => parsed.get(p);
}

function patches(sources: PatchSource[], entries: Record<string, string>) {
  const file = files(entries);
  return sources.map((s) => loadPatch(s, file)!);
}

describe("locateInPatches", () => {
  it("finds a strategic merge patch line, matching list elements by name", () => {
    const loaded = patches([{ file: "p.yaml" }], {
      "p.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          securityContext:
            privileged: true
`,
    });
    expect(locateInPatches(loaded, rendered, PRIVILEGED)).toMatchObject({
      file: "p.yaml",
      lines: { start: 11, end: 11 },
      documentIndex: 0,
      source: {
        path: ["spec", "template", "spec", "containers", 0, "securityContext", "privileged"],
      },
    });
  });

  it("never lets a patch for one resource claim another whose name contains it", () => {
    // A patch for Deployment "we" must not claim "web"'s privileged field (its source name is web).
    const loaded = patches([{ file: "p.yaml" }], {
      "p.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: we\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          securityContext:\n            privileged: true\n",
    });
    expect(locateInPatches(loaded, rendered, PRIVILEGED)).toBeUndefined();
  });

  it("skips a patch that does not set the field, and one aimed at another resource", () => {
    const loaded = patches([{ file: "a.yaml" }, { file: "b.yaml" }], {
      "a.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
      "b.yaml":
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          securityContext:\n            privileged: true\n",
    });
    expect(locateInPatches(loaded, rendered, PRIVILEGED)).toBeUndefined();
  });

  it("takes the patch applied last when two set the field", () => {
    const patch = (v: string) =>
      `kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          securityContext:\n            privileged: ${v}\n`;
    const loaded = patches([{ file: "first.yaml" }, { file: "last.yaml" }], {
      "first.yaml": patch("false"),
      "last.yaml": patch("true"),
    });
    expect(locateInPatches(loaded, rendered, PRIVILEGED)?.file).toBe("last.yaml");
  });

  it("maps a line of an inline patch to the line of the kustomization that holds it", () => {
    const kustomization = `resources: [../base]
patches:
  - target:
      kind: Deployment
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: web
      spec:
        template:
          spec:
            containers:
              - name: web
                securityContext:
                  privileged: true
`;
    const loaded = patches(
      [
        {
          file: "k.yaml",
          inline: { documentIndex: 0, path: ["patches", 0, "patch"] },
          target: { kind: "Deployment" },
        },
      ],
      { "k.yaml": kustomization },
    );
    expect(locateInPatches(loaded, rendered, PRIVILEGED)).toEqual({
      file: "k.yaml",
      lines: { start: 16, end: 16 },
    });
  });

  it("finds the JSON 6902 operation that sets the field, or its value's inner line", () => {
    const loaded = patches([{ file: "ops.yaml", target: { kind: "Deployment", name: "web" } }], {
      "ops.yaml": `- op: replace
  path: /spec/replicas
  value: 3
- op: add
  path: /spec/template/spec/containers/1/securityContext
  value:
    privileged: true
`,
    });
    expect(locateInPatches(loaded, rendered, PRIVILEGED)?.lines).toEqual({ start: 7, end: 7 });
    expect(
      locateInPatches(loaded, rendered, ["spec", "template", "spec", "containers", 0, "image"]),
    ).toBeUndefined();
  });

  it("points at a JSON 6902 remove operation for a field it removed", () => {
    const loaded = patches([{ file: "ops.yaml", target: { kind: "Deployment" } }], {
      "ops.yaml": "- op: remove\n  path: /spec/template/spec/containers/1/securityContext\n",
    });
    expect(locateInPatches(loaded, rendered, PRIVILEGED)?.lines).toEqual({ start: 1, end: 2 });
  });

  it("honours a target's name regex and label selector", () => {
    const source = (target: object): PatchSource => ({ file: "p.yaml", target, json6902: true });
    const entries = {
      "p.yaml":
        "- op: add\n  path: /spec/template/spec/containers/1/securityContext\n  value: {privileged: true}\n",
    };
    expect(
      locateInPatches(patches([source({ name: "prod-.*" })], entries), rendered, PRIVILEGED),
    ).toBeDefined();
    expect(
      locateInPatches(patches([source({ name: "api" })], entries), rendered, PRIVILEGED),
    ).toBeUndefined();
    expect(
      locateInPatches(
        patches([source({ labelSelector: "tier=web" })], entries),
        rendered,
        PRIVILEGED,
      ),
    ).toBeUndefined();
  });
});

describe("origin", () => {
  it("reads kustomize's origin annotation relative to the wrapper, and removes it", () => {
    const value = {
      kind: "Deployment",
      metadata: {
        name: "web",
        annotations: { "config.kubernetes.io/origin": "path: ../base/web.yaml\n" },
      },
    };
    expect(takeOrigin(value, ".portcullis-render")).toEqual({
      file: "base/web.yaml",
      configuredIn: undefined,
      generator: undefined,
    });
    expect(value.metadata).toEqual({ name: "web" });
  });

  it("reads a generator's origin", () => {
    const value = {
      kind: "ConfigMap",
      metadata: {
        name: "cfg-abc",
        annotations: {
          "config.kubernetes.io/origin":
            "configuredIn: ../app/kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n",
          keep: "me",
        },
      },
    };
    expect(takeOrigin(value, ".portcullis-render")).toEqual({
      file: undefined,
      configuredIn: "app/kustomization.yaml",
      generator: "ConfigMapGenerator",
    });
    expect(value.metadata.annotations).toEqual({ keep: "me" });
  });

  it("finds the source document by kind and the name before prefixes", () => {
    const file = parseManifest(
      "base.yaml",
      "kind: Service\nmetadata:\n  name: web\n---\nkind: Deployment\nmetadata:\n  name: web\n---\nkind: Deployment\nmetadata:\n  name: api\n",
    );
    expect(originDocument(file, rendered.resource)?.index).toBe(1);
  });

  it("translates list indexes by name, and stops where the source has no such field", () => {
    const source = {
      spec: { template: { spec: { containers: [{ name: "web", image: "web:1" }] } } },
    };
    expect(translatePath(rendered.value, PRIVILEGED, source, true)).toEqual({
      path: ["spec", "template", "spec", "containers", 0],
      complete: false,
    });
  });
});
