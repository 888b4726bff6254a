import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { applyFixes, applyLineEdits, type FixResult } from "../../src/fixes/fix.js";
import { commentsByLine, parseManifest } from "../../src/yaml/index.js";
import type { Finding, FixOperation, JsonPath, PathStep } from "../../src/core/types.js";
import { evaluate, testConfig } from "../support/engine.js";

const set = (path: JsonPath, value: unknown): FixOperation => ({ op: "set", path, value });
const remove = (path: JsonPath): FixOperation => ({ op: "remove", path });
const append = (path: JsonPath, value: unknown): FixOperation => ({ op: "append", path, value });

/** Applies fixes to document 0 (or the index given with `[index, fix]`). */
function fix(file: string, text: string, ...fixes: (FixOperation | [number, FixOperation])[]) {
  return applyFixes(
    file,
    text,
    fixes.map((f) =>
      Array.isArray(f) ? { documentIndex: f[0], fix: f[1] } : { documentIndex: 0, fix: f },
    ),
  );
}

/** What must hold for every result: edits rebuild the text, untouched lines are identical, it parses. */
function expectSound(file: string, text: string, result: FixResult): void {
  expect(applyLineEdits(text, result.edits)).toBe(result.text);
  // No problem the original did not have (a PCS005 elsewhere in the file may move with the edits).
  const had = new Set(parseManifest(file, text).problems.map((p) => `${p.rule} ${p.message}`));
  const added = parseManifest(file, result.text).problems.filter(
    (p) => !had.has(`${p.rule} ${p.message}`),
  );
  expect(added).toEqual([]);
  const before = text.split("\n");
  const after = result.text.split("\n");
  let shift = 0;
  let line = 1;
  const sorted = [...result.edits].sort((a, b) => a.startLine - b.startLine);
  for (const edit of sorted) {
    expect(edit.startLine).toBeGreaterThanOrEqual(line);
    expect(edit.endLine).toBeGreaterThanOrEqual(edit.startLine - 1);
    for (; line < edit.startLine; line++) expect(after[line - 1 + shift]).toBe(before[line - 1]);
    shift += edit.replacement.length - (edit.endLine - edit.startLine + 1);
    line = edit.endLine + 1;
  }
  for (; line <= before.length; line++) expect(after[line - 1 + shift]).toBe(before[line - 1]);
}

const applied = (r: FixResult) => r.outcomes.map((o) => o.applied);

