// npm run bench's scale figures: start-up of a one-file `check` against `node -e 0`, peak RSS at
// 10,000 files and at 50,000 resources, and the time of 50,000 resources with every built-in rule,
// each next to the pinned `conftest test` measured in the same run (docs/benchmarks.md, "Scale").
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { generateCorpus, generateResources } from "./generate-manifests.mjs";
import { measure, median } from "./bench-measure.mjs";
import { BENCH_POLICY } from "./conftest-peer.mjs";
import { ROOT } from "./tools.mjs";

const CHECK = (target, out) => [
  join(ROOT, "bin", "portcullis"),
  "check",
  target,
  "--format",
  "json",
  "--fail-on",
  "never",
  ...(out ? ["--output", out] : []),
];

/** conftest with the benchmark's policies (its best case: one process over every file). */
const CONFTEST = (target) => [
  "test",
  "--no-color",
  "-o",
  "json",
  "-p",
  BENCH_POLICY,
  "--rego-version",
  "v0",
  "--all-namespaces",
  "--data",
  join(BENCH_POLICY, "data", "conventions.yaml"),
  target,
];

// The sandbox this project is developed in sets NODE_EXTRA_CA_CERTS, which makes every Node
// process parse a CA bundle at start (~40 ms): no user's `node` does that, so neither side does here.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k !== "NODE_EXTRA_CA_CERTS"),
);
/** Without schema validation (PORTCULLIS_KUBE_SCHEMA="" switches it off): Node's side alone. */
const NO_SCHEMA = { ...env, PORTCULLIS_KUBE_SCHEMA: "" };

/** Instructions of one run (all threads) by valgrind's callgrind, when it is installed. */
function instructions(cmd, args, cwd, runEnv = env) {
  const r = spawnSync(
    "valgrind",
    ["--tool=callgrind", "--callgrind-out-file=/dev/null", cmd, ...args],
    { cwd, env: runEnv, encoding: "utf8", maxBuffer: 1 << 26 },
  );
  const m = /Collected : (\d+)/.exec(r.stderr ?? "");
  return m ? Number(m[1]) : undefined;
}

