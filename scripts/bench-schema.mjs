#!/usr/bin/env node
// npm run bench (its schema part): `portcullis check` on the corpus with the schema validation
// (PCV rules, tools/kube-schema) on and off; kube-schema alone on the same documents, and its
// start-up; and the peer, kubeconform (pinned in tools/kubeconform, built when missing: skipped,
// and said so, without Go), given JSON schemas made offline from the same OpenAPI documents and
// the same CRDs (scripts/kubeconform-schemas.mjs). The runs with validation off and on alternate,
// and so do those of a one-file check (the first file holding a Deployment); the last line says
// how far the check with validation is from issue #19's target (at most +30% wall).
// Usage: node scripts/bench-schema.mjs [--corpus DIR] [--runs N]
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { measure, median } from "./bench-measure.mjs";
import { ensureKubeSchema } from "./kube-schema.mjs";
import { writeKubeconformSchemas } from "./kubeconform-schemas.mjs";
import { ensureKubeconform } from "./tools.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: { corpus: { type: "string" }, runs: { type: "string", default: "3" } },
});
const corpus =
  values.corpus ??
  (existsSync(resolve(ROOT, "../shared/corpus")) ? resolve(ROOT, "../shared/corpus") : undefined);
if (!corpus) {
  console.error(
    "bench-schema: no corpus (pass --corpus DIR; ../shared/corpus is used when present): skipped",
  );
  process.exit(0);
}
const binary = ensureKubeSchema({ quiet: true });
const runs = Number(values.runs);
const cli = join(ROOT, "bin", "portcullis");
// Run from the corpus, as in a repository (the CRDs of the working tree are the corpus's).
const args = ["check", ".", "-f", "json", "--fail-on", "never"];

// The CLI does not wait for kube-schema (a child kept for the run), so its CPU is not in the
// CLI's: a wrapper runs it under /usr/bin/time and adds up every start's.
const scratch = mkdtempSync(join(tmpdir(), "bench-schema-"));
const childTimes = join(scratch, "kube-schema.times");
const wrapper = join(scratch, "kube-schema");
writeFileSync(
  wrapper,
  `#!/bin/sh\nexec /usr/bin/time -f "%U %S" -a -o "${childTimes}" "${binary}" "$@"\n`,
);
chmodSync(wrapper, 0o755);
const childCpu = () =>
  existsSync(childTimes)
    ? readFileSync(childTimes, "utf8")
        .split("\n")
        .map((l) => l.split(" ").map(Number))
        .filter((xs) => xs.length === 2 && xs.every(Number.isFinite))
        .reduce((sum, [u, s]) => sum + u + s, 0)
    : NaN;

/**
 * `check` with the validation off and on, `runs` times each, interleaved (off, on, off, on...):
 * a machine whose load changes meanwhile weighs on both alike. Off is the same CLI, the same
 * files and configuration, only without kube-schema (PORTCULLIS_KUBE_SCHEMA=).
 */
function timedPair(checkArgs) {
  const kubeSchema = existsSync("/usr/bin/time") ? wrapper : binary;
  const runsOf = { off: [], on: [] };
  for (let i = 0; i < runs; i++)
    for (const [mode, env] of [
      ["off", { PORTCULLIS_KUBE_SCHEMA: "" }],
      ["on", { PORTCULLIS_KUBE_SCHEMA: kubeSchema }],
    ]) {
      rmSync(childTimes, { force: true });
      const run = measure(cli, checkArgs, { cwd: corpus, env: { ...process.env, ...env } });
      // The child ends when the CLI closes its input: give it a moment to write its time.
      spawnSync("sleep", ["0.5"]);
      runsOf[mode].push({ ...run, child: mode === "on" ? childCpu() : 0 });
    }
  const summary = (xs) => ({
    wall: median(xs.map((x) => x.wall)),
    walls: xs.map((x) => x.wall),
    cpu: median(xs.map((x) => x.cpu ?? NaN)),
    childCpu: median(xs.map((x) => x.child)),
    report: JSON.parse(xs.at(-1).stdout),
  });
  return { off: summary(runsOf.off), on: summary(runsOf.on) };
}

