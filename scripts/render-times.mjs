#!/usr/bin/env node
// Render time per kustomization: every Kustomization (not Component) of a repository built with
// the pinned kustomize exactly as a review builds it (a temporary copy of the files its tree reads,
// the origin-annotation wrapper, no network). Usage:
//   node scripts/render-times.mjs [DIR...] [--runs N]      (default: every ../shared/corpus folder)
import { readdirSync, readFileSync, statSync, existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { ROOT } from "./tools.mjs";

const { KustomizeRenderer } = await import(
  join(ROOT, "dist", "gitops", "adapters", "kustomize.js")
);
const { RepoTree, parseKustomization, treeOf } = await import(
  join(ROOT, "dist", "gitops", "kustomize-tree.js")
);
const { parseManifest } = await import(join(ROOT, "dist", "yaml", "index.js"));

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 5;
const corpus = resolve(ROOT, "..", "shared", "corpus");
const dirs =
  args.length > 0
    ? args
    : readdirSync(corpus)
        .filter((d) => statSync(join(corpus, d)).isDirectory())
        .map((d) => join(corpus, d));

function walk(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === ".git"
      ? []
      : e.isDirectory()
        ? walk(join(dir, e.name), base)
        : [relative(base, join(dir, e.name)).split("\\").join("/")],
  );
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const renderer = new KustomizeRenderer();
console.log(`${await renderer.describe()}; median of ${runs} runs per kustomization\n`);
console.log("| repository | kustomization | files read | resources | render |");
console.log("| --- | --- | ---: | ---: | ---: |");
for (const repo of dirs) {
  if (!existsSync(repo)) continue;
  const tree = new RepoTree(walk(repo));
  const nodes = new Map();
  for (const file of tree.kustomizationFiles()) {
    const doc = parseManifest(file, readFileSync(join(repo, file))).documents[0];
    if (doc)
      nodes.set(parseKustomization(file, doc, tree).dir, parseKustomization(file, doc, tree));
  }
  for (const node of [...nodes.values()].filter((n) => !n.component)) {
    const t = treeOf(nodes, node.dir);
    const label = `| ${relative(corpus, repo) || repo} | \`${node.dir || "."}\``;
    if (t.blocked.length > 0) {
      console.log(`${label} | ${t.files.size} | not evaluated | ${t.blocked[0].reason} |`);
      continue;
    }
    const files = new Map(
      [...t.files].filter((f) => tree.hasFile(f)).map((f) => [f, readFileSync(join(repo, f))]),
    );
    const times = [];
    let outcome;
    for (let i = 0; i < runs; i++) {
      outcome = await renderer.renderKustomization({ dir: node.dir, files });
      times.push(outcome.durationMs);
    }
    const resources = outcome.ok
      ? outcome.yaml.split(/^---$/m).filter((d) => d.trim() !== "").length
      : `failed: ${outcome.message.split("\n")[0].slice(0, 80)}`;
    console.log(`${label} | ${files.size} | ${resources} | ${median(times)} ms |`);
  }
}
