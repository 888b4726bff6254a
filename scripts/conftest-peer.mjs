// `portcullis check --policy` next to the pinned `conftest test` on the same files: each side's JSON
// report reduced to the messages per file, and their differences. The benchmark and the conformance
// test both use it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { measure, median } from "./bench-measure.mjs";
import { ROOT } from "./tools.mjs";

/** A configuration that switches every built-in rule off, so only the repository policies report. */
export function catalogueOffConfig(ruleIds) {
  return `rules:\n${[...ruleIds].map((id) => `  ${id}: off\n`).join("")}`;
}

const sortedMap = (map) =>
  new Map([...map.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v.sort()]));

/**
 * conftest's `-o json` (one entry per file and namespace) as file -> sorted entries:
 * `error <ns>: <msg>`, `warning <ns>: <msg>`, and `excepted <ns>: <rule>` once for each rule an
 * `exception` named (conftest reports that rule, not the messages it hid, and counts it even when
 * the rule found nothing; Portcullis lists only the findings it waived).
 */
export function conftestMessages(json) {
  const out = new Map();
  for (const r of JSON.parse(json)) {
    const list = out.get(r.filename) ?? [];
    for (const f of r.failures ?? []) list.push(`error ${r.namespace}: ${f.msg}`);
    for (const w of r.warnings ?? []) list.push(`warning ${r.namespace}: ${w.msg}`);
    const excepted = (r.exceptions ?? []).map((e) => /== "([^"]*)"$/.exec(e.msg)?.[1] ?? e.msg);
    for (const rule of new Set(excepted)) list.push(`excepted ${r.namespace}: ${rule}`);
    if (list.length > 0) out.set(r.filename, list);
  }
  return sortedMap(out);
}

/**
 * `portcullis check --format json` in the same shape: repository-policy findings (rule
 * `<namespace>.<name>`), open ones by severity, and for those a policy `exception` waived, the
 * excepted rule once per file, as conftest counts them.
 */
export function portcullisMessages(json) {
  const out = new Map();
  const excepted = new Map();
  for (const f of JSON.parse(json).findings) {
    if (!f.rule.includes(".")) continue; // a built-in rule (PCK001, ...)
    const ns = f.rule.slice(0, f.rule.lastIndexOf("."));
    const name = f.rule.slice(ns.length + 1);
    if (f.status === "waived" && f.waiver?.source === "policy-exception") {
      const rules = excepted.get(f.file) ?? new Set();
      rules.add(`excepted ${ns}: ${name.replace(/^(deny|violation|warn)_?/, "")}`);
      excepted.set(f.file, rules);
      continue;
    }
    const list = out.get(f.file) ?? [];
    list.push(`${f.severity} ${ns}: ${f.message}`);
    out.set(f.file, list);
  }
  for (const [file, rules] of excepted) out.set(file, [...(out.get(file) ?? []), ...rules]);
  return sortedMap(out);
}

/** Every entry one side has and the other lacks (counted, so a duplicate shows), per file. */
export function diffMessages(ours, theirs) {
  const diffs = [];
  for (const file of new Set([...ours.keys(), ...theirs.keys()])) {
    const count = (list) => {
      const m = new Map();
      for (const x of list ?? []) m.set(x, (m.get(x) ?? 0) + 1);
      return m;
    };
    const a = count(ours.get(file));
    const b = count(theirs.get(file));
    for (const entry of new Set([...a.keys(), ...b.keys()])) {
      const n = (a.get(entry) ?? 0) - (b.get(entry) ?? 0);
      if (n > 0) diffs.push({ file, entry, only: "portcullis", times: n });
      if (n < 0) diffs.push({ file, entry, only: "conftest", times: -n });
    }
  }
  return diffs;
}

/** The benchmark's conftest-style policies (Rego v0, three namespaces, an exception, --data). */
export const BENCH_POLICY = join(ROOT, "bench", "conftest-policy");
// Both tools get the same flags, the Rego version included (conftest has no other way to read v0;
// Portcullis would otherwise try v1 first on a first run).
const BENCH_POLICY_ARGS = [
  "--rego-version",
  "v0",
  "--all-namespaces",
  "--data",
  join(BENCH_POLICY, "data", "conventions.yaml"),
];