const loadBefore = loadAverage();
const { off, on } = timedPair(args);
const oneFile = oneDeploymentFile(corpus);
const one = oneFile && timedPair(["check", oneFile, "-f", "json", "--fail-on", "never"]);
// kube-schema alone and kubeconform, on the objects the check validated, with the corpus's CRDs.
// The objects `check` validates: those of the manifests it reads (its inventory), lists' items
// apart (none in the corpus).
const { gatekeeperInventory } = await import(
  join(ROOT, "dist", "engines", "gatekeeper", "directory.js")
);
const { readDirectorySources } = await import(
  join(ROOT, "dist", "adapters", "fs", "directory-source.js")
);
const { defaultConfig } = await import(join(ROOT, "dist", "config", "config.js"));
const config = defaultConfig({ settingDefaults: {}, ruleIds: new Set() });
const selection = readDirectorySources(["."], corpus, config);
const documents = gatekeeperInventory(selection.files, selection.layout).filter(
  (v) => !Array.isArray(v.items),
);
const crds = [
  ...new Set(
    documents
      .filter(
        (d) => d.kind === "CustomResourceDefinition" && d.apiVersion === "apiextensions.k8s.io/v1",
      )
      .map((d) => JSON.stringify(d)),
  ),
].map((j) => JSON.parse(j));
const alone = kubeSchemaAlone(documents, crds);
const startUp = kubeSchemaStartUp();
const peer = kubeconformPeer(documents, crds);
const count = (r) => r.report.findings.filter((f) => f.rule.startsWith("PCV")).length;
const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(0)}%`;
const s2 = (x) => `${(x ?? NaN).toFixed(2)} s`;
console.log(`Schema validation on the corpus (${corpus}), median of ${runs} runs:`);
console.log("");
console.log("| run | wall | CPU (Node) | CPU (kube-schema) | findings |");
console.log("|---|---|---|---|---|");
console.log(`| validation off | ${s2(off.wall)} | ${s2(off.cpu)} | | ${count(off)} PCV |`);
const total = on.cpu + on.childCpu;
console.log(
  `| validation on | ${s2(on.wall)} (+${pct(on.wall, off.wall)}) | ${s2(on.cpu)} | ${s2(on.childCpu)} (CPU in all +${pct(total, off.cpu)}) | ${count(on)} PCV |`,
);
console.log(
  `| kube-schema alone, ${documents.length} objects and ${crds.length} CRDs in one request | ${s2(alone.wall)} | | ${s2(alone.cpu)} | ${alone.summary} |`,
);
console.log(
  `| kubeconform ${peer.version} alone, the same objects, -strict -n 2 (schemas made offline: ${peer.schemas}) | ${s2(peer.wall)} (${(peer.wall / alone.wall).toFixed(1)}x) | | ${s2(peer.cpu)} (${(peer.cpu / alone.cpu).toFixed(1)}x) | ${peer.summary} |`,
);
console.log(
  `| kube-schema start-up: an empty request / one Deployment | ${s2(startUp.empty.wall)} / ${s2(startUp.one.wall)} | | ${s2(startUp.empty.cpu)} / ${s2(startUp.one.cpu)} | |`,
);
if (one)
  console.log(
    `| one file (${oneFile}): validation off / on | ${s2(one.off.wall)} / ${s2(one.on.wall)} (+${pct(one.on.wall, one.off.wall)}) | ${s2(one.off.cpu)} / ${s2(one.on.cpu)} | ${s2(one.on.childCpu)} | ${count(one.on)} PCV |`,
  );
console.log("");
console.log(
  `Walls of the ${runs} interleaved runs, off: ${off.walls.map(s2).join(", ")}; on: ${on.walls.map(s2).join(", ")}`,
);
// Issue #19: schema validation adds at most 30% to \`portcullis check\` on the corpus.
const added = on.wall / off.wall - 1;
console.log(
  `Target (issue #19): validation adds at most +30% to the check's wall time. Now +${(added * 100).toFixed(0)}% (on/off ${(on.wall / off.wall).toFixed(2)}, target <= 1.30): ${added <= 0.3 ? "met" : "NOT met"}; CPU in all +${pct(total, off.cpu)}.`,
);
console.log(`Load average before: ${loadBefore}; at the end: ${loadAverage()}`);
rmSync(scratch, { recursive: true, force: true });