describe("set", () => {
  it.each([
    [
      "replaces only the value of an existing scalar and keeps the trailing comment",
      "spec:\n  privileged: true # legacy agent\n  b: 1\n",
      [set(["spec", "privileged"], false)],
      "spec:\n  privileged: false # legacy agent\n  b: 1\n",
    ],
    [
      "keeps the quoting style of a replaced string",
      "a: 'one'\nb: \"two\"\nc: three\n",
      [set(["a"], "it's"), set(["b"], "2"), set(["c"], "true")],
      "a: 'it''s'\nb: \"2\"\nc: \"true\"\n",
    ],
    [
      "inserts a missing key after the last child of its nearest existing parent",
      "spec:\n  containers:\n    - name: web # main\n      image: nginx\n  volumes: []\n",
      [set(["spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"], true)],
      "spec:\n  containers:\n    - name: web # main\n      image: nginx\n      securityContext:\n        readOnlyRootFilesystem: true\n  volumes: []\n",
    ],
    [
      "follows a 4-space file with sequences flush under their key",
      "spec:\n    containers:\n    - name: web\n      image: nginx\n    hostNetwork: true\n",
      [set(["spec", "containers", 0, "securityContext", "capabilities", "drop"], ["ALL"])],
      "spec:\n    containers:\n    - name: web\n      image: nginx\n      securityContext:\n          capabilities:\n              drop:\n              - ALL\n    hostNetwork: true\n",
    ],
    [
      "writes a new list indented under its key in a file that indents its lists",
      "spec:\n  containers:\n    - name: web\n      securityContext:\n        runAsUser: 1000\n",
      [set(["spec", "containers", 0, "securityContext", "capabilities", "drop"], ["ALL"])],
      "spec:\n  containers:\n    - name: web\n      securityContext:\n        runAsUser: 1000\n        capabilities:\n          drop:\n            - ALL\n",
    ],
    [
      "adds the first child of an empty parent, keeping the comment on its line",
      "spec:\n  securityContext: # to do\n  other: ~\n",
      [set(["spec", "securityContext", "runAsNonRoot"], true), set(["spec", "other", "x"], 1)],
      "spec:\n  securityContext: # to do\n    runAsNonRoot: true\n  other:\n    x: 1\n",
    ],
    [
      "inserts inside a flow mapping rather than breaking its style",
      "containers:\n  - name: a\n    securityContext: { privileged: true } # why\n  - name: b\n    securityContext: {}\n",
      [
        set(["containers", 0, "securityContext", "runAsNonRoot"], true),
        set(["containers", 0, "securityContext", "seccompProfile"], { type: "RuntimeDefault" }),
        set(["containers", 1, "securityContext", "runAsNonRoot"], true),
      ],
      "containers:\n  - name: a\n    securityContext: { privileged: true, runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } } # why\n  - name: b\n    securityContext: {runAsNonRoot: true}\n",
    ],
    [
      "writes a small mapping as a nested block",
      "spec:\n  hostPID: false\n",
      [set(["spec", "securityContext", "seccompProfile"], { type: "RuntimeDefault" })],
      "spec:\n  hostPID: false\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n",
    ],
    [
      "sets a mapping onto an existing one by adding and replacing only what differs",
      "resources:\n  limits:\n    memory: 512Mi # agreed with SRE\n    cpu: 1\n    gpu: 1\n",
      [set(["resources", "limits"], { memory: "512Mi", cpu: "500m", ephemeral: "1Gi" })],
      "resources:\n  limits:\n    memory: 512Mi # agreed with SRE\n    cpu: 500m\n    ephemeral: 1Gi\n",
    ],
    [
      "replaces a scalar by a block, and a block by a scalar",
      "a: null\nb:\n  c: 1\n  d: 2\nz: 0\n",
      [set(["a"], { x: [1, { w: 2 }] }), set(["b"], "flat")],
      "a:\n  x:\n    - 1\n    - w: 2\nb: flat\nz: 0\n",
    ],
    [
      "inserts after a block scalar without touching its text",
      "data:\n  script: |\n    echo hi\n\n    echo bye\n\nnext: 1\n",
      [set(["data", "other"], "x")],
      "data:\n  script: |\n    echo hi\n\n    echo bye\n  other: x\n\nnext: 1\n",
    ],
    [
      "inserts after the kept trailing lines of a `|+` block scalar",
      "data:\n  script: |+\n    echo hi\n\nnext: 1\n",
      [set(["data", "other"], "x")],
      "data:\n  script: |+\n    echo hi\n\n  other: x\nnext: 1\n",
    ],
    [
      "adds a top-level key after the document's last field, before the next document",
      "a: 1\n# about b\nb:\n  c: 2\n---\nz: 1\n",
      [set(["d"], true)],
      "a: 1\n# about b\nb:\n  c: 2\nd: true\n---\nz: 1\n",
    ],
  ])("%s", (_name, text, fixes, expected) => {
    const result = fix("f.yaml", text, ...fixes);
    expect(result.outcomes.filter((o) => !o.applied)).toEqual([]);
    expect(result.text).toBe(expected);
    expectSound("f.yaml", text, result);
  });

  it.each([
    ["true", '"true"'],
    ["yes", '"yes"'],
    ["On", '"On"'],
    ["y", '"y"'],
    ["0644", '"0644"'],
    ["1.10", '"1.10"'],
    ["1e3", '"1e3"'],
    ["12:30", '"12:30"'],
    ["null", '"null"'],
    ["", '""'],
    ["a: b", '"a: b"'],
    ["trailing:", '"trailing:"'],
    ["a #b", '"a #b"'],
    ["#b", '"#b"'],
    ["@scoped", '"@scoped"'],
    ["- item", '"- item"'],
    [" padded", '" padded"'],
    ["two\nlines", '"two\\nlines"'],
    ["RuntimeDefault", "RuntimeDefault"],
    ["registry.example.com/app:1.2.3", "registry.example.com/app:1.2.3"],
    ["500m", "500m"],
    ["it's", "it's"],
    [true, "true"],
    [8080, "8080"],
    [0.5, "0.5"],
    [null, "null"],
  ])("writes %j so that YAML reads it back unchanged (%s)", (value, written) => {
    const text = "metadata:\n  name: x\n";
    const result = fix("f.yaml", text, set(["metadata", "label"], value));
    expect(result.text).toBe(`metadata:\n  name: x\n  label: ${written}\n`);
    const doc = parseManifest("f.yaml", result.text).documents[0]!;
    expect((doc.value as { metadata: { label: unknown } }).metadata.label).toEqual(value);
  });

  it("quotes a string in a flow collection when a comma or bracket would split it", () => {
    const result = fix("f.yaml", "a: {b: 1}\n", set(["a", "c"], "x, y"), set(["a", "d"], ["[z]"]));
    expect(result.text).toBe('a: {b: 1, c: "x, y", d: ["[z]"]}\n');
  });

  it("quotes a new key that YAML 1.1 would read as a boolean", () => {
    const result = fix("f.yaml", "a:\n  b: 1\n", set(["a", "y"], 1), set(["a", "on"], 2));
    expect(result.text).toBe('a:\n  b: 1\n  "y": 1\n  "on": 2\n');
    expect(parseManifest("f.yaml", result.text).documents[0]!.value).toEqual({
      a: { b: 1, y: 1, on: 2 },
    });
  });

  it("reports a value that is already in place as applied, with no edit", () => {
    const result = fix("f.yaml", "a:\n  b: true\n", set(["a", "b"], true));
    expect(result.outcomes[0]).toMatchObject({ applied: true, edits: [] });
    expect(result.outcomes[0]!.note).toMatch(/already in place/);
    expect(result.changed).toBe(false);
    expect(result.edits).toEqual([]);
  });
});

