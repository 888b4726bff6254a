// `check` asks kube-schema ahead for the checked files' objects (src/engines/schema/ahead.ts): in
// slices, in order, each content once, found again by content; nothing ahead beyond the limit; and
// a check whose kube-schema stops on a slice asked ahead asks again rather than failing or passing.
// The CLI part needs kube-schema (npm run build:schema).
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../../src/adapters/fs/policy-bundle.js";
import { jest } from "@jest/globals";
import {
  AHEAD_MAX_DOCUMENTS,
  AHEAD_MAX_FILES,
  AheadAnswers,
  contentKey,
} from "../../../src/engines/schema/ahead.js";
import { fewManifestFiles, workingTreeCRDs } from "../../../src/engines/schema/crds.js";
import { schemaEngine } from "../../../src/engines/schema/index.js";
import type { EngineContext, Inventory } from "../../../src/engines/engine.js";
import { testConfig } from "../../support/engine.js";
import type { SchemaFinding } from "../../../src/engines/schema/kube-schema.js";
import { runCommand } from "../../support/cli.js";

const configMap = (name: string, data = "x".repeat(1000)) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name },
  data: { a: data },
});
const finding = (doc: unknown): SchemaFinding[] => [
  { rule: "PCV001", path: [], message: (doc as { metadata: { name: string } }).metadata.name },
];

/** AheadAnswers whose requests are kept in `asked` and answered with `finding`. */
function recorded() {
  const asked: { docs: unknown[]; json: readonly string[]; keys: readonly string[] }[] = [];
  const ahead = new AheadAnswers(async (slice, json, keys) => {
    asked.push({ docs: [...slice], json, keys });
    return slice.map(finding);
  });
  return { asked, ahead };
}

describe("AheadAnswers", () => {
  it("asks in slices of about 256 KB, each content once, and finds each answer by content", async () => {
    const { asked, ahead } = recorded();
    const docs = Array.from({ length: 600 }, (_, i) => configMap(`c${i % 500}`));
    ahead.add(docs.slice(0, 300));
    ahead.add(docs.slice(300));
    ahead.flush();
    expect(asked.flatMap((a) => a.docs)).toHaveLength(500);
    expect(asked.length).toBeGreaterThan(1);
    expect(asked.every((s) => JSON.stringify(s.docs).length < 300 * 1024)).toBe(true);
    expect(await ahead.get(configMap("c42"))).toEqual(finding(configMap("c42")));
    expect(ahead.get(configMap("c42", "other"))).toBeUndefined();
  });

  it("finds a document asked ahead by the object itself, without making its JSON again", async () => {
    const { ahead } = recorded();
    const doc = configMap("same");
    const copy = configMap("same");
    ahead.add([doc, copy]);
    ahead.flush();
    const stringify = jest.spyOn(JSON, "stringify");
    try {
      expect(await ahead.get(doc)).toEqual(finding(doc));
      expect(await ahead.get(copy)).toEqual(finding(doc));
      expect(stringify).not.toHaveBeenCalled();
      // Another object of the same content is found by its content (its JSON made then).
      expect(await ahead.get(configMap("same"))).toEqual(finding(doc));
      expect(stringify).toHaveBeenCalledTimes(1);
    } finally {
      stringify.mockRestore();
    }
  });

  it("keeps the JSON a CRD was asked with and its key, for the repository's CRDs sent later", () => {
    const { asked, ahead } = recorded();
    const crd = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
    };
    ahead.add([crd, configMap("c")]);
    ahead.flush();
    expect(ahead.crdJson(crd)).toEqual({ json: asked[0]!.json[0], key: asked[0]!.keys[0] });
    expect(asked[0]!.keys).toEqual(asked[0]!.json.map(contentKey));
    expect(ahead.crdJson(configMap("c"))).toBeUndefined();
  });

  it("asks at most AHEAD_MAX_DOCUMENTS objects ahead", () => {
    const { asked, ahead } = recorded();
    const docs = Array.from({ length: AHEAD_MAX_DOCUMENTS + 1 }, (_, i) => configMap(`c${i}`, ""));
    ahead.add(docs);
    ahead.flush();
    expect(asked.flatMap((a) => a.docs)).toHaveLength(AHEAD_MAX_DOCUMENTS);
    expect(ahead.get(docs[AHEAD_MAX_DOCUMENTS])).toBeUndefined();
  });
});

describe("workingTreeCRDs", () => {
  it("does not read again the files whose CRDs the caller has (the check's inventory)", () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-ahead-"));
    const crd = (name: string) =>
      `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: ${name}}\n`;
    writeFileSync(join(dir, "a.yaml"), crd("a.example.com"));
    writeFileSync(join(dir, "b.yaml"), crd("b.example.com"));
    const names = (crds: unknown[]) =>
      crds.map((c) => (c as { metadata: { name: string } }).metadata.name);
    expect(names(workingTreeCRDs(dir).crds)).toEqual(["a.example.com", "b.example.com"]);
    expect(names(workingTreeCRDs(dir, new Set([join(dir, "a.yaml")])).crds)).toEqual([
      "b.example.com",
    ]);
  });
});

