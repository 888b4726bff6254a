import { createHash } from "node:crypto";
import { assembleFindings, fingerprintOf, type AssembleContext } from "../../src/core/findings.js";
import { parseManifest } from "../../src/yaml/index.js";

/** The digest a fingerprint has always been: createHash's, its first 10 bytes in hex. */
const reference = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 20);

const CONTEXT: AssembleContext = {
  rules: new Map(),
  policy: { enabled: () => true, severity: () => undefined },
  today: "2026-12-07",
};

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  replicas: 2 # portcullis:ignore PCK010 -- two are enough for this test
---
data: {}
`;

describe("fingerprintOf", () => {
  it("names a resource by apiVersion/kind/namespace/name, with the same bytes as before", () => {
    const resource = { apiVersion: "apps/v1", kind: "Deployment", namespace: "prod", name: "web" };
    expect(fingerprintOf("PCK001", "a.yaml", 0, resource, ["spec", 0])).toBe(
      reference('PCK001\u0000apps/v1/Deployment/prod/web\u0000["spec",0]'),
    );
  });

  it("names a document without a name by its file and index", () => {
    expect(fingerprintOf("PCS003", "dir/a.yaml", 3, undefined, [])).toBe(
      reference("PCS003\u0000dir/a.yaml#3\u0000[]"),
    );
    expect(fingerprintOf("PCS001", "a.yaml", undefined, undefined, ["bad"])).toBe(
      reference('PCS001\u0000a.yaml#\u0000["bad"]'),
    );
  });
});

describe("assembleFindings", () => {
  const file = parseManifest("apps/web.yaml", MANIFEST);
  const [deployment, other] = file.documents;

  it("fingerprints each finding as fingerprintOf does, a line in a string included", () => {
    const [plain, inString] = assembleFindings(
      file,
      deployment!,
      [
        { rule: "PCK001", msg: "one", path: ["spec"] },
        { rule: "PCK002", msg: "two", path: ["metadata", "name"], scalarLine: 1 },
      ],
      false,
      CONTEXT,
    );
    const resource = deployment!.resource;
    expect(plain!.fingerprint).toBe(fingerprintOf("PCK001", file.file, 0, resource, ["spec"]));
    expect(inString!.fingerprint).toBe(
      reference('PCK002\u0000apps/v1/Deployment/prod/web\u0000["metadata","name","#1"]'),
    );
    const [unnamed] = assembleFindings(
      file,
      other!,
      [{ rule: "PCK001", msg: "x", path: [] }],
      false,
      CONTEXT,
    );
    expect(unnamed!.fingerprint).toBe(reference("PCK001\u0000apps/web.yaml#1\u0000[]"));
  });

  it("applies a waiver comment on the finding's line and leaves the others open", () => {
    const findings = assembleFindings(
      file,
      deployment!,
      [
        { rule: "PCK010", msg: "replicas", path: ["spec", "replicas"] },
        { rule: "PCK010", msg: "name", path: ["metadata", "name"] },
      ],
      false,
      CONTEXT,
    );
    expect(findings.map((f) => f.status.kind)).toEqual(["waived", "open"]);
    expect(findings[1]).toMatchObject({ status: { kind: "open" }, note: undefined });
  });

  it("keeps one finding of a rule, path and message named twice", () => {
    const twice = { rule: "PCK001", msg: "same", path: ["spec"] };
    expect(assembleFindings(file, deployment!, [twice, twice], false, CONTEXT)).toHaveLength(1);
  });
});