describe("append", () => {
  it.each([
    [
      "adds an item to a block list at the items' indentation",
      "drop:\n  - NET_RAW # no raw sockets\nadd: []\n",
      append(["drop"], "ALL"),
      "drop:\n  - NET_RAW # no raw sockets\n  - ALL\nadd: []\n",
    ],
    [
      "adds an item to a list flush under its key",
      "drop:\n- NET_RAW\nadd: []\n",
      append(["drop"], "ALL"),
      "drop:\n- NET_RAW\n- ALL\nadd: []\n",
    ],
    [
      "adds an item to a flow list",
      "capabilities:\n  drop: [NET_RAW] # keep\n",
      append(["capabilities", "drop"], "ALL"),
      "capabilities:\n  drop: [NET_RAW, ALL] # keep\n",
    ],
    [
      "adds an item to an empty flow list",
      "capabilities:\n  drop: []\n",
      append(["capabilities", "drop"], "ALL"),
      "capabilities:\n  drop: [ALL]\n",
    ],
    [
      "creates the list when it is missing",
      "securityContext:\n  runAsUser: 1\n",
      append(["securityContext", "capabilities", "drop"], "ALL"),
      "securityContext:\n  runAsUser: 1\n  capabilities:\n    drop:\n      - ALL\n",
    ],
    [
      "fills a list that is present but empty",
      "capabilities:\n  drop:\n  add: [X]\n",
      append(["capabilities", "drop"], "ALL"),
      "capabilities:\n  drop:\n    - ALL\n  add: [X]\n",
    ],
    [
      "adds a mapping item in block style",
      "volumes:\n  - name: a\n    emptyDir: {}\n",
      append(["volumes"], { name: "tmp", emptyDir: { medium: "Memory" } }),
      "volumes:\n  - name: a\n    emptyDir: {}\n  - name: tmp\n    emptyDir:\n      medium: Memory\n",
    ],
  ])("%s", (_name, text, op, expected) => {
    const result = fix("f.yaml", text, op);
    expect(applied(result)).toEqual([true]);
    expect(result.text).toBe(expected);
    expectSound("f.yaml", text, result);
  });
});