describe("fewManifestFiles", () => {
  it("counts the YAML/JSON files check could read ahead, as the CRD walk sees them", () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-ahead-"));
    mkdirSync(join(dir, "apps", "node_modules"), { recursive: true });
    for (const f of ["a.yaml", "apps/b.yml", "apps/c.json", "apps/kustomization.yaml"])
      writeFileSync(join(dir, f), "{}\n");
    writeFileSync(join(dir, "apps", "node_modules", "d.yaml"), "{}\n");
    writeFileSync(join(dir, "README.md"), "text\n");
    expect(fewManifestFiles(dir, 3)).toBe(true);
    expect(fewManifestFiles(dir, 2)).toBe(false);
  });
});

const binary = join(packageRoot(), ".tools", "bin", "kube-schema");

/**
 * `check`'s context in `dir` with kube-schema `file`, whose checked files (`manifests` of them,
 * one unless said) hold `objects`, read until `finish`.
 */
function checkContext(dir: string, file: string, objects: unknown[], manifests = 1) {
  let finish!: () => void;
  const read = new Promise<Inventory>((r) => (finish = () => r({ objects, cut: 0 })));
  const checked = {
    inventory: (each?: (objects: readonly unknown[]) => void) => {
      each?.(objects);
      return read;
    },
    inInventory: () => new Set<string>(),
    manifestCount: () => manifests,
  };
  const ctx = {
    config: testConfig(),
    configFile: ".github/portcullis.yml",
    inventory: () => read,
    commandLine: {
      root: dir,
      env: { PORTCULLIS_KUBE_SCHEMA: file },
      policy: [],
      data: [],
      admission: [],
      checked,
    },
  } as unknown as EngineContext;
  return { ctx, finish };
}
/**
 * A kube-schema in a new folder whose first process says which versions it carries, reads
 * `requests` more lines and dies; every later process is the real one.
 */
function dyingFirst(requests: number) {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-ahead-"));
  const file = join(dir, "kube-schema");
  writeFileSync(
    file,
    `#!/bin/sh\nif [ -e ${dir}/started ]; then exec ${binary}; fi\n` +
      `: > ${dir}/started\nread -r line; ${binary} --versions\n` +
      `${"read -r line; ".repeat(requests)}echo "killed" >&2; exit 137\n`,
  );
  chmodSync(file, 0o755);
  return { dir, file };
}

const built = existsSync(binary);
const SKIPPED = built ? "" : " (skipped: kube-schema is not built, npm run build:schema)";

