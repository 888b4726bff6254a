// `check` reads its files once (src/review/checked-files.ts): the engines' inventory is made from
// the parse the evaluation then uses, with the objects the inventory's own parse always gave; and
// the answers an engine asked ahead (schema validation) do not hold the next files back.
import { gatekeeperInventory } from "../../src/engines/gatekeeper/directory.js";
import type { Engine } from "../../src/engines/engine.js";
import { EVALUATION_CHUNK_BYTES, EVALUATION_PIPELINE_DEPTH } from "../../src/core/limits.js";
import { CheckedFiles } from "../../src/review/checked-files.js";
import {
  evaluateFiles,
  evaluateFilesWhenReady,
  type SourceFile,
} from "../../src/review/evaluate-files.js";
import { EMPTY_LAYOUT, testConfig } from "../support/engine.js";

const source = (path: string, text: string, disk = true): SourceFile => ({
  path,
  content: new TextEncoder().encode(text),
  ...(disk ? { release: () => undefined } : {}),
});
const cm = (name: string, pad = "") =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {a: "${pad}"}\n`;

/** An engine that keeps every document it is given and finds nothing. */
function keeping(seen: unknown[]): Engine {
  return {
    id: "keeping",
    evaluate: async (inputs) => {
      seen.push(...inputs.map((i) => i.document));
      return inputs.map(() => ({ ok: true, findings: [] }));
    },
  };
}

describe("CheckedFiles", () => {
  it("the engines' inventory is the evaluation's parse: each file is parsed once, the same objects evaluated", async () => {
    const files = [source("a.yaml", cm("a") + "---\n" + cm("b")), source("c.yaml", cm("c"))];
    const config = testConfig();
    const checked = new CheckedFiles(files, EMPTY_LAYOUT, config, "/repo", { keep: true });
    const inventory = await checked.inventory();
    expect(inventory.objects).toHaveLength(3);
    expect(checked.reads).toBe(2);
    const seen: unknown[] = [];
    const deps = { engines: [keeping(seen)], rules: new Map(), today: "2026-06-01" };
    await evaluateFilesWhenReady(
      files,
      EMPTY_LAYOUT,
      config,
      Promise.resolve(deps),
      undefined,
      checked.readAhead,
    );
    // The evaluation took the files read for the inventory (none is left, none read again).
    expect(checked.readAhead.size).toBe(0);
    expect(seen).toHaveLength(3);
    seen.forEach((doc, i) => expect(doc).toBe(inventory.objects[i]));
  });

  it("gives the objects the inventory's own parse gives, whatever the evaluation's limits or problems", async () => {
    const files = [
      source("ok.yaml", cm("a")),
      // Over the evaluation's limit of one document (the inventory reads with the default limits).
      source("two.yaml", cm("b") + "---\n" + cm("c")),
      // A syntax error in one document; the other still read.
      source("broken.yaml", cm("d") + "---\nkind: [\n"),
      // JSON with comments (the evaluation reads it as the editors' file, holding no object).
      source("settings.json", '{\n  // comment\n  "a": 1\n}\n'),
      source("kustomization.yaml", "resources: [ok.yaml]\n"),
      source("patch.yaml", cm("p")),
    ];
    const layout = { chartRoots: new Set<string>(), patchFiles: new Set(["patch.yaml"]) };
    const config = testConfig({ limits: { maxFileBytes: 1 << 20, maxDocuments: 1 } });
    const checked = new CheckedFiles(files, layout, config, "/repo", { keep: true });
    const { objects } = await checked.inventory();
    expect(objects).toEqual(gatekeeperInventory(files, layout));
    expect(objects.map((o) => (o as { metadata: { name: string } }).metadata.name)).toEqual([
      "a",
      "b",
      "c",
      "d",
    ]);
  });

  it("gives each file's objects as it is read, in file order, those read already first", async () => {
    const files = [source("a.yaml", cm("a")), source("b.yaml", cm("b")), source("c.yaml", cm("c"))];
    const checked = new CheckedFiles(files, EMPTY_LAYOUT, testConfig(), "/repo", { keep: false });
    const early: unknown[] = [];
    const reading = checked.inventory((objects) => early.push(...objects));
    const late: unknown[] = [];
    await new Promise((r) => setImmediate(r));
    checked.inventory((objects) => late.push(...objects));
    const { objects } = await reading;
    expect(early).toEqual(objects);
    expect(late).toEqual(objects);
    // Read for the inventory only (a --render check evaluates rendered output): nothing kept.
    expect(checked.readAhead.size).toBe(0);
  });

  it("names the files on disk whose objects are all in the inventory: not patches, refused files or standard input", () => {
    const files = [
      source("a.yaml", cm("a")),
      source("patch.yaml", cm("p")),
      { ...source("big.yaml", ""), refused: "too large" },
      source("stdin.yaml", cm("s"), false),
    ];
    const layout = { chartRoots: new Set<string>(), patchFiles: new Set(["patch.yaml"]) };
    const checked = new CheckedFiles(files, layout, testConfig(), "/repo", { keep: true });
    expect([...checked.inInventory()]).toEqual(["/repo/a.yaml"]);
  });

  it("counts the files the inventory reads (manifests, not patches or chart templates), without reading them", () => {
    const files = [
      source("a.yaml", cm("a")),
      source("patch.yaml", cm("p")),
      source("chart/templates/t.yaml", cm("t")),
      { ...source("big.yaml", ""), refused: "too large" },
      source("stdin.yaml", cm("s"), false),
    ];
    const layout = { chartRoots: new Set(["chart"]), patchFiles: new Set(["patch.yaml"]) };
    const checked = new CheckedFiles(files, layout, testConfig(), "/repo", { keep: true });
    expect(checked.manifestCount()).toBe(3);
    expect(checked.reads).toBe(0);
  });
});

describe("answers asked ahead", () => {
  /** Files of `slices` evaluation slices, two files each. */
  const filesOf = (slices: number) =>
    Array.from({ length: slices * 2 }, (_, i) =>
      source(`f${i}.yaml`, cm(`c${i}`, "x".repeat(EVALUATION_CHUNK_BYTES / 2 - 200))),
    );

  /** An engine whose answers come only once released; how many slices it was given meanwhile. */
  function held(answersAhead: boolean) {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const engine: Engine = {
      id: "held",
      evaluate: async (inputs) => {
        await released;
        return inputs.map(() => ({ ok: true, findings: [] }));
      },
      answersAhead: () => answersAhead,
    };
    return { engine, release };
  }

  it("do not hold the next files back: every slice is evaluated by the other engines first", async () => {
    const files = filesOf(4 * EVALUATION_PIPELINE_DEPTH);
    const seen: unknown[] = [];
    const slow = held(true);
    const deps = { engines: [keeping(seen), slow.engine], rules: new Map(), today: "2026-06-01" };
    const evaluated = evaluateFiles(files, EMPTY_LAYOUT, testConfig(), deps);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(files.length);
    slow.release();
    const report = await evaluated;
    expect(report.documentsEvaluated).toBe(files.length);
    expect(report.errors).toEqual([]);
  });

  it("an engine that did not ask ahead still holds the pipeline (at most its depth of slices)", async () => {
    const files = filesOf(4 * EVALUATION_PIPELINE_DEPTH);
    const seen: unknown[] = [];
    const slow = held(false);
    const deps = { engines: [keeping(seen), slow.engine], rules: new Map(), today: "2026-06-01" };
    const evaluated = evaluateFiles(files, EMPTY_LAYOUT, testConfig(), deps);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.length).toBeLessThanOrEqual(2 * EVALUATION_PIPELINE_DEPTH);
    slow.release();
    expect((await evaluated).documentsEvaluated).toBe(files.length);
  });
});

describe("CheckedFiles once the evaluation has begun", () => {
  it("keeps no file read for the inventory then (the evaluation may have read it already)", async () => {
    const files = [source("a.yaml", cm("a")), source("b.yaml", cm("b"))];
    const checked = new CheckedFiles(files, EMPTY_LAYOUT, testConfig(), "/repo", { keep: true });
    checked.evaluating();
    expect((await checked.inventory()).objects).toHaveLength(2);
    expect(checked.readAhead.size).toBe(0);
  });
});