describe("remove", () => {
  it.each([
    [
      "deletes a key with its nested block, not the comment above it that belongs to another key",
      "spec:\n  # the pod's user\n  runAsUser: 0\n  # host access, reviewed\n  hostNetwork: true\n  capabilities:\n    add:\n      - NET_ADMIN\n  z: 1\n",
      [remove(["spec", "capabilities"]), remove(["spec", "runAsUser"])],
      "spec:\n  # the pod's user\n  # host access, reviewed\n  hostNetwork: true\n  z: 1\n",
    ],
    [
      "leaves `{}` when the only field goes",
      "spec:\n  securityContext:\n    privileged: true\n  z: 1\n",
      [remove(["spec", "securityContext", "privileged"])],
      "spec:\n  securityContext: {}\n  z: 1\n",
    ],
    [
      "moves the next field onto the dash line when the first field of an item goes",
      "items:\n  - name: a\n    image: b\n  - name: c\n",
      [remove(["items", 0, "name"])],
      "items:\n  - image: b\n  - name: c\n",
    ],
    [
      "removes a member of a flow mapping",
      "a: { x: 1, w: 2, z: 3 }\nb: {x: 1, w: 2}\n",
      [remove(["a", "w"]), remove(["b", "w"])],
      "a: { x: 1, z: 3 }\nb: {x: 1}\n",
    ],
    [
      "removes list items by their original index, whatever the order of the fixes",
      "l:\n  - a\n  - b # keep\n  - c\n  - d\nf: [a, b, c]\n",
      [remove(["l", 0]), remove(["l", 2]), remove(["f", 0])],
      "l:\n  - b # keep\n  - d\nf: [b, c]\n",
    ],
  ])("%s", (_name, text, fixes, expected) => {
    const result = fix("f.yaml", text, ...fixes);
    expect(result.outcomes.filter((o) => !o.applied)).toEqual([]);
    expect(result.text).toBe(expected);
    expectSound("f.yaml", text, result);
  });

  it("treats removing a field that is already absent as applied, with nothing to change", () => {
    const result = fix("f.yaml", "a: 1\n", remove(["b", "c"]));
    expect(result.outcomes[0]).toMatchObject({ applied: true, edits: [] });
    expect(result.text).toBe("a: 1\n");
  });
});

describe("fixes that cannot be applied safely", () => {
  const ANCHORED = `base: &base
  privileged: true
spec:
  a: *base
  b:
    <<: *base
    c: 1
  num: !!str 12
  s: hello
  l: [1]
`;
  it.each([
    [
      "a field inherited through a << merge key",
      set(["spec", "b", "privileged"], false),
      /<< merge key/,
    ],
    ["a path through an alias", set(["spec", "a", "privileged"], false), /alias \(\*base\)/],
    ["an anchored node reused elsewhere", set(["base", "privileged"], false), /anchored \(&base\)/],
    ["removing an anchored node", remove(["base"]), /anchored \(&base\)/],
    ["a value with an explicit tag", set(["spec", "num"], 13), /explicit tag/],
    [
      "a path through a scalar",
      set(["spec", "s", "x"], 1),
      /spec\.s holds a string value, not a mapping/,
    ],
    ["a list item that does not exist", set(["spec", "l", 3, "x"], 1), /item 3 does not exist/],
    ["a key on a list", set(["spec", "l", "x"], 1), /is a list, not a mapping/],
    ["appending to a mapping", append(["spec", "b"], 1), /not a list/],
  ])("refuses %s, with a reason", (_name, op, reason) => {
    const result = fix("f.yaml", ANCHORED, op);
    expect(result.outcomes[0]!.applied).toBe(false);
    expect(result.outcomes[0]!.reason).toMatch(reason);
    expect(result.text).toBe(ANCHORED);
    expect(result.edits).toEqual([]);
  });

  it("still edits a local key next to a merge key", () => {
    const result = fix("f.yaml", ANCHORED, set(["spec", "b", "c"], 2), set(["spec", "b", "d"], 3));
    expect(applied(result)).toEqual([true, true]);
    expect(result.text).toContain("    <<: *base\n    c: 2\n    d: 3\n");
  });

  it.each([
    ["not YAML", "a: [1\n", [{ documentIndex: 0, fix: set(["a"], 1) }], /does not read cleanly/],
    [
      "a document that does not exist",
      "a: 1\n",
      [{ documentIndex: 3, fix: set(["a"], 2) }],
      /document 3 does not exist/,
    ],
    [
      "an unknown operation",
      "a: 1\n",
      [{ documentIndex: 0, fix: { op: "merge", path: ["a"] } }],
      /unknown fix operation/,
    ],
    ["an empty path", "a: 1\n", [{ documentIndex: 0, fix: set([], 1) }], /path is empty/],
    ["a bad path step", "a: 1\n", [{ documentIndex: 0, fix: set(["a", -1], 1) }], /invalid step/],
    [
      "a value that is not data",
      "a: 1\n",
      [{ documentIndex: 0, fix: set(["a"], NaN) }],
      /not plain data/,
    ],
    [
      "a missing value",
      "a: 1\n",
      [{ documentIndex: 0, fix: { op: "set", path: ["a"] } }],
      /no value/,
    ],
    ["no request at all", "a: 1\n", [null], /not an object/],
  ])("never throws on %s: the fix is refused with a reason", (_name, text, requests, reason) => {
    const result = applyFixes("f.yaml", text, requests as never);
    expect(result.outcomes).toHaveLength(1);
    expect(result.outcomes[0]!.applied).toBe(false);
    expect(result.outcomes[0]!.reason).toMatch(reason);
    expect(result.text).toBe(text);
  });

  it("never throws on input that is not even text", () => {
    expect(
      applyFixes("f.yaml", undefined as never, [{ documentIndex: 0, fix: set(["a"], 1) }])
        .outcomes[0]!.reason,
    ).toMatch(/not a string/);
    expect(applyFixes("f.yaml", "a: 1\n", "nope" as never).outcomes).toEqual([]);
  });
});