(built ? describe : describe.skip)(`check's answers asked ahead${SKIPPED}`, () => {
  it("a kube-schema that stops on the slice asked ahead is asked again: the findings are all there", async () => {
    // The first process says which versions it carries, then dies on its first request (the
    // first slice asked ahead); the next ones are the real kube-schema.
    const { dir, file } = dyingFirst(1);
    writeFileSync(
      join(dir, "deploy.yaml"),
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicaz: 2\n",
    );
    const r = await runCommand(["check", ".", "-f", "json", "--fail-on", "never"], dir, {
      PORTCULLIS_KUBE_SCHEMA: file,
    });
    const json = JSON.parse(r.stdout) as {
      errors: unknown[];
      findings: { rule: string; lines: { start: number } }[];
    };
    expect(json.errors).toEqual([]);
    expect(
      json.findings
        .filter((f) => f.rule.startsWith("PCV"))
        .map((f) => `${f.lines.start}:${f.rule}`),
    ).toEqual(expect.arrayContaining(["5:PCV002"]));
  });
  it("reads the working tree's CRDs only for an object no other schema covers", async () => {
    // A wrapper keeps what kube-schema is sent (it runs with an empty PATH: /usr/bin/tee). A Deployment has a built-in schema: the working
    // tree's CRD is never sent. A Widget has none: the CRD is sent, and validates it.
    const dir = mkdtempSync(join(tmpdir(), "portcullis-ahead-"));
    const sent = join(dir, "sent.jsonl");
    const file = join(dir, "kube-schema");
    writeFileSync(file, `#!/bin/sh\n/usr/bin/tee -a ${sent} | ${binary} "$@"\n`);
    chmodSync(file, 0o755);
    mkdirSync(join(dir, "crds"));
    writeFileSync(
      join(dir, "crds", "widget.yaml"),
      [
        "apiVersion: apiextensions.k8s.io/v1",
        "kind: CustomResourceDefinition",
        "metadata: {name: widgets.example.com}",
        "spec:",
        "  group: example.com",
        "  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}",
        "  scope: Namespaced",
        "  versions:",
        "    - name: v1",
        "      served: true",
        "      storage: true",
        "      schema:",
        "        openAPIV3Schema:",
        "          type: object",
        "          properties:",
        "            spec: {type: object, properties: {size: {type: integer}}}",
        "",
      ].join("\n"),
    );
    mkdirSync(join(dir, "apps"));
    writeFileSync(
      join(dir, "apps", "deploy.yaml"),
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicaz: 2\n",
    );
    const env = { PORTCULLIS_KUBE_SCHEMA: file };
    const args = ["check", "apps", "-f", "json", "--fail-on", "never"];
    const first = JSON.parse((await runCommand(args, dir, env)).stdout) as {
      findings: { rule: string }[];
    };
    expect(first.findings.map((f) => f.rule)).toContain("PCV002");
    expect(readFileSync(sent, "utf8")).not.toContain("widgets.example.com");
    writeFileSync(
      join(dir, "apps", "widget.yaml"),
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  size: big\n",
    );
    const second = JSON.parse((await runCommand(args, dir, env)).stdout) as {
      findings: { rule: string; file: string }[];
    };
    expect(readFileSync(sent, "utf8")).toContain("widgets.example.com");
    expect(
      second.findings.filter((f) => f.file.endsWith("widget.yaml")).map((f) => f.rule),
    ).toEqual(["PCV001"]);
    // The whole working tree checked: the CRD is among the checked objects (its file not read
    // again for the repository's CRDs), sent once, and validates the Widget the same way.
    writeFileSync(sent, "");
    const whole = JSON.parse(
      (await runCommand(["check", ".", "-f", "json", "--fail-on", "never"], dir, env)).stdout,
    ) as { findings: { rule: string; file: string }[] };
    expect(whole.findings.filter((f) => f.file.endsWith("widget.yaml")).map((f) => f.rule)).toEqual(
      ["PCV001"],
    );
    expect(readFileSync(sent, "utf8").split('"crds":[').length - 1).toBe(1);
  });

  it("kube-schema is asked for every checked object before the evaluation starts, and the evaluation takes those answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-ahead-"));
    const sent = join(dir, "sent.jsonl");
    const file = join(dir, "kube-schema");
    writeFileSync(file, `#!/bin/sh\n/usr/bin/tee -a ${sent} | ${binary} "$@"\n`);
    chmodSync(file, 0o755);
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { replicaz: 2 },
    };
    const { ctx, finish } = checkContext(dir, file, [deployment]);
    let loaded = false;
    const loading = schemaEngine.load(ctx).then((l) => ((loaded = true), l));
    // kube-schema answered which versions it carries long ago; the objects are still being read.
    for (let i = 0; i < 50 && !existsSync(sent); i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(loaded).toBe(false);
    finish();
    const engine = (await loading).engines[0]!;
    expect(engine.answersAhead?.()).toBe(true);
    const [result] = await engine.evaluate([
      { document: deployment, file: { path: "deploy.yaml", partial: false } },
    ]);
    expect(result!.ok && result!.findings.map((f) => f.rule)).toContain("PCV002");
    // Which versions, then the one slice asked ahead: the evaluation asked nothing more.
    const lines = readFileSync(sent, "utf8").trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('"replicaz"');
  });

  it("asks ahead as the checked files' count says, not the working tree's (which it does not walk)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-ahead-"));
    const answersAhead = async (manifests: number) => {
      const { ctx, finish } = checkContext(dir, binary, [], manifests);
      finish();
      return (await schemaEngine.load(ctx)).engines[0]!.answersAhead?.();
    };
    // One file checked in a working tree of more manifests than are ever read ahead (a pre-commit
    // hook in a large repository): ahead, as in a small one.
    mkdirSync(join(dir, "many"));
    for (let i = 0; i <= AHEAD_MAX_FILES; i++)
      writeFileSync(join(dir, "many", `${i}.yaml`), "{}\n");
    expect(await answersAhead(1)).toBe(true);
    // More checked manifests than that in the same working tree: not ahead.
    expect(await answersAhead(AHEAD_MAX_FILES + 1)).toBe(false);
    expect(await answersAhead(AHEAD_MAX_FILES)).toBe(true);
  });

  it("a document not asked ahead, sent behind a slice on which kube-schema stops, is asked again with it", async () => {
    // The first process says which versions it carries, reads the slice asked ahead and the
    // document asked at evaluation, then dies; the next ones are the real kube-schema.
    const { dir, file } = dyingFirst(2);
    const deployment = (name: string) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: { replicaz: 2 },
    });
    const { ctx, finish } = checkContext(dir, file, [deployment("ahead")]);
    finish();
    const engine = (await schemaEngine.load(ctx)).engines[0]!;
    const results = await engine.evaluate(
      [deployment("ahead"), deployment("rendered")].map((document) => ({
        document,
        file: { path: "deploy.yaml", partial: false },
      })),
    );
    for (const r of results) expect(r.ok && r.findings.map((f) => f.rule)).toContain("PCV002");
  });
});
