import { commentsByLine, parseManifest } from "../../src/yaml/index.js";
import { yamlOracle } from "../support/yaml-oracle.js";

// Files outside the line reader's subset are read by Kubernetes' own readers (tools/yaml-oracle).
beforeAll(() => yamlOracle(), 300_000);

const MULTI = `# leading comment
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: { app.kubernetes.io/name: web }
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          securityContext:
            privileged: true
        - name: sidecar
          image: envoy:1.30
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
`;

describe("parseManifest positions", () => {
  const file = parseManifest("deploy.yaml", MULTI);

  it("reads every document with its index and line range across separators", () => {
    expect(file.problems).toEqual([]);
    expect(file.documents.map((d) => [d.index, d.lines.start, d.resource.kind])).toEqual([
      [0, 2, "Deployment"],
      [1, 18, "Service"],
    ]);
  });

  it("puts a present field on the line of its key", () => {
    const doc = file.documents[0]!;
    const at = doc.locate([
      "spec",
      "template",
      "spec",
      "containers",
      0,
      "securityContext",
      "privileged",
    ]);
    expect(at).toEqual({ lines: { start: 14, end: 14 }, exact: true });
  });

  it("spans a collection field from its key to the end of its value", () => {
    const doc = file.documents[0]!;
    expect(
      doc.locate(["spec", "template", "spec", "containers", 0, "securityContext"]).lines,
    ).toEqual({ start: 13, end: 14 });
  });

  it("anchors a missing container field on the container's `- name:` line", () => {
    const doc = file.documents[0]!;
    expect(
      doc.locate(["spec", "template", "spec", "containers", 1, "resources", "limits"]),
    ).toEqual({
      lines: { start: 15, end: 15 },
      exact: false,
    });
  });

  it("anchors a missing pod securityContext on the pod spec key", () => {
    const doc = file.documents[0]!;
    expect(doc.locate(["spec", "template", "spec", "securityContext"]).lines.start).toBe(9);
  });

  it("puts whole-resource findings on the kind line of the right document", () => {
    expect(file.documents[1]!.locate([])).toEqual({ lines: { start: 19, end: 19 }, exact: true });
    expect(file.documents[1]!.kindLine).toBe(19);
  });

  it("finds keys that contain dots inside flow mappings", () => {
    const doc = file.documents[0]!;
    expect(doc.locate(["metadata", "labels", "app.kubernetes.io/name"])).toEqual({
      lines: { start: 6, end: 6 },
      exact: true,
    });
  });
});

