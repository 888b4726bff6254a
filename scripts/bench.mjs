#!/usr/bin/env node
// npm run bench: `portcullis check` against the pinned `opa eval` (Go) on the same bundle and inputs,
// and `portcullis check --policy` against the pinned `conftest test` on the same repository policies.
// And the scale figures (scripts/bench-scale.mjs): one-file start-up, peak RSS at 10,000 files and
// 50,000 resources, next to conftest in the same run.
// Usage: node scripts/bench.mjs [--corpus DIR] [--generate N] [--runs N]
//   [--peers opa,conftest,scale,schema] [--scale-runs N] [--scale-files N] [--scale-resources N]
//   [--scale-peer all|startup] [--callgrind] [--write]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateCorpus } from "./generate-manifests.mjs";
import { ROOT, REGO_IGNORES, ensureConftest, ensureOpa } from "./tools.mjs";
import { benchParsers } from "./bench-parsers.mjs";
import { measure, median } from "./bench-measure.mjs";
import { benchConftest, conftestTable } from "./conftest-peer.mjs";
import { benchScale } from "./bench-scale.mjs";

const { values } = parseArgs({
  options: {
    corpus: { type: "string" },
    generate: { type: "string", default: "1000" },
    runs: { type: "string", default: "5" },
    peers: { type: "string", default: "opa,conftest,scale,schema" },
    "scale-runs": { type: "string", default: "1" },
    "scale-files": { type: "string", default: "10000" },
    "scale-resources": { type: "string", default: "50000" },
    callgrind: { type: "boolean", default: false },
    // conftest over 10,000 files takes minutes (about 2 ms a document, ~800 MiB): "startup" runs
    // it on the one-file start-up only.
    "scale-peer": { type: "string", default: "all" },
    write: { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
const peers = new Set(values.peers.split(","));
const corpus =
  values.corpus ??
  (existsSync(resolve(ROOT, "../shared/corpus")) ? resolve(ROOT, "../shared/corpus") : undefined);
const work = mkdtempSync(join(tmpdir(), "portcullis-bench-"));
const opa = ensureOpa();
const dist = (p) => import(join(ROOT, "dist", p));
const { readDirectorySources } = await dist("adapters/fs/directory-source.js");
const { roleOf } = await dist("core/file-role.js");
const { parseManifest, DEFAULT_PARSE_LIMITS } = await dist("yaml/index.js");
const { readBlockYaml } = await dist("yaml/block-yaml.js");
const { jsyamlRead } = await dist("yaml/fast-yaml.js");
const { isKubernetesObject } = await dist("core/findings.js");
const { defaultConfig } = await dist("config/config.js");
const { loadPolicyBundle } = await dist("adapters/fs/policy-bundle.js");
const { WasmPolicyEngine } = await dist("engines/opa/wasm-policy-engine.js");

/** The exact policy inputs `portcullis check` evaluates for a directory. */
function policyInputs(dir) {
  const bundle = loadPolicyBundle();
  const config = defaultConfig({
    settingDefaults: bundle.settingDefaults,
    ruleIds: new Set(bundle.rules.keys()),
  });
  const selection = readDirectorySources(["."], dir, config);
  const documents = [];
  const perFile = [];
  const paths = [];
  let files = 0;
  for (const f of selection.files) {
    const role = roleOf(f.path, selection.layout, Buffer.from(f.content).toString("utf8"));
    if (role === "helm-template" || role === "kustomization") continue;
    const parsed = parseManifest(f.path, f.content);
    const objects = parsed.documents.filter((d) => isKubernetesObject(d.value));
    if (objects.length === 0) continue;
    files++;
    const inputs = objects.map((d) => ({
      document: d.value,
      file: { path: f.path, partial: role === "patch" },
    }));
    perFile.push(inputs);
    paths.push(f.path);
    documents.push(...inputs);
  }
  return {
    documents,
    perFile,
    paths,
    files,
    bytes: selection.files.reduce((n, f) => n + f.content.byteLength, 0),
    settings: config.settings,
  };
}

/** Same decisions from the wasm bundle (in-process) and from opa eval: compared per document. */
function parity(inputs, opaOutput) {
  const bundle = loadPolicyBundle();
  const engine = new WasmPolicyEngine(bundle.wasm);
  engine.setSettings(inputs.settings);
  const ours = engine.evaluate(inputs.documents);
  const theirs = JSON.parse(opaOutput).result[0].expressions[0].value;
  const key = (f) => JSON.stringify([f.rule, f.msg, f.path, f.severity ?? null]);
  let diffs = 0;
  let total = 0;
  ours.forEach((r, i) => {
    const a = new Set(r.ok ? r.findings.map(key) : ["error"]);
    const b = new Set((theirs[i] ?? []).map(key));
    total += b.size;
    for (const k of a) if (!b.has(k)) diffs++;
    for (const k of b) if (!a.has(k)) diffs++;
  });
  return { diffs, total };
}

function benchDataset(name, dir, inputs) {
  const inputFile = join(work, `${name}-input.json`);
  const dataFile = join(work, `${name}-data.json`);
  writeFileSync(inputFile, JSON.stringify({ documents: inputs.documents }));
  writeFileSync(dataFile, JSON.stringify({ settings: inputs.settings }));
  // The same bundle (policies/) and settings; only the input file changes.
  const opaArgs = (input) => [
    "eval",
    "--format",
    "json",
    "-d",
    join(ROOT, "policies"),
    ...REGO_IGNORES,
    "--ignore",
    "*_test.rego",
    "--ignore",
    "data.json",
    "-d",
    dataFile,
    "-i",
    input,
    "data.portcullis.main.batch",
  ];
  const ours = [];
  const theirs = [];
  let rss = 0;
  let opaRss = 0;
  let lastOpa = "";
  for (let i = 0; i < runs; i++) {
    const p = measure(
      process.execPath,
      [
        join(ROOT, "bin", "portcullis"),
        "check",
        ".",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--output",
        join(work, "out.json"),
      ],
      { cwd: dir },
    );
    ours.push(p.wall);
    rss = Math.max(rss, p.rssKiB ?? 0);
    const o = measure(opa, opaArgs(inputFile));
    theirs.push(o.wall);
    opaRss = Math.max(opaRss, o.rssKiB ?? 0);
    lastOpa = o.stdout;
  }
  // What a CI script or pre-commit hook that calls opa does: one `opa eval` per manifest file.
  const perFileInputs = inputs.perFile.map((docs, i) => {
    const file = join(work, `${name}-file-${i}.json`);
    writeFileSync(file, JSON.stringify({ documents: docs }));
    return file;
  });
  const perFileStarted = process.hrtime.bigint();
  for (const file of perFileInputs) measure(opa, opaArgs(file));
  const perFileWall = Number(process.hrtime.bigint() - perFileStarted) / 1e9;
  const report = JSON.parse(readFileSync(join(work, "out.json"), "utf8"));
  const check = parity(inputs, lastOpa);
  const oursMedian = median(ours);
  const theirsMedian = median(theirs);
  return {
    name,
    files: inputs.files,
    bytes: inputs.bytes,
    documents: inputs.documents.length,
    findings: report.findings.length,
    ours: oursMedian,
    theirs: theirsMedian,
    ratio: oursMedian / theirsMedian,
    perFileWall,
    perFileRatio: oursMedian / perFileWall,
    docsPerSecond: inputs.documents.length / oursMedian,
    rssMiB: rss / 1024,
    opaRssMiB: opaRss / 1024,
    parity: check,
    report,
  };
}

const datasets = [];
if (corpus) datasets.push(["corpus", corpus]);
else
  console.error(
    "no corpus: pass --corpus DIR (../shared/corpus is used when present); benchmarking the generated set only",
  );
if (Number(values.generate) > 0)
  datasets.push([
    `generated-${values.generate}`,
    generateCorpus(join(work, "generated"), Number(values.generate)),
  ]);

const measured = datasets.map(([name, dir]) => ({ name, dir, inputs: policyInputs(dir) }));
const rows = peers.has("opa") ? measured.map((d) => benchDataset(d.name, d.dir, d.inputs)) : [];
const f = (n, d = 2) => n.toFixed(d);
const machine = `Machine: ${process.platform}/${process.arch}, ${(await import("node:os")).cpus().length} cores, Node ${process.version}, OPA ${spawnSync(opa, ["version"], { encoding: "utf8" }).stdout.split("\n")[0].replace("Version: ", "")}; median of ${runs} runs.`;
const lines = [
  machine,
  "",
  "| dataset | files | documents | MB | `portcullis check` | docs/s | peak RSS | `opa eval` per file | ratio | `opa eval`, one process, all documents pre-parsed | opa peak RSS | ratio | decisions identical |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.files} | ${r.documents} | ${f(r.bytes / 1e6, 1)} | ${f(r.ours)} s | ${f(r.docsPerSecond, 0)} | ${f(r.rssMiB, 0)} MiB | ${f(r.perFileWall)} s | **${f(r.perFileRatio)}** | ${f(r.theirs)} s | ${f(r.opaRssMiB, 0)} MiB | **${f(r.ratio)}** | ${r.parity.diffs === 0 ? `yes (${r.parity.total} findings)` : `NO: ${r.parity.diffs} differences`} |`,
  ),
];
/** Findings of each rule per top-level folder (repository) of the corpus, by severity. */
function findingsTable(report) {
  const repos = [...new Set(report.findings.map((x) => x.file.split("/")[0]))].sort();
  const byRule = new Map();
  for (const x of report.findings) {
    const row = byRule.get(x.rule) ?? { severity: new Set(), counts: {} };
    row.severity.add(x.severity);
    const repo = x.file.split("/")[0];
    row.counts[repo] = (row.counts[repo] ?? 0) + 1;
    byRule.set(x.rule, row);
  }
  return [
    "Findings per rule on the corpus (`portcullis check` with the default configuration):",
    "",
    `| rule | severity | ${repos.join(" | ")} | total |`,
    `|---|---|${repos.map(() => "---").join("|")}|---|`,
    ...[...byRule.keys()].sort().map((rule) => {
      const row = byRule.get(rule);
      const counts = repos.map((r) => row.counts[r] ?? 0);
      return `| [${rule}](rules/${rule}.md) | ${[...row.severity].sort().join(", ")} | ${counts.join(" | ")} | ${counts.reduce((a, b) => a + b, 0)} |`;
    }),
    `| all | | ${repos.map((r) => report.findings.filter((x) => x.file.startsWith(`${r}/`)).length).join(" | ")} | ${report.findings.length} |`,
  ];
}

/** `portcullis check --policy` against the pinned `conftest test` (built on first use, about 2 min). */
function conftestSection() {
  const conftest = ensureConftest();
  const ruleIds = [...loadPolicyBundle().rules.keys()];
  const conftestRows = measured.map((d) => ({
    name: d.name,
    files: d.inputs.files,
    documents: d.inputs.documents.length,
    ...benchConftest({ dir: d.dir, paths: d.inputs.paths, runs, work, conftest, ruleIds }),
  }));
  for (const r of conftestRows) {
    for (const d of r.diffs.slice(0, 20))
      console.error(
        `conftest difference (${r.name}) ${d.file}: only ${d.only}${d.times > 1 ? ` (${d.times}x)` : ""}: ${d.entry}`,
      );
  }
  return {
    rows: conftestRows,
    lines: [machine, "", ...conftestTable(conftestRows, conftest)],
  };
}

const sections = [];
if (peers.has("opa")) {
  const corpusRow = rows.find((r) => r.name === "corpus");
  const parserLines = corpus
    ? [
        "",
        ...findingsTable(corpusRow.report),
        "",
        ...benchParsers(corpus, parseManifest, {
          line: (text) => readBlockYaml(text, DEFAULT_PARSE_LIMITS) !== undefined,
          js: (text) => jsyamlRead(text, { ...DEFAULT_PARSE_LIMITS, serializedSize: () => 0 }).ok,
        }),
      ]
    : [];
  sections.push({ marker: "bench", text: [...lines, "", ...parserLines].join("\n") });
}
const conftestResult = peers.has("conftest") ? conftestSection() : undefined;
if (conftestResult)
  sections.push({ marker: "bench-conftest", text: conftestResult.lines.join("\n") });
if (peers.has("scale")) {
  const scale = benchScale({
    work,
    runs,
    scaleRuns: Number(values["scale-runs"]),
    conftest: ensureConftest(),
    peerAtScale: values["scale-peer"] !== "startup",
    files: Number(values["scale-files"]),
    resources: Number(values["scale-resources"]),
    callgrind: values.callgrind,
  });
  sections.push({ marker: "bench-scale", text: [machine, "", ...scale].join("\n") });
}
console.log(sections.map((x) => x.text).join("\n\n"));
if (values.write) {
  const doc = join(ROOT, "docs", "benchmarks.md");
  let current = readFileSync(doc, "utf8");
  for (const { marker, text } of sections) {
    const start = `<!-- ${marker}:start -->`;
    const end = `<!-- ${marker}:end -->`;
    const i = current.indexOf(start);
    const j = current.indexOf(end);
    if (i < 0 || j < 0) throw new Error(`docs/benchmarks.md lacks the ${start} ... ${end} markers`);
    current = `${current.slice(0, i + start.length)}\n${text}\n${current.slice(j)}`;
  }
  writeFileSync(doc, current);
  // Keep the file as the project's formatter writes it, so `npm test` (prettier --check) stays green.
  spawnSync(join(ROOT, "node_modules", ".bin", "prettier"), ["--write", doc], { stdio: "ignore" });
  console.error("updated docs/benchmarks.md");
}
// The schema validation's figures (scripts/bench-schema.mjs: validation on and off, kube-schema and
// kubeconform on the corpus's objects); printed, not written into the generated sections.
if (peers.has("schema")) {
  const args = [join(ROOT, "scripts", "bench-schema.mjs"), ...(corpus ? ["--corpus", corpus] : [])];
  const schema = spawnSync(process.execPath, args, { stdio: "inherit" });
  if (schema.status !== 0) process.exitCode = schema.status ?? 1;
}
if (rows.some((r) => r.parity.diffs > 0) || conftestResult?.rows.some((r) => r.diffs.length > 0))
  process.exitCode = 1;
