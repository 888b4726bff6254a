// Every class where Portcullis once read a manifest otherwise than kubectl/Argo CD or
// kustomize/Flux (issue 15), as a minimal case: read as the consumers read it, or refused with
// PCS005 at the line where their readings part; and, without the consumers' readers (a Node-only
// install), never a value they would not read.
import { parseManifest } from "../../src/yaml/index.js";
import { yamlOracle } from "../support/yaml-oracle.js";

beforeAll(() => yamlOracle(), 300_000);

type Outcome = { values: unknown[] } | { refused: string };

const CASES: [string, string, Outcome][] = [
  // YAML 1.1 line breaks: NEL, LS, PS and a lone CR break lines for both Go readers.
  [
    "NEL in a value",
    "kind: Pod\nspec:\n  hostNetwork: false\u0085  privileged: true\n",
    { values: [{ kind: "Pod", spec: { hostNetwork: false, privileged: true } }] },
  ],
  [
    "NEL in a comment",
    "kind: Pod\nspec: # c\u0085  hostNetwork: true\n  x: 1\n",
    { values: [{ kind: "Pod", spec: { hostNetwork: true, x: 1 } }] },
  ],
  [
    "LS in a comment",
    "kind: Pod\nspec: # c\u2028hostNetwork: true\n",
    { values: [{ kind: "Pod", spec: null, hostNetwork: true }] },
  ],
  ["PS in a value", "kind: Pod\nmetadata:\n  name: a\u2029b\n", { refused: "PCS001@1" }],
  [
    "a lone CR in a comment",
    "kind: Pod\nspec:\n  x: 1 # c\r  hostNetwork: true\n",
    { values: [{ kind: "Pod", spec: { x: 1, hostNetwork: true } }] },
  ],
  [
    "a lone CR in a block scalar",
    "kind: ConfigMap\ndata:\n  a: |\n    x\r    y\n",
    { values: [{ kind: "ConfigMap", data: { a: "x\ny\n" } }] },
  ],
  // `<<` merges: go-yaml v2 lets a later merge override an explicit key, v3 does not.
  [
    "a merge after an explicit key",
    "kind: Pod\nbase: &b {privileged: true}\nspec:\n  privileged: false\n  <<: *b\n",
    { refused: "PCS005@4" },
  ],
  [
    "two merge keys",
    "kind: Pod\na: &a {p: 1}\nb: &b {p: 2}\nspec:\n  <<: *a\n  <<: *b\n",
    { refused: "PCS005@1" },
  ],
  [
    "a merge of a list",
    "kind: Pod\na: &a {p: 1}\nb: &b {p: 2}\nspec:\n  <<: [*a, *b]\n",
    { values: [{ kind: "Pod", a: { p: 1 }, b: { p: 2 }, spec: { p: 1 } }] },
  ],
  // Document splitting and JSON detection as apimachinery does them.
  ["a line that begins with --- and goes on", "kind: A\n---x: 1\nb: 2\n", { refused: "PCS001@1" }],
  [
    "a separator with a comment",
    "kind: A\n--- # c\nkind: B\n",
    { values: [{ kind: "A" }, { kind: "B" }] },
  ],
  [
    "a byte-order mark after a separator",
    "kind: A\n---\n\ufeffkind: B\n",
    { values: [{ kind: "A" }, { kind: "B" }] },
  ],
  [
    "JSON after a non-breaking space",
    '\u00a0{"kind": "A", "spec": {"hostNetwork": true}}\n',
    { refused: "PCS005@1" },
  ],
  ["JSON after a tab line", '\t\n {"kind": "A"}\n', { refused: "PCS005@2" }],
  ["JSON then YAML", '{"kind": "A"}\n---\nkind: B\n', { values: [{ kind: "A" }, { kind: "B" }] }],
  ["a document end marker", "kind: A\n...\nkind: B\n", { refused: "PCS005@1" }],
  // Flow collections, integer prefixes, keys.
  [
    "`key:` followed by `,`",
    "kind: Pod\nspec: {hostNetwork:, privileged: true}\n",
    { refused: "PCS005@2" },
  ],
  [
    "`?` in a flow mapping",
    "kind: Pod\nspec: {? hostNetwork: true}\n",
    { values: [{ kind: "Pod", spec: { hostNetwork: true } }] },
  ],
  [
    "0X",
    "kind: Pod\nspec:\n  runAsUser: 0X0\n",
    { values: [{ kind: "Pod", spec: { runAsUser: 0 } }] },
  ],
  [
    "0O",
    "kind: Pod\nspec:\n  runAsUser: 0O0\n",
    { values: [{ kind: "Pod", spec: { runAsUser: 0 } }] },
  ],
  [
    "0B",
    "kind: Pod\nspec:\n  runAsUser: 0B0\n",
    { values: [{ kind: "Pod", spec: { runAsUser: 0 } }] },
  ],
  ["a JSON object as a key", 'kind: Pod\n{"a": 1}: b\n', { refused: "PCS001@1" }],
  ["the key `y`", "kind: Pod\ny: 1\n", { values: [{ kind: "Pod", true: 1 }] }],
  // Valid for go-yaml, refused by the `yaml` package: read as the consumers read it.
  [
    "a quoted scalar continued at its key's column",
    'kind: Pod\nmetadata:\n  name: "a\n  b"\n',
    { values: [{ kind: "Pod", metadata: { name: "a b" } }] },
  ],
  [
    "a quoted scalar continued at column 0",
    'kind: Pod\nname: "a\nb"\n',
    { values: [{ kind: "Pod", name: "a b" }] },
  ],
  // Typed scalars and duplicate keys.
  [
    "yes",
    "kind: Pod\nspec:\n  hostNetwork: yes\n",
    { values: [{ kind: "Pod", spec: { hostNetwork: true } }] },
  ],
  [
    "on",
    "kind: Pod\nspec:\n  hostNetwork: on\n",
    { values: [{ kind: "Pod", spec: { hostNetwork: true } }] },
  ],
  ["0777", "kind: ConfigMap\nmode: 0777\n", { values: [{ kind: "ConfigMap", mode: 511 }] }],
  ["12:30", "kind: ConfigMap\nat: 12:30\n", { values: [{ kind: "ConfigMap", at: "12:30" }] }],
  [
    "a duplicate key",
    "kind: Pod\nspec:\n  hostPID: false\n  hostPID: true\n",
    { refused: "PCS005@4" },
  ],
  // Found by the fuzzer: a block scalar at the end of a file with no last line break, `\/`.
  [
    "a text at the end of a file without a line break",
    "kind: ConfigMap\ndata:\n  a: |\n    x",
    { refused: "PCS005@3" },
  ],
  ["the escape \\/", 'kind: ConfigMap\ndata:\n  a: "x\\/y"\n', { refused: "PCS001@3" }],
  // Found by review: characters and escapes both Go readers refuse, which JavaScript reads.
  ["U+FFFE in a comment", "kind: Pod # c\ufffe\n", { refused: "PCS001@1" }],
  ["U+FFFF in a value", "kind: Pod\nx: a\uffff\n", { refused: "PCS001@1" }],
  ["a surrogate pair escape", 'kind: Pod\nx: "\\uD83D\\uDE00"\n', { refused: "PCS001@2" }],
  ["a lone surrogate escape", 'kind: Pod\nx: "\\uD800"\n', { refused: "PCS001@2" }],
];