/**
 * The same files through `conftest test` and `portcullis check --policy`, one process each and
 * the same policies, `runs` times: wall time, peak RSS and whether the findings agree. Portcullis
 * runs three ways: first run (compiles the policies with `opa build`: a fresh cache), cached
 * policies (the usual case on a developer machine), and with the built-in catalogue as well.
 */
export function benchConftest({ dir, paths, runs, work, conftest, ruleIds }) {
  const config = join(work, "catalogue-off.yml");
  writeFileSync(config, catalogueOffConfig(ruleIds));
  const conftestArgs = ["test", "--no-color", "-o", "json"];
  const theirsArgs = [...conftestArgs, "-p", BENCH_POLICY, ...BENCH_POLICY_ARGS, ...paths];
  const oursArgs = (...extra) => [
    join(ROOT, "bin", "portcullis"),
    "check",
    ...paths,
    "--policy",
    BENCH_POLICY,
    ...BENCH_POLICY_ARGS,
    "--format",
    "json",
    "--fail-on",
    "never",
    ...extra,
  ];
  const warmTmp = mkdtempSync(join(work, "warm-"));
  const ours = (tmp, ...extra) =>
    measure(process.execPath, oursArgs(...extra), {
      cwd: dir,
      env: { ...process.env, TMPDIR: tmp },
    });
  ours(warmTmp, "--config", config); // fills the compiled-policy cache of the "cached" runs
  const times = { theirs: [], cold: [], warm: [], catalogue: [], theirsCpu: [], warmCpu: [] };
  let rss = { theirs: 0, ours: 0 };
  let last = { theirs: "", ours: "" };
  for (let i = 0; i < runs; i++) {
    const t = measure(conftest, theirsArgs, { cwd: dir });
    const cold = ours(mkdtempSync(join(work, "cold-")), "--config", config);
    const warm = ours(warmTmp, "--config", config);
    const catalogue = ours(warmTmp);
    times.theirs.push(t.wall);
    times.cold.push(cold.wall);
    times.warm.push(warm.wall);
    times.catalogue.push(catalogue.wall);
    times.theirsCpu.push(t.cpu ?? NaN);
    times.warmCpu.push(warm.cpu ?? NaN);
    rss = {
      theirs: Math.max(rss.theirs, t.rssKiB ?? 0),
      ours: Math.max(rss.ours, cold.rssKiB ?? 0, warm.rssKiB ?? 0),
    };
    last = { theirs: t.stdout, ours: warm.stdout };
  }
  const theirs = conftestMessages(last.theirs);
  const diffs = diffMessages(portcullisMessages(last.ours), theirs);
  const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  return {
    ...m,
    coldRatio: m.cold / m.theirs,
    warmRatio: m.warm / m.theirs,
    rssMiB: { theirs: rss.theirs / 1024, ours: rss.ours / 1024 },
    findings: [...theirs.values()].reduce((n, l) => n + l.length, 0),
    diffs,
  };
}

/** The conftest comparison as a Markdown table, one row per dataset. */
export function conftestTable(rows, conftest) {
  const f = (n, d = 2) => n.toFixed(d);
  const version = spawnSync(conftest, ["--version"], { encoding: "utf8" }).stdout.trim();
  return [
    `Repository policies: [bench/conftest-policy](../bench/conftest-policy) (Rego v0, three namespaces, an \`exception\`, \`--data\`; \`--rego-version v0 --all-namespaces\` for both) over the same files, one process each; ${version.replace("\n", ", ")}.`,
    "",
    "| dataset | files | documents | `conftest test` | conftest CPU, peak RSS | `portcullis check --policy`, first run | ratio | policies cached | ratio | CPU, peak RSS | with the built-in catalogue too | same findings |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.files} | ${r.documents} | ${f(r.theirs)} s | ${f(r.theirsCpu)} s, ${f(r.rssMiB.theirs, 0)} MiB | ${f(r.cold)} s | **${f(r.coldRatio)}** | ${f(r.warm)} s | **${f(r.warmRatio)}** | ${f(r.warmCpu)} s, ${f(r.rssMiB.ours, 0)} MiB | ${f(r.catalogue)} s | ${r.diffs.length === 0 ? `yes (${r.findings} results)` : `NO: ${r.diffs.length} differences`} |`,
    ),
  ];
}