describe("several fixes in one file", () => {
  const POD = `apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
    - name: a
      image: ghcr.io/acme/a:1.0.0
  z: 1
`;

  it("merges fixes that touch the same lines into one edit carrying all of them", () => {
    const result = fix(
      "p.yaml",
      POD,
      set(["spec", "containers", 0, "securityContext", "capabilities", "drop"], ["ALL"]),
      set(["spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"], true),
      set(["metadata", "name"], "q"),
    );
    expect(applied(result)).toEqual([true, true, true]);
    expect(result.edits).toEqual([
      { startLine: 4, endLine: 4, replacement: ["  name: q"], fixes: [2] },
      {
        startLine: 9,
        endLine: 8,
        replacement: [
          "      securityContext:",
          "        capabilities:",
          "          drop:",
          "            - ALL",
          "        readOnlyRootFilesystem: true",
        ],
        fixes: [0, 1],
      },
    ]);
    expect(result.outcomes.map((o) => o.edits)).toEqual([[1], [1], [0]]);
    expectSound("p.yaml", POD, result);
  });

  it.each([
    [
      "set and remove on the same path",
      [set(["spec", "z"], 2), remove(["spec", "z"])],
      /set and remove on the same path spec\.z/,
    ],
    [
      "two sets with different values",
      [set(["spec", "z"], 2), set(["spec", "z"], 3)],
      /both set spec\.z to different values/,
    ],
    [
      "a set inside a value another fix removes",
      [remove(["spec", "containers"]), set(["spec", "containers", 0, "image"], "x")],
      /overlap/,
    ],
  ])("refuses both fixes of a conflict (%s) and applies the others", (_name, pair, reason) => {
    const result = fix("p.yaml", POD, ...pair, set(["metadata", "name"], "other"));
    expect(applied(result)).toEqual([false, false, true]);
    expect(result.outcomes[0]!.reason).toMatch(/^conflicts with fix 1 /);
    expect(result.outcomes[1]!.reason).toMatch(/^conflicts with fix 0 /);
    expect(result.outcomes[0]!.reason).toMatch(reason);
    expect(result.text).toBe(POD.replace("name: p", "name: other"));
  });

  it("applies an identical fix only once and reports both as applied", () => {
    const op = set(["spec", "hostPID"], false);
    const result = fix("p.yaml", POD, op, op);
    expect(applied(result)).toEqual([true, true]);
    expect(result.outcomes[1]!.note).toBe("same as fix 0");
    expect(result.text.match(/hostPID/g)).toHaveLength(1);
  });

  it("accepts a set inside a value that another set writes identically", () => {
    const result = fix(
      "p.yaml",
      POD,
      set(["spec", "securityContext"], { runAsNonRoot: true }),
      set(["spec", "securityContext", "runAsNonRoot"], true),
    );
    expect(applied(result)).toEqual([true, true]);
    expect(result.text).toContain("  z: 1\n  securityContext:\n    runAsNonRoot: true\n");
  });

  it("edits only its own document and leaves every other one byte for byte", () => {
    const text = `# first\r\na: 1\r\n---\r\nb:   'keep'   # odd spacing\r\nc: {x: 1}\r\n---\r\nd: [1,2]\r\n`;
    const result = fix("m.yaml", text, [1, set(["c", "w"], 2)], [2, append(["d"], 3)]);
    expect(applied(result)).toEqual([true, true]);
    expect(result.text).toBe(
      `# first\r\na: 1\r\n---\r\nb:   'keep'   # odd spacing\r\nc: {x: 1, w: 2}\r\n---\r\nd: [1,2, 3]\r\n`,
    );
    expectSound("m.yaml", text, result);
  });
});

