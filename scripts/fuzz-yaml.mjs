#!/usr/bin/env node
// The YAML differential fuzzer (docs/parsing.md): mutants of this repository's manifests,
// ../shared/corpus when present and adversarial seeds, each read by the line reader and, when it
// vouches for one, by Kubernetes' own readers (tools/yaml-oracle); any difference is printed and
// the run fails. `npm run fuzz:yaml -- --minutes N [--seed S] [--cases N]`.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureYamlOracle, ROOT } from "./tools.mjs";

const { ADVERSARIAL, disagreement, lineValues, mutate, random } = await import(
  join(ROOT, "dist", "yaml", "differential.js")
);
const { OracleSession } = await import(join(ROOT, "dist", "yaml", "oracle-session.js"));

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const minutes = option("minutes", 1);
const maxCases = option("cases", Infinity);
const seed = option("seed", Date.now() % 1_000_000);

function yamlFiles(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) yamlFiles(path, out);
    else if (/\.ya?ml$/.test(name) && stat.size < 200_000) out.push(path);
  }
  return out;
}

// Whole small files, and each document of larger ones, so that mutants stay quick to read.
const seeds = [...ADVERSARIAL];
for (const dir of ["examples", "test/fixtures", "../shared/corpus"]) {
  for (const file of yamlFiles(join(ROOT, dir))) {
    const text = readFileSync(file, "utf8");
    if (text.length < 8_000) seeds.push(text);
    else seeds.push(...text.split(/\n---\n/).filter((d) => d.length < 8_000));
  }
}

const session = new OracleSession(ensureYamlOracle());
const rng = random(seed);
const deadline = Date.now() + minutes * 60_000;
let cases = 0;
let vouched = 0;
const found = [];
while (Date.now() < deadline && cases < maxCases && found.length < 20) {
  const batch = [];
  for (let i = 0; i < 5000 && cases < maxCases; i++, cases++) {
    const text = mutate(seeds[Math.floor(rng() * seeds.length)], rng);
    if (lineValues(text)) batch.push(text);
  }
  vouched += batch.length;
  const readings = await Promise.all(batch.map((t) => session.read(t)));
  readings.forEach((r, i) => {
    const why = disagreement(batch[i], r);
    if (why) found.push(`${why}\n${JSON.stringify(batch[i])}`);
  });
}
await session.close();
console.log(
  `fuzz:yaml seed ${seed}: ${cases} mutants of ${seeds.length} seeds, ${vouched} read by the line reader and compared with kubectl's and kustomize's readers, ${found.length} disagreements`,
);
for (const f of found) console.error(f);
process.exit(found.length > 0 ? 1 : 0);