/** One-file check, `node -e 0` and conftest on the same file, interleaved so load hits all alike. */
function startup({ work, runs, conftest, callgrind }) {
  const dir = generateCorpus(join(work, "one-file"), 1);
  const file = join(dir, readdirSync(dir)[0], readdirSync(join(dir, readdirSync(dir)[0]))[0]);
  const series = ["node", "check", "checkNode", "conftest"];
  const t = Object.fromEntries(
    series.flatMap((k) => [
      [k, []],
      [`${k}Cpu`, []],
    ]),
  );
  measure(process.execPath, CHECK(file), { env }); // the page cache warm for every side
  for (let i = 0; i < runs; i++) {
    const n = measure(process.execPath, ["-e", "0"], { env });
    const c = measure(process.execPath, CHECK(file), { env });
    // Node's side alone: schema validation (kube-schema, a Go process) switched off.
    const o = measure(process.execPath, CHECK(file), { env: NO_SCHEMA });
    t.node.push(n.wall);
    t.nodeCpu.push(n.cpu ?? NaN);
    t.check.push(c.wall);
    t.checkCpu.push(c.cpu ?? NaN);
    t.checkNode.push(o.wall);
    t.checkNodeCpu.push(o.cpu ?? NaN);
    if (conftest) {
      const p = measure(conftest, CONFTEST(file), { env });
      t.conftest.push(p.wall);
      t.conftestCpu.push(p.cpu ?? NaN);
    }
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
  const ir =
    callgrind && spawnSync("valgrind", ["--version"]).status === 0
      ? {
          node: instructions(process.execPath, ["-e", "0"], work),
          check: instructions(process.execPath, CHECK(file), work),
          checkNode: instructions(process.execPath, CHECK(file), work, NO_SCHEMA),
        }
      : undefined;
  return {
    ...m,
    ratio: m.check / m.node,
    cpuRatio: m.checkCpu / m.nodeCpu,
    nodeRatio: m.checkNode / m.node,
    nodeCpuRatio: m.checkNodeCpu / m.nodeCpu,
    ir,
  };
}

/** `check` (every built-in rule) and conftest over one generated folder: time, CPU, peak RSS. */
function scaleRow({ name, dir, files, resources, runs, work, conftest, schema = true }) {
  const out = join(work, `${name}.json`);
  const ours = [];
  const theirs = [];
  // Schema validation (PCV001-PCV007, a Go child) is a built-in rule set too; without it, the
  // rest of the catalogue alone (PORTCULLIS_KUBE_SCHEMA="" switches it off).
  const ourEnv = schema ? env : { ...env, PORTCULLIS_KUBE_SCHEMA: "" };
  const load = [];
  for (let i = 0; i < runs; i++) {
    load.push(loadavg()[0]);
    ours.push(measure(process.execPath, CHECK(".", out), { cwd: dir, env: ourEnv }));
    if (conftest) theirs.push(measure(conftest, CONFTEST("."), { cwd: dir, env }));
  }
  const summary = JSON.parse(readFileSync(out, "utf8")).summary;
  const pick = (rows, key) => median(rows.map((r) => r[key] ?? NaN));
  const peak = (rows) => Math.max(...rows.map((r) => r.rssKiB ?? 0)) / 1024;
  return {
    name,
    files,
    resources,
    documents: summary.documentsEvaluated,
    findings: summary.error + summary.warning + summary.notice,
    load: median(load),
    ours: { wall: pick(ours, "wall"), cpu: pick(ours, "cpu"), rssMiB: peak(ours) },
    theirs: conftest
      ? { wall: pick(theirs, "wall"), cpu: pick(theirs, "cpu"), rssMiB: peak(theirs) }
      : undefined,
  };
}

const countObjects = (dir) => {
  let n = 0;
  for (const sub of readdirSync(dir))
    for (const f of readdirSync(join(dir, sub)))
      n += readFileSync(join(dir, sub, f), "utf8").split(/^---$/m).length;
  return n;
};

/** The three figures as Markdown lines (the `bench-scale` section of docs/benchmarks.md). */
export function benchScale({
  work,
  runs,
  scaleRuns,
  conftest,
  peerAtScale,
  files,
  resources,
  callgrind,
}) {
  const load = loadavg()[0];
  const s = startup({ work, runs: Math.max(runs, 10), conftest, callgrind });
  const tenK = join(work, `files-${files}`);
  if (!existsSync(tenK)) generateCorpus(tenK, files);
  const made = generateResources(join(work, `resources-${resources}`), resources);
  const peer = peerAtScale ? conftest : undefined;
  const fiftyK = { dir: made.dir, files: made.files, resources: made.resources };
  const rows = [
    { name: `${files} files`, dir: tenK, files, resources: countObjects(tenK), conftest: peer },
    { name: `${made.resources} resources`, ...fiftyK, conftest: peer },
    { name: `${made.resources} resources, no schema validation`, ...fiftyK, schema: false },
  ].map((row) => scaleRow({ ...row, runs: scaleRuns, work }));
  const f = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
  const version = conftest
    ? spawnSync(conftest, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0]
    : "";
  const loadAfter = loadavg()[0];
  return [
    `Load average (1 min) on this shared 2-core machine: ${f(load, 1)} before, ${f(loadAfter, 1)} after the scale runs; wall times under load are longer by about that factor, CPU times less so. Peer: ${conftest ? `${version} with [bench/conftest-policy](../bench/conftest-policy) (its own policies: conftest has no built-in rules)` : "none (conftest not built)"}.`,
    "",
    `**Start-up**, one file (a Deployment, Service and ConfigMap), median of ${Math.max(runs, 10)} interleaved runs:`,
    "",
    "| | wall | CPU (user + system) |",
    "|---|---|---|",
    `| \`node -e 0\` | ${f(s.node * 1000, 0)} ms | ${f(s.nodeCpu * 1000, 0)} ms |`,
    `| \`portcullis check <file>\` | ${f(s.check * 1000, 0)} ms (**${f(s.ratio)}x** node) | ${f(s.checkCpu * 1000, 0)} ms (${f(s.cpuRatio)}x) |`,
    `| the same without schema validation (Node's side: \`PORTCULLIS_KUBE_SCHEMA=""\`) | ${f(s.checkNode * 1000, 0)} ms (${f(s.nodeRatio)}x) | ${f(s.checkNodeCpu * 1000, 0)} ms (${f(s.nodeCpuRatio)}x) |`,
    ...(conftest
      ? [
          `| \`conftest test <file>\` | ${f(s.conftest * 1000, 0)} ms | ${f(s.conftestCpu * 1000, 0)} ms |`,
        ]
      : []),
    ...(s.ir?.node && s.ir?.check
      ? [
          `| instructions (callgrind, all threads) | node ${f(s.ir.node / 1e6, 0)} M, check ${f(s.ir.check / 1e6, 0)} M: **${f(s.ir.check / s.ir.node)}x**; without schema validation ${f(s.ir.checkNode / 1e6, 0)} M (${f(s.ir.checkNode / s.ir.node)}x) | |`,
        ]
      : []),
    "",
    `**Streaming and scale**, every built-in rule, JSON report to a file; median of ${scaleRuns} run(s):`,
    "",
    "| dataset | files | resources | findings | load (1 min) | `portcullis check` | CPU | peak RSS | `conftest test` | CPU | peak RSS |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.files} | ${r.documents} | ${r.findings} | ${f(r.load, 1)} | ${f(r.ours.wall)} s | ${f(r.ours.cpu)} s | **${f(r.ours.rssMiB, 0)} MiB** | ${r.theirs ? `${f(r.theirs.wall)} s | ${f(r.theirs.cpu)} s | ${f(r.theirs.rssMiB, 0)} MiB` : "n/a | | "} |`,
    ),
    "",
    `Command: \`node scripts/bench.mjs --peers scale --scale-runs ${scaleRuns}${conftest && !rows[1].theirs ? " --scale-peer startup" : ""}\` after \`npm run build\` (CPU: user + system of the process and the children it waited for; the \`check\` runs use one worker thread per core but one for the built-in policies, from 400 files on).`,
  ];
}
