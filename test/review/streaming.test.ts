// Streaming `check` (issue 21): files are read when their slice is evaluated and let go once it is
// reported; reports are written a piece at a time, byte for byte what one JSON.stringify gave.
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readDirectorySources } from "../../src/adapters/fs/directory-source.js";
import { engineOf } from "../../src/engines/engine.js";
import { WasmPolicyEngine } from "../../src/engines/opa/wasm-policy-engine.js";
import { evaluateFiles, type SourceFile } from "../../src/review/evaluate-files.js";
import { jsonText, LazyArray, writeJson } from "../../src/render/json-stream.js";
import { renderJson } from "../../src/render/json.js";
import { renderSarif } from "../../src/render/sarif.js";
import { EVALUATION_CHUNK_BYTES, EVALUATION_PIPELINE_DEPTH } from "../../src/core/limits.js";
import { bundle, EMPTY_LAYOUT, testConfig } from "../support/engine.js";

const pod = (i: number, padding = 0) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p${i}\n  annotations: {pad: "${"x".repeat(padding)}"}\nspec:\n  hostPID: true\n  containers: [{name: a, image: a}]\n`;

const deps = () => ({
  engines: [engineOf("catalogue", new WasmPolicyEngine(bundle().wasm))],
  rules: bundle().rules,
  today: "2026-06-01",
});

/** Files whose reads and releases are counted, as directory-source's lazy files do them. */
function countedFiles(texts: readonly string[]) {
  const reads = new Map<string, number>();
  const held = new Set<string>();
  const files: SourceFile[] = texts.map((text, i) => {
    const path = `apps/p${i}.yaml`;
    let content: Uint8Array | undefined;
    return {
      path,
      get content() {
        if (!content) {
          reads.set(path, (reads.get(path) ?? 0) + 1);
          held.add(path);
          content = new TextEncoder().encode(text);
        }
        return content;
      },
      release: () => {
        content = undefined;
        held.delete(path);
      },
    };
  });
  return { files, reads, held };
}

describe("streaming evaluation", () => {
  it("lets each file's text go once its slice is reported, never holding the repository at once", async () => {
    // Four slices' worth of files (each about a quarter of a slice).
    const texts = Array.from({ length: 16 }, (_, i) => pod(i, EVALUATION_CHUNK_BYTES / 4));
    const { files, reads, held } = countedFiles(texts);
    let mostHeld = 0;
    const watching = deps();
    const engine = watching.engines[0]!;
    const report = await evaluateFiles(
      files,
      EMPTY_LAYOUT,
      testConfig(),
      {
        ...watching,
        engines: [
          {
            id: engine.id,
            evaluate: (inputs) => {
              mostHeld = Math.max(mostHeld, held.size);
              return engine.evaluate(inputs);
            },
          },
        ],
      },
      { release: "all" },
    );
    expect(held.size).toBe(0);
    // At most the slices being evaluated at once (pipelined: one in the engines while the next
    // is read), four files each, and the file read into the next slice.
    expect(mostHeld).toBeLessThanOrEqual(4 * EVALUATION_PIPELINE_DEPTH + 1);
    expect(mostHeld).toBeLessThan(texts.length);
    expect([...reads.values()].every((n) => n === 1)).toBe(true);
    // The same report as with every text in memory.
    const eager = texts.map((t, i) => ({
      path: `apps/p${i}.yaml`,
      content: new TextEncoder().encode(t),
    }));
    expect(report).toEqual(await evaluateFiles(eager, EMPTY_LAYOUT, testConfig(), deps()));
  });

  it("keeps the text of files with findings when asked (text output shows their lines)", async () => {
    const clean = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n";
    const { files, held } = countedFiles([pod(1), clean]);
    await evaluateFiles(files, EMPTY_LAYOUT, testConfig(), deps(), {
      release: "without-findings",
    });
    expect([...held]).toEqual(["apps/p0.yaml"]);
  });

  it("lets nothing go unless asked (review and --fix read the files again)", async () => {
    const { files, held } = countedFiles([pod(1), pod(2)]);
    await evaluateFiles(files, EMPTY_LAYOUT, testConfig(), deps());
    expect(held.size).toBe(2);
  });

  it("reads a directory's files only when their content is asked for, and again after a release", () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-stream-"));
    mkdirSync(join(dir, "apps"));
    writeFileSync(join(dir, "apps", "a.yaml"), pod(1));
    const selection = readDirectorySources(["."], dir, { include: ["**"], exclude: [] });
    const [file] = selection.files;
    // Changed on disk after the walk: what is read is what the file holds when evaluated.
    writeFileSync(join(dir, "apps", "a.yaml"), pod(2));
    expect(new TextDecoder().decode(file!.content)).toBe(pod(2));
    writeFileSync(join(dir, "apps", "a.yaml"), pod(3));
    expect(new TextDecoder().decode(file!.content)).toBe(pod(2)); // held until released
    file!.release!();
    expect(new TextDecoder().decode(file!.content)).toBe(pod(3));
  });
});

describe("reports written in pieces", () => {
  const samples: unknown[] = [
    {},
    [],
    { a: [], b: {}, c: [1, [2, []], { d: null }], e: undefined, f: () => 1, g: "x\ny" },
    [undefined, () => 1, Symbol("s"), { toJSON: () => undefined }, new Date(0), "é\u2028"],
    { nested: { deeper: { list: [{ a: 1 }, { b: [true, false] }] } }, n: -0, big: 1e21 },
    "top",
    42,
    null,
  ];

  it.each(samples.map((s, i) => [i, s]))(
    "writes sample %i as JSON.stringify(value, null, 2) does",
    (_i, value) => {
      expect(jsonText(value)).toBe(`${JSON.stringify(value, null, 2)}\n`);
    },
  );

  it("makes lazy elements only as it writes them, in pieces no longer than needed", () => {
    const made: number[] = [];
    const items = Array.from({ length: 5000 }, (_, i) => i);
    const value = {
      list: new LazyArray(items, (i) => (made.push(i), { i, text: "y".repeat(40) })),
    };
    const pieces: string[] = [];
    let ended = 0;
    writeJson(value, { write: (t) => pieces.push(t), end: () => ended++ });
    expect(made).toEqual(items);
    expect(ended).toBe(1);
    expect(pieces.length).toBeGreaterThan(3);
    const plain = { list: items.map((i) => ({ i, text: "y".repeat(40) })) };
    expect(pieces.join("")).toBe(`${JSON.stringify(plain, null, 2)}\n`);
  });

  it("renders the JSON and SARIF reports of a real evaluation exactly as before", async () => {
    const texts = Array.from({ length: 30 }, (_, i) => pod(i));
    const report = await evaluateFiles(
      texts.map((t, i) => ({ path: `apps/p${i}.yaml`, content: new TextEncoder().encode(t) })),
      EMPTY_LAYOUT,
      testConfig(),
      deps(),
    );
    expect(report.findings.length).toBeGreaterThan(60);
    const json = JSON.parse(renderJson(report, "error")) as { findings: unknown[] };
    expect(renderJson(report, "error")).toBe(`${JSON.stringify(json, null, 2)}\n`);
    const sarif = renderSarif(report, { version: "1.0.0", rules: bundle().rules });
    expect(sarif).toBe(`${JSON.stringify(JSON.parse(sarif), null, 2)}\n`);
  });
});

describe("lazy arrays deep inside a report", () => {
  it("write what JSON.stringify writes for the array they stand for, at any depth", () => {
    const lazy = new LazyArray([1, 2], (i) => ({ i }));
    const value = { a: { b: { c: { d: lazy } } }, e: [[[lazy]]] };
    const plain = { a: { b: { c: { d: [{ i: 1 }, { i: 2 }] } } }, e: [[[[{ i: 1 }, { i: 2 }]]]] };
    expect(jsonText(value)).toBe(`${JSON.stringify(plain, null, 2)}\n`);
  });
});

describe("lazy arrays written a chunk of elements at a time", () => {
  it("write what JSON.stringify writes across chunk boundaries, whatever the elements are", () => {
    const items = Array.from({ length: 600 }, (_, i) => i);
    const element = (i: number): unknown =>
      [
        { i, s: "a\nb", nested: { list: [i, [i]] } },
        undefined,
        () => i,
        { toJSON: () => undefined },
        new LazyArray([i, i + 1], (j) => ({ j })),
        `text ${i}`,
        [],
      ][i % 7];
    const lazy = () => new LazyArray(items, element);
    const plain = items.map((i) => JSON.parse(JSON.stringify([element(i)]) ?? "[null]")[0]);
    for (const [value, expected] of [
      [lazy(), plain],
      [{ findings: lazy() }, { findings: plain }],
      [{ a: [{ b: { c: lazy() } }] }, { a: [{ b: { c: plain } }] }],
      [{ empty: new LazyArray([], () => 1) }, { empty: [] }],
    ] as const) {
      expect(jsonText(value)).toBe(`${JSON.stringify(expected, null, 2)}\n`);
    }
  });
});
