// kustomize's images: entries located, and matched to the image they produce.
import { parseManifest } from "../../src/yaml/index.js";
import {
  imageOverrideFor,
  imageOverridesOf,
  isImagePath,
  splitImage,
} from "../../src/gitops/image-overrides.js";

const KUSTOMIZATION = `resources: [../base]
images:
  - name: registry.example.com:5000/web
    newTag: "1.2"
  - name: nginx
    newName: mirror.example.com/nginx
  - name: redis
    digest: sha256:0123
`;

describe("image overrides", () => {
  const overrides = imageOverridesOf(parseManifest("o/kustomization.yaml", KUSTOMIZATION));

  it("splits references as kustomize does (a registry port is not a tag)", () => {
    expect(splitImage("registry.example.com:5000/web")).toEqual({
      name: "registry.example.com:5000/web",
    });
    expect(splitImage("web:1.0@sha256:ab")).toEqual({
      name: "web",
      tag: "1.0",
      digest: "sha256:ab",
    });
  });

  it("finds the line of the field that produced the rendered image", () => {
    expect(imageOverrideFor(overrides, "registry.example.com:5000/web:1.2")).toEqual({
      file: "o/kustomization.yaml",
      lines: { start: 4, end: 4 },
    });
    expect(imageOverrideFor(overrides, "mirror.example.com/nginx:1.25")?.lines.start).toBe(6);
    expect(imageOverrideFor(overrides, "redis@sha256:0123")?.lines.start).toBe(8);
  });

  it("does not claim an image the entries did not produce", () => {
    expect(imageOverrideFor(overrides, "registry.example.com:5000/web:1.3")).toBeUndefined();
    expect(imageOverrideFor(overrides, "nginx:1.25")).toBeUndefined();
    expect(imageOverrideFor(overrides, 42)).toBeUndefined();
  });

  it("knows a container's image field", () => {
    expect(isImagePath(["spec", "template", "spec", "containers", 0, "image"])).toBe(true);
    expect(isImagePath(["spec", "initContainers", 1, "image"])).toBe(true);
    expect(isImagePath(["spec", "image"])).toBe(false);
  });
});
