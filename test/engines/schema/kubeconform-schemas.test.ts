// The benchmark's peer is given the same knowledge as kube-schema: scripts/kubeconform-schemas.mjs
// writes kubeconform's standalone-strict JSON schemas from the OpenAPI documents kube-schema embeds
// and the CRDs given. Its form is checked here; the files need `npm run build:schema` (skipped
// without them). kubeconform itself runs only in the benchmark (npm run bench).
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../../src/adapters/fs/policy-bundle.js";
// @ts-expect-error: a plain ES module script without types
import * as script from "../../../scripts/kubeconform-schemas.mjs";

const { schemaFileName, strictSchema, writeKubeconformSchemas } = script as {
  schemaFileName: (group: string, version: string, kind: string) => string;
  strictSchema: (schema: unknown, refs?: Set<string>) => unknown;
  writeKubeconformSchemas: (out: string, version?: string, crds?: string[]) => { kinds: number };
};

describe("kubeconform's schemas made offline", () => {
  it("names each kind's file as kubeconform's registry looks it up", () => {
    expect(schemaFileName("", "v1", "ConfigMap")).toBe("configmap-v1.json");
    expect(schemaFileName("apps", "v1", "Deployment")).toBe("deployment-apps-v1.json");
    expect(schemaFileName("networking.k8s.io", "v1", "Ingress")).toBe("ingress-networking-v1.json");
  });

  it("is strict: an object with properties allows no other, unless it preserves unknown fields", () => {
    const schema = {
      type: "object",
      properties: {
        spec: { type: "object", properties: { a: { type: "string", nullable: true } } },
        extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: {} },
        labels: { type: "object", additionalProperties: { type: "string" } },
        port: { format: "int-or-string", oneOf: [{ type: "integer" }, { type: "string" }] },
        meta: { allOf: [{ $ref: "#/components/schemas/io.k8s.ObjectMeta" }] },
      },
    };
    const refs = new Set<string>();
    expect(strictSchema(schema, refs)).toEqual({
      type: "object",
      additionalProperties: false,
      properties: {
        spec: {
          type: "object",
          additionalProperties: false,
          properties: { a: { type: ["string", "null"], nullable: true } },
        },
        extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: {} },
        labels: { type: "object", additionalProperties: { type: "string" } },
        port: { oneOf: [{ type: "integer" }, { type: "string" }] },
        meta: { allOf: [{ $ref: "#/definitions/io.k8s.ObjectMeta" }] },
      },
    });
    expect([...refs]).toEqual(["io.k8s.ObjectMeta"]);
  });

  const built = existsSync(join(packageRoot(), "tools", "kube-schema", "schemas", "manifest.json"));
  (built ? it : it.skip)(
    `writes every built-in kind self-contained, the bundled CRDs and a repository's${built ? "" : " (skipped: npm run build:schema)"}`,
    () => {
      const out = mkdtempSync(join(tmpdir(), "portcullis-kubeconform-"));
      const crd = join(out, "crd.yaml");
      writeFileSync(
        crd,
        `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object}}}}}
    - {name: v0, served: false, storage: false, schema: {openAPIV3Schema: {type: object}}}
`,
      );
      const made = writeKubeconformSchemas(join(out, "schemas"), undefined, [crd]);
      expect(made.kinds).toBeGreaterThan(200);
      const read = (f: string) => JSON.parse(readFileSync(join(out, "schemas", f), "utf8"));
      const deployment = read("deployment-apps-v1.json");
      expect(deployment.additionalProperties).toBe(false);
      expect(JSON.stringify(deployment)).not.toContain("#/components/");
      expect(Object.keys(deployment.definitions)).toContain(
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
      );
      expect(read("kustomization-kustomize-v1.json").properties.spec).toBeDefined();
      expect(read("widget-example-v1.json").additionalProperties).toBe(false);
      expect(existsSync(join(out, "schemas", "widget-example-v0.json"))).toBe(false);
    },
  );
});