it("applies hundreds of fixes over hundreds of documents, each parsed on its own lines", () => {
  const docs = Array.from(
    { length: 300 },
    (_, i) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\nspec:\n  containers:\n    - name: a\n      image: x:1\n`,
  );
  const text = docs.join("---\n");
  const requests = docs.flatMap((_, i) => [
    {
      documentIndex: i,
      fix: set(["spec", "containers", 0, "securityContext", "privileged"], false),
    },
    { documentIndex: i, fix: set(["spec", "securityContext", "runAsNonRoot"], true) },
  ]);
  const started = Date.now();
  const result = applyFixes("many.yaml", text, requests);
  expect(Date.now() - started).toBeLessThan(15000);
  expect(result.outcomes.every((o) => o.applied)).toBe(true);
  expect(result.edits).toHaveLength(300);
  const values = parseManifest("many.yaml", result.text).documents.map((d) => d.value);
  expect(values).toHaveLength(300);
  expect(values[299]).toEqual({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p299" },
    spec: {
      containers: [{ name: "a", image: "x:1", securityContext: { privileged: false } }],
      securityContext: { runAsNonRoot: true },
    },
  });
  expectSound("many.yaml", text, result);
});

describe("JSON files", () => {
  const JSON_TEXT = `{
    "apiVersion": "v1",
    "kind": "Pod",
    "spec": {
        "containers": [
            {
                "name": "a",
                "securityContext": {}
            }
        ],
        "hostPID": true
    }
}
`;

  it.each([
    [
      "replaces a value in place",
      [set(["spec", "hostPID"], false)],
      JSON_TEXT.replace('"hostPID": true', '"hostPID": false'),
    ],
    [
      "adds a key at the end of an object with a comma, at the file's indentation",
      [set(["spec", "securityContext", "seccompProfile"], { type: "RuntimeDefault" })],
      JSON_TEXT.replace(
        '        "hostPID": true\n',
        '        "hostPID": true,\n        "securityContext": {\n            "seccompProfile": {\n                "type": "RuntimeDefault"\n            }\n        }\n',
      ),
    ],
    [
      "fills an empty object on lines of its own",
      [set(["spec", "containers", 0, "securityContext", "runAsNonRoot"], true)],
      JSON_TEXT.replace(
        '"securityContext": {}',
        '"securityContext": {\n                    "runAsNonRoot": true\n                }',
      ),
    ],
    [
      "appends to an array and removes a member with its comma",
      [append(["spec", "containers"], { name: "b" }), remove(["spec", "hostPID"])],
      JSON_TEXT.replace(
        '            }\n        ],\n        "hostPID": true\n',
        '            },\n            {\n                "name": "b"\n            }\n        ]\n',
      ),
    ],
  ])("%s", (_name, fixes, expected) => {
    const result = fix("pod.json", JSON_TEXT, ...fixes);
    expect(result.outcomes.filter((o) => !o.applied)).toEqual([]);
    expect(result.text).toBe(expected);
    expect(JSON.parse(result.text)).toBeTruthy();
    expectSound("pod.json", JSON_TEXT, result);
  });

  it("keeps a one-line JSON file on one line", () => {
    const text = '{"kind": "Pod", "spec": {"hostPID": true}}';
    const result = fix("p.json", text, set(["spec", "hostPID"], false), set(["spec", "x"], [1]));
    expect(result.text).toBe('{"kind": "Pod", "spec": {"hostPID": false, "x": [1]}}');
    expect(JSON.parse(result.text)).toEqual({ kind: "Pod", spec: { hostPID: false, x: [1] } });
  });
});

describe("line endings and encodings", () => {
  it("keeps CRLF line ends, on untouched and on new lines", () => {
    const text = "a: 1\r\nb:\r\n  c: 2 # note\r\n";
    const result = fix("f.yaml", text, set(["b", "d"], { e: true }), set(["b", "c"], 3));
    expect(result.text).toBe("a: 1\r\nb:\r\n  c: 3 # note\r\n  d:\r\n    e: true\r\n");
    expectSound("f.yaml", text, result);
  });

  it("keeps a missing final newline missing", () => {
    const result = fix("f.yaml", "a: 1\nb: 2", set(["c"], 3));
    expect(result.text).toBe("a: 1\nb: 2\nc: 3");
    expect(applyLineEdits("a: 1\nb: 2", result.edits)).toBe(result.text);
  });

  it("keeps a byte order mark", () => {
    const result = fix("f.yaml", "\uFEFFa: 1\n", set(["b"], 2));
    expect(result.text).toBe("\uFEFFa: 1\nb: 2\n");
  });
});

// ---------------------------------------------------------------------------------------------
// Property: fixes of the real pipeline, applied to every denied example and to a real-world corpus.

interface Tally {
  files: number;
  applied: number;
  refused: Map<string, number>;
}

const keyOf = (f: Finding) => `${f.rule}:${f.fingerprint}`;

async function checkFixedFiles(
  files: Record<string, string>,
  config: ReturnType<typeof testConfig>,
  tally: Tally,
): Promise<void> {
  const before = await evaluate(files, { config });
  const withFix = new Map<string, Finding[]>();
  for (const f of before.findings)
    if (f.fix && f.documentIndex !== undefined)
      withFix.set(f.file, [...(withFix.get(f.file) ?? []), f]);
  const fixed: Record<string, string> = {};
  const appliedFindings = new Map<string, Finding[]>();
  for (const [file, findings] of withFix) {
    const text = files[file]!;
    const result = applyFixes(
      file,
      text,
      findings.map((f) => ({ documentIndex: f.documentIndex!, fix: f.fix! })),
    );
    tally.files++;
    result.outcomes.forEach((o, i) => {
      if (o.applied) {
        tally.applied++;
        appliedFindings.set(file, [...(appliedFindings.get(file) ?? []), findings[i]!]);
      } else tally.refused.set(o.reason!, (tally.refused.get(o.reason!) ?? 0) + 1);
    });
    expectSound(file, text, result);
    // Comments: no comment-only line is replaced, and a comment on an edited line survives it.
    const lines = text.split(/\r?\n/);
    for (const [line, comment] of commentsByLine(text)) {
      const edit = result.edits.find((e) => line >= e.startLine && line <= e.endLine);
      if (!edit) continue;
      expect(
        `${file}:${line}: ${lines[line - 1]!.trim().startsWith("#") ? "comment line" : "ok"}`,
      ).toBe(`${file}:${line}: ok`);
      expect(edit.replacement.some((r) => r.includes(comment))).toBe(true);
    }
    fixed[file] = result.text;
  }
  if (Object.keys(fixed).length === 0) return;
  const after = await evaluate(fixed, { config });
  const beforeKeys = new Set(before.findings.map(keyOf));
  const afterKeys = new Set(after.findings.map(keyOf));
  const stillThere = [...appliedFindings.values()].flat().filter((f) => afterKeys.has(keyOf(f)));
  expect(stillThere.map((f) => `${f.file}:${f.lines.start}:${f.rule}`)).toEqual([]);
  const added = after.findings.filter((f) => !beforeKeys.has(keyOf(f)));
  expect(added.map((f) => `${f.file}:${f.lines.start}:${f.rule}: ${f.message}`)).toEqual([]);
  expect(after.errors).toEqual([]);
}

function report(label: string, tally: Tally): void {
  const refused = [...tally.refused].map(([reason, n]) => `${n} x ${reason}`).join("; ");
  process.stderr.write(
    `fix property (${label}): ${tally.files} files, ${tally.applied} fixes applied, ` +
      `${[...tally.refused.values()].reduce((a, b) => a + b, 0)} refused${refused ? `: ${refused}` : ""}\n`,
  );
}

const RULES_DIR = join(packageRoot(), "policies", "rules");
const CORPUS = join(packageRoot(), "..", "shared", "corpus");

/** Settings a denied example needs (first line `# settings: {json}`), as golden.test.ts reads them. */
function exampleSettings(text: string): Record<string, unknown> {
  const m = /^# settings: (\{.*\})\s*$/.exec(text.split("\n")[0] ?? "");
  return m ? (JSON.parse(m[1]!) as Record<string, unknown>) : {};
}

// The resource fixes (PCK009/PCK010) only exist when the repository gives defaults.
const RESOURCE_DEFAULTS = {
  resourceDefaults: {
    limits: { cpu: "500m", memory: "256Mi" },
    requests: { cpu: "100m", memory: "128Mi" },
  },
};

describe("property: the catalogue's fixes", () => {
  it.each([
    ["default settings", {}],
    ["with resourceDefaults", RESOURCE_DEFAULTS],
  ])(
    "fix every denied example cleanly, keep every untouched line, and clear exactly the fixed findings (%s)",
    async (label, extra) => {
      const tally: Tally = { files: 0, applied: 0, refused: new Map() };
      for (const rule of readdirSync(RULES_DIR).sort()) {
        const path = join(RULES_DIR, rule, "examples", "denied.yaml");
        if (!existsSync(path)) continue;
        const text = readFileSync(path, "utf8");
        const config = testConfig({}, { ...exampleSettings(text), ...extra });
        await checkFixedFiles({ [`${rule}/denied.yaml`]: text }, config, tally);
      }
      report(`catalogue, ${label}`, tally);
      expect(tally.files).toBeGreaterThan(10);
      expect(tally.applied).toBeGreaterThan(300);
      expect([...tally.refused.keys()]).toEqual([]);
    },
  );
});

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/i.test(name)) out.push(path);
  }
  return out;
}