const outcome = (text: string): Outcome => {
  const file = parseManifest("case.yaml", text);
  if (file.problems.length > 0)
    return { refused: `${file.problems[0]!.rule}@${file.problems[0]!.line}` };
  return { values: file.documents.map((d) => d.value) };
};

describe("each known class is read as Kubernetes' own readers read it, or refused", () => {
  it.each(CASES)("%s", (_name, text, expected) => {
    expect(outcome(text)).toEqual(expected);
  });

  it("names what each reader sees where they part", () => {
    const file = parseManifest("m.yaml", CASES[6]![1]);
    expect(file.problems[0]!.message).toBe(
      "read differently by Kubernetes' own readers at spec.privileged of document 1: kubectl and Argo CD see true, kustomize and Flux see false",
    );
  });
});

describe("a file where the consumers part on one document", () => {
  it("still evaluates the documents they read alike; the other is PCS005 at its line", () => {
    const text =
      "kind: Pod\nspec:\n  hostNetwork: true\n---\nkind: ConfigMap\ndata:\n  a: |\n    x";
    const file = parseManifest("two.yaml", text);
    expect(file.documents.map((d) => [d.index, d.value])).toEqual([
      [0, { kind: "Pod", spec: { hostNetwork: true } }],
    ]);
    expect(file.documents[0]!.locate(["spec", "hostNetwork"]).lines.start).toBe(3);
    expect(file.problems).toEqual([
      {
        rule: "PCS005",
        line: 7,
        message:
          'read differently by Kubernetes\' own readers at data.a of document 2: kubectl and Argo CD see "x\\n", kustomize and Flux see "x"',
      },
    ]);
  });

  it("still evaluates the other documents of a file one consumer refuses (a duplicate key)", () => {
    const text =
      "kind: Pod\nspec:\n  hostNetwork: true\n---\nkind: Pod\nspec:\n  hostPID: false\n  hostPID: true\n";
    const file = parseManifest("dup.yaml", text);
    expect(file.documents.map((d) => [d.index, d.value])).toEqual([
      [0, { kind: "Pod", spec: { hostNetwork: true } }],
    ]);
    expect(file.problems.map((p) => `${p.rule}@${p.line}`)).toEqual(["PCS005@8"]);
  });
});