describe("parseManifest reads YAML as Kubernetes does", () => {
  const value = (text: string) =>
    parseManifest("x.yaml", text).documents[0]?.value as Record<string, unknown>;

  it("merges `<<` keys, and locates the merged field in the anchored mapping", () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: p}
x-defaults: &hardening
  privileged: true
spec:
  containers:
    - name: a
      securityContext:
        <<: *hardening
        runAsNonRoot: true
`;
    const file = parseManifest("p.yaml", text);
    const doc = file.documents[0]!;
    const spec = (
      doc.value as { spec: { containers: { securityContext: Record<string, unknown> }[] } }
    ).spec;
    expect(spec.containers[0]!.securityContext).toEqual({ privileged: true, runAsNonRoot: true });
    expect(doc.locate(["spec", "containers", 0, "securityContext", "privileged"])).toEqual({
      lines: { start: 5, end: 5 },
      exact: true,
    });
  });

  it("reads YAML 1.1 booleans and octals as kubectl and kustomize both apply them", () => {
    // kustomize writes `yes` back unquoted, so what Flux applies is kubectl's `true` too.
    const v = value("a: yes\nb: off\nmode: 0644\nc: 'yes'\nd: n\n");
    expect(v).toEqual({ a: true, b: false, mode: 420, c: "yes", d: false });
  });

  it.each([
    ["e1", "e1"],
    ["E5", "E5"],
    [".", "."],
    ["-.", "-."],
    [".5", 0.5],
    ["1.", 1],
    ["1e3", 1000],
    ["-1.5e-3", -0.0015],
    ["0o20", 16],
    ["-0o7", -7],
    ["0o8", "0o8"],
    ["0x1F", 31],
    ["0X1F", 31],
    ["0B11", 3],
    ["1_000", 1000],
    ["0644", 420],
  ])("reads the plain scalar %s as kubectl and kustomize do: %p", (scalar, expected) => {
    expect(value(`v: ${scalar}\n`).v).toEqual(expected);
  });

  it("keeps dates and base-60 lookalikes as strings", () => {
    expect(value("date: 2026-01-01\nport: 22:22\n")).toEqual({ date: "2026-01-01", port: "22:22" });
  });

  it("reads JSON files with the JSON schema", () => {
    const file = parseManifest(
      "a.json",
      '{\n  "apiVersion": "v1",\n  "kind": "Namespace",\n  "metadata": {"name": "n"}\n}\n',
    );
    expect(file.problems).toEqual([]);
    expect(file.documents[0]!.locate(["kind"]).lines.start).toBe(3);
  });

  it("handles CRLF line endings and a byte-order mark", () => {
    const file = parseManifest(
      "crlf.yaml",
      "\uFEFFapiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n  name: ns\r\n",
    );
    expect(file.problems).toEqual([]);
    expect(file.documents[0]!.locate(["metadata", "name"]).lines.start).toBe(4);
  });

  it("maps a line inside a literal block scalar to its file line", () => {
    const text = "kind: ConfigMap\ndata:\n  policy.csv: |\n    p, a, b\n    p, c, d\n";
    const doc = parseManifest("cm.yaml", text).documents[0]!;
    expect(doc.locateInString(["data", "policy.csv"], 1)).toBe(5);
  });
});

describe("parseManifest refuses hostile input with a finding, never a crash", () => {
  const ruleAndLine = (text: string | Uint8Array, name = "h.yaml") =>
    parseManifest(name, text).problems.map((p) => `${p.rule}@${p.line}`);

  it("refuses a billion-laughs alias bomb (PCS002)", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    }
    const started = Date.now();
    expect(ruleAndLine(levels.join("\n"))).toEqual(["PCS002@1"]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses aliases that stay under the count but expand past the size budget (PCS002)", () => {
    const big = "x".repeat(1024 * 1024);
    const text = `kind: ConfigMap\na: &big "${big}"\nlist: [${Array(40).fill("*big").join(", ")}]\n`;
    expect(ruleAndLine(text)).toEqual(["PCS002@1"]);
  });

  it("refuses 10,000-deep flow nesting (PCS002)", () => {
    const text = `kind: ConfigMap\ndata: ${"[".repeat(10_000)}${"]".repeat(10_000)}\n`;
    const rules = parseManifest("deep.yaml", text).problems.map((p) => p.rule);
    expect(rules.length).toBeGreaterThan(0);
    expect(new Set(rules)).toEqual(new Set(["PCS002"]));
  });

  it("refuses 10,000-deep block nesting (PCS002)", () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `${" ".repeat(i)}k:`).join("\n");
    const rules = parseManifest("deep.yaml", text).problems.map((p) => p.rule);
    expect(rules).toContain("PCS002");
  });

  it("refuses a 50 MB file before parsing it (PCS002)", () => {
    const huge = new Uint8Array(50 * 1024 * 1024).fill(0x61);
    const started = Date.now();
    expect(ruleAndLine(huge)).toEqual(["PCS002@1"]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("refuses a duplicate key at its line (PCS005): kubectl keeps the last, kustomize refuses", () => {
    const file = parseManifest("d.yaml", "kind: Pod\nspec:\n  hostPID: false\n  hostPID: true\n");
    expect(file.problems.map((p) => `${p.rule}@${p.line}`)).toEqual(["PCS005@4"]);
    expect(file.problems[0]!.message).toMatch(/kubectl and Argo CD read this file, kustomize/);
    expect(file.documents).toEqual([]);
  });

  it.each([
    ["!foo bar", "bar"],
    ["!!python/object:os.system ls", "ls"],
    ["!<tag:example.com,2000:x> y", "y"],
    ["!!binary aGk=", "hi"],
    ["!!str 0777", "0777"],
  ])("reads an explicit tag %s as kubectl and kustomize both do: %p", (tagged, expected) => {
    const file = parseManifest("t.yaml", `kind: ConfigMap\ndata:\n  v: ${tagged}\n`);
    expect(file.problems).toEqual([]);
    expect(file.documents[0]!.value).toEqual({ kind: "ConfigMap", data: { v: expected } });
    expect(file.documents[0]!.locate(["data", "v"]).lines.start).toBe(3);
  });

  it("refuses a tag the consumers read differently (PCS005 at its line, both readings named)", () => {
    const file = parseManifest("t.yaml", "kind: ConfigMap\ndata:\n  v: !!set {a, b}\n");
    expect(file.problems.map((p) => `${p.rule}@${p.line}`)).toEqual(["PCS005@3"]);
    expect(file.problems[0]!.message).toBe(
      'read differently by Kubernetes\' own readers at data.v.a of document 1: kubectl and Argo CD see null, kustomize and Flux see ""',
    );
  });

  it("reports a binary file named .yaml (PCS001)", () => {
    expect(ruleAndLine(new Uint8Array([0x6b, 0x3a, 0x0a, 0x00, 0x01, 0x02]))).toEqual(["PCS001@2"]);
  });

  it("reports a file that is not UTF-8 at the line of the first bad byte (PCS001)", () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode("kind: Pod\nname: "),
      0xff,
      0xfe,
      0x0a,
    ]);
    expect(ruleAndLine(bytes)).toEqual(["PCS001@2"]);
  });

  it("keeps the valid documents of a file whose middle document is broken", () => {
    const file = parseManifest("m.yaml", "kind: A\n---\nkind: [\n---\nkind: C\n");
    expect(file.problems.map((p) => p.rule)).toEqual(["PCS001"]);
    expect(
      file.documents.map((d) => [d.index, (d.value as { kind: string }).kind, d.lines.start]),
    ).toEqual([
      [0, "A", 1],
      [2, "C", 5],
    ]);
  });

  it("refuses more documents than the limit (PCS002)", () => {
    const text = Array.from({ length: 30 }, () => "kind: A").join("\n---\n");
    const file = parseManifest("many.yaml", text, {
      maxFileBytes: 1e6,
      maxDocuments: 10,
      maxDepth: 100,
      maxSerializedBytes: 1e6,
    });
    expect(file.problems.map((p) => p.rule)).toEqual(["PCS002"]);
    expect(file.documents).toEqual([]);
  });

  it("keeps `__proto__` keys as plain data", () => {
    const v = parseManifest("p.yaml", "__proto__:\n  polluted: true\n").documents[0]!
      .value as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("commentsByLine", () => {
  it("finds real comments and ignores # inside strings and block scalars", () => {
    const text = 'a: "# not"\nb: 1 # yes\nc: |\n  # not either\nd: 2\n# own line\n';
    expect([...commentsByLine(text)]).toEqual([
      [2, "yes"],
      [6, "own line"],
    ]);
  });
});