describe("property: a real-world corpus", () => {
  const present = existsSync(CORPUS);
  if (!present)
    process.stderr.write(`fix property: ${CORPUS} does not exist; corpus check skipped\n`);
  (present ? it : it.skip)(
    "fixes every file of ../shared/corpus cleanly with the default config",
    async () => {
      const files: Record<string, string> = {};
      for (const path of yamlFiles(CORPUS))
        files[relative(CORPUS, path)] = readFileSync(path, "utf8");
      const tally: Tally = { files: 0, applied: 0, refused: new Map() };
      await checkFixedFiles(files, testConfig(), tally);
      report(`corpus, ${Object.keys(files).length} YAML files`, tally);
      expect(tally.applied).toBeGreaterThan(0);
      // A file Kubernetes' own readers read differently (PCS005) is rightly never edited.
      const refused = [...tally.refused.keys()].filter(
        (why) => !why.includes("read differently by Kubernetes' own readers"),
      );
      expect(refused).toEqual([]);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Robustness: random operations on real files never throw, and whatever applies stays sound.

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pathsOf(value: unknown, prefix: PathStep[] = [], out: PathStep[][] = []): PathStep[][] {
  if (prefix.length > 12) return out;
  const children: [PathStep, unknown][] = Array.isArray(value)
    ? value.map((v, i): [PathStep, unknown] => [i, v])
    : value !== null && typeof value === "object"
      ? Object.entries(value)
      : [];
  for (const [k, v] of children) {
    out.push([...prefix, k]);
    pathsOf(v, [...prefix, k], out);
  }
  return out;
}

describe("robustness", () => {
  it("never throws on random operations over the denied examples, and every result stays sound", () => {
    const random = mulberry32(20260601);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const values: unknown[] = [
      true,
      false,
      0,
      7,
      "x",
      "yes",
      "a: b",
      null,
      ["ALL"],
      { type: "RuntimeDefault" },
      {},
      [],
    ];
    let appliedCount = 0;
    for (const rule of readdirSync(RULES_DIR).sort()) {
      const path = join(RULES_DIR, rule, "examples", "denied.yaml");
      if (!existsSync(path)) continue;
      const text = readFileSync(path, "utf8");
      const parsed = parseManifest("f.yaml", text);
      if (parsed.problems.length > 0) continue;
      for (let round = 0; round < 4; round++) {
        const requests = parsed.documents.flatMap((doc) => {
          const paths = pathsOf(doc.value);
          return Array.from({ length: 3 }, () => {
            const base = paths.length > 0 ? pick(paths) : ["x"];
            const p = random() < 0.3 ? [...base, "added"] : base;
            const op = pick(["set", "remove", "append"] as const);
            const fix: FixOperation =
              op === "remove" ? { op, path: p } : { op, path: p, value: pick(values) };
            return { documentIndex: doc.index, fix };
          });
        });
        const result = applyFixes("f.yaml", text, requests);
        expect(result.outcomes).toHaveLength(requests.length);
        appliedCount += result.outcomes.filter((o) => o.applied).length;
        expectSound("f.yaml", text, result);
      }
    }
    expect(appliedCount).toBeGreaterThan(50);
  });
});
