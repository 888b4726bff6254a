#!/usr/bin/env node
// npm run bench (its schema part): `portcullis check` on the corpus with the schema validation
// (PCV rules, tools/kube-schema) on and off, and kube-schema alone on the same documents.
// Usage: node scripts/bench-schema.mjs [--corpus DIR] [--runs N]
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { measure, median } from "./bench-measure.mjs";
import { ensureKubeSchema } from "./kube-schema.mjs";

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

function timed(env) {
  const xs = [];
  const children = [];
  let last;
  for (let i = 0; i < runs; i++) {
    rmSync(childTimes, { force: true });
    last = measure(cli, args, { cwd: corpus, env: { ...process.env, ...env } });
    xs.push(last);
    // The child ends when the CLI closes its input: give it a moment to write its time.
    spawnSync("sleep", ["0.5"]);
    children.push(env.PORTCULLIS_KUBE_SCHEMA ? childCpu() : 0);
  }
  return {
    wall: median(xs.map((x) => x.wall)),
    cpu: median(xs.map((x) => x.cpu ?? NaN)),
    childCpu: median(children),
    report: JSON.parse(last.stdout),
  };
}

const off = timed({ PORTCULLIS_KUBE_SCHEMA: "" });
const on = timed({ PORTCULLIS_KUBE_SCHEMA: existsSync("/usr/bin/time") ? wrapper : binary });
// kube-schema alone, one request with every object the check validated (its own CPU time).
const { parseManifest } = await import(join(ROOT, "dist", "yaml", "index.js"));
const { readDirectorySources } = await import(
  join(ROOT, "dist", "adapters", "fs", "directory-source.js")
);
const { defaultConfig } = await import(join(ROOT, "dist", "config", "config.js"));
const config = defaultConfig({ settingDefaults: {}, ruleIds: new Set() });
const documents = readDirectorySources(["."], corpus, config).files.flatMap((f) =>
  parseManifest(f.path, f.content)
    .documents.map((d) => d.value)
    .filter((v) => v?.apiVersion && v?.kind),
);
const request = join(scratch, "request.json");
writeFileSync(request, `${JSON.stringify({ version: "", crds: [], documents })}\n`);
const alone = measure("sh", ["-c", `"${binary}" < "${request}" > /dev/null`]);
const count = (r) => r.report.findings.filter((f) => f.rule.startsWith("PCV")).length;
const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(0)}%`;
console.log(`Schema validation on the corpus (${corpus}), median of ${runs} runs:`);
console.log("");
console.log("| run | wall | CPU (Node) | CPU (kube-schema) | PCV findings |");
console.log("|---|---|---|---|---|");
console.log(
  `| validation off | ${off.wall.toFixed(2)} s | ${off.cpu.toFixed(2)} s | | ${count(off)} |`,
);
const total = on.cpu + on.childCpu;
console.log(
  `| validation on | ${on.wall.toFixed(2)} s (+${pct(on.wall, off.wall)}) | ${on.cpu.toFixed(2)} s | ${on.childCpu.toFixed(2)} s (CPU in all +${pct(total, off.cpu)}) | ${count(on)} |`,
);
console.log(
  `| kube-schema alone, ${documents.length} documents in one request | ${alone.wall.toFixed(2)} s | | ${(alone.cpu ?? NaN).toFixed(2)} s | |`,
);
console.log("");
console.log(
  `Load average at the end: ${spawnSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).stdout.trim()}`,
);
