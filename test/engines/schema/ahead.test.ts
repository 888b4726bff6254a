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
import {
  AHEAD_MAX_DOCUMENTS,
  AheadAnswers,
  contentKey,
} from "../../../src/engines/schema/ahead.js";
import { fewManifestFiles } from "../../../src/engines/schema/crds.js";
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

describe("AheadAnswers", () => {
  it("asks in slices of about 256 KB, each content once, and finds each answer by content", async () => {
    const asked: unknown[][] = [];
    const ahead = new AheadAnswers();
    const docs = Array.from({ length: 600 }, (_, i) => configMap(`c${i % 500}`));
    ahead.ask(docs, async (slice) => {
      asked.push([...slice]);
      return slice.map(finding);
    });
    expect(asked.flat()).toHaveLength(500);
    expect(asked.length).toBeGreaterThan(1);
    expect(asked.every((s) => JSON.stringify(s).length < 300 * 1024)).toBe(true);
    const key = contentKey(JSON.stringify(configMap("c42")));
    expect(await ahead.get(key)).toEqual(finding(configMap("c42")));
    expect(ahead.get(contentKey(JSON.stringify(configMap("c42", "other"))))).toBeUndefined();
  });

  it("asks nothing ahead beyond AHEAD_MAX_DOCUMENTS objects", () => {
    const ahead = new AheadAnswers();
    let asked = 0;
    const docs = Array.from({ length: AHEAD_MAX_DOCUMENTS + 1 }, (_, i) => configMap(`c${i}`, ""));
    ahead.ask(docs, async (slice) => {
      asked += slice.length;
      return slice.map(finding);
    });
    expect(asked).toBe(0);
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
const built = existsSync(binary);
const SKIPPED = built ? "" : " (skipped: kube-schema is not built, npm run build:schema)";

(built ? describe : describe.skip)(`check's answers asked ahead${SKIPPED}`, () => {
  it("a kube-schema that stops on the slice asked ahead is asked again: the findings are all there", async () => {
    // The first process says which versions it carries, then dies on its first request (the
    // first slice asked ahead); the next ones are the real kube-schema.
    const dir = mkdtempSync(join(tmpdir(), "portcullis-ahead-"));
    const file = join(dir, "kube-schema");
    writeFileSync(
      file,
      `#!/bin/sh\nif [ -e ${dir}/started ]; then exec ${binary}; fi\n` +
        `: > ${dir}/started\nread -r line; ${binary} --versions\n` +
        `read -r line; echo "killed" >&2; exit 137\n`,
    );
    chmodSync(file, 0o755);
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
  });
});