/** The first YAML file (in name order) of the corpus holding a Deployment, relative to it. */
function oneDeploymentFile(dir, rel = "") {
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory() && e.name !== ".git") {
      const found = oneDeploymentFile(dir, path);
      if (found) return found;
    } else if (
      /\.ya?ml$/.test(e.name) &&
      /^kind: Deployment$/m.test(readFileSync(join(dir, path), "utf8"))
    )
      return path;
  }
  return undefined;
}

function loadAverage() {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

/** One request with every object, timed; what it found, by kind of finding. */
function kubeSchemaAlone(docs, crdObjects) {
  const request = join(scratch, "request.json");
  writeFileSync(request, `${JSON.stringify({ version: "", crds: crdObjects, documents: docs })}\n`);
  const run = measure("sh", ["-c", `"${binary}" < "${request}"`]);
  const answer = JSON.parse(run.stdout);
  const rules = answer.results.flatMap((r) => (r.findings ?? []).map((f) => f.rule));
  const objects = (pred) => answer.results.filter((r) => (r.findings ?? []).some(pred)).length;
  const invalid = objects((f) => ["PCV001", "PCV002", "PCV006"].includes(f.rule));
  const noSchema = objects((f) => f.rule === "PCV007" || f.rule === "PCV003");
  return {
    ...run,
    summary: `${invalid} objects invalid (${rules.filter((r) => /PCV00[126]/.test(r)).length} findings), ${noSchema} without a schema or removed`,
  };
}

/** kube-schema's cost before any validation: an empty request, then one Deployment. */
function kubeSchemaStartUp() {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
      },
    },
  };
  const timedRequest = (docs) => {
    const file = join(scratch, "start.json");
    writeFileSync(file, `${JSON.stringify({ version: "", documents: docs })}\n`);
    const xs = Array.from({ length: 5 }, () => measure("sh", ["-c", `"${binary}" < "${file}"`]));
    return { wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu ?? NaN)) };
  };
  return { empty: timedRequest([]), one: timedRequest([deployment]) };
}

/**
 * kubeconform on the same objects (one YAML stream), with JSON schemas made offline from the
 * schemas kube-schema embeds and the same CRDs (scripts/kubeconform-schemas.mjs).
 */
function kubeconformPeer(docs, crdObjects) {
  let kubeconform;
  try {
    kubeconform = ensureKubeconform({ quiet: true });
  } catch (err) {
    return { version: "(not built)", schemas: err.message, wall: NaN, cpu: NaN, summary: "" };
  }
  const version = spawnSync(kubeconform, ["-v"], { encoding: "utf8" }).stdout.trim();
  const dir = join(scratch, "kubeconform-schemas");
  const crdFile = join(scratch, "crds.yaml");
  writeFileSync(crdFile, crdObjects.map((c) => JSON.stringify(c)).join("\n---\n"));
  const made = writeKubeconformSchemas(dir, undefined, [crdFile]);
  const stream = join(scratch, "objects.yaml");
  writeFileSync(stream, docs.map((d) => JSON.stringify(d)).join("\n---\n"));
  const args = ["-strict", "-summary", "-output", "json", "-n", "2"];
  args.push("-kubernetes-version", `${made.version}.0`);
  args.push("-schema-location", join(dir, "{{ .ResourceKind }}{{ .KindSuffix }}.json"), stream);
  const xs = Array.from({ length: runs }, () => measure(kubeconform, args));
  const out = JSON.parse(xs[0].stdout);
  const noSchema = out.resources.filter((r) => /could not find schema/.test(r.msg ?? "")).length;
  return {
    version,
    schemas: `${made.kinds} kinds, ${made.crds} CRD versions`,
    wall: median(xs.map((x) => x.wall)),
    cpu: median(xs.map((x) => x.cpu ?? NaN)),
    summary: `${out.summary.invalid} objects invalid, ${noSchema} without a schema, ${out.summary.errors - noSchema} other errors`,
  };
}