describe("without the consumers' readers (a Node-only install)", () => {
  beforeAll(() => (process.env.PORTCULLIS_YAML_ORACLE = ""));
  afterAll(() => delete process.env.PORTCULLIS_YAML_ORACLE);

  it.each(CASES)(
    "%s: the consumers' value or a refusal, never another value",
    (_name, text, expected) => {
      const got = outcome(text);
      if ("values" in got) expect(got).toEqual(expected);
      else expect(got.refused).toMatch(/^PCS00[125]@/);
    },
  );

  it("refuses a file outside the line reader's subset with PCS005, saying how to enable the exact reader", () => {
    const file = parseManifest("a.yaml", "kind: Pod\nspec:\n  hostNetwork: yes\n");
    expect(file.documents).toEqual([]);
    expect(file.problems).toEqual([
      {
        rule: "PCS005",
        line: 1,
        message: expect.stringMatching(
          /container image and GitHub Action carry the exact reader; elsewhere point PORTCULLIS_YAML_ORACLE at a built yaml-oracle \(in a Portcullis checkout, `npm run build:yaml`/,
        ) as string,
      },
    ]);
  });

  it("evaluates no document of a file with a broken one from values it cannot prove", () => {
    // Go reads the NEL as a line break: kubectl applies this Pod with hostNetwork.
    const text =
      "kind: Pod\nspec:\n  dnsPolicy: ClusterFirst #\u0085  hostNetwork: true\n---\na: [1, 2\n";
    const file = parseManifest("a.yaml", text);
    expect(file.documents).toEqual([]);
    expect(file.problems.map((p) => p.rule)).toContain("PCS001");
    expect(file.problems).toContainEqual({
      rule: "PCS005",
      line: 1,
      message: expect.stringMatching(/cannot be proven/) as string,
    });
  });

  it("still reads a file in the line reader's subset", () => {
    const file = parseManifest("a.yaml", "kind: Pod\nspec:\n  hostNetwork: true\n");
    expect(file.problems).toEqual([]);
    expect(file.documents[0]!.locate(["spec", "hostNetwork"]).lines.start).toBe(3);
  });
});
