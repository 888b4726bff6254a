// The seed document's three Rego examples, run unchanged by the pinned `opa eval`, flag the same
// manifests as the built-in rules that cover them. Runs over ../shared/seeds when it is present.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { parseManifest } from "../../src/yaml/index.js";
// @ts-expect-error: a plain ES module script without types
import { ensureOpa } from "../../scripts/tools.mjs";
import { evaluate } from "../support/engine.js";

const ROOT = packageRoot();
const SEEDS = join(ROOT, "..", "shared", "seeds");
const seedText = existsSync(SEEDS)
  ? readdirSync(SEEDS).map((f) => readFileSync(join(SEEDS, f), "utf8")).join("\n")
  : undefined;

/**
 * Each seed policy: how to find it in the document, its query, and for each message the catalogue
 * rule that covers it with the kinds the seed rule looks at ("*": every kind).
 */
const POLICIES = [
  {
    name: "policy/deployment.rego (conftest, package main)",
    pattern: /# policy\/deployment\.rego\n(package main[\s\S]*?\n\})\s*Layer 2/,
    query: "data.main.deny",
    rules: [
      { message: /run as root/, rule: "PCK002", kinds: ["Deployment"] },
      { message: /is privileged/, rule: "PCK001", kinds: ["Deployment"] },
      { message: /standard labels/, rule: "PCK017", kinds: ["Deployment"] },
    ],
  },
  {
    name: "argocd-cm resource.customizations.validate (package argocd)",
    pattern: /validate\.argoproj\.io_Application: \|\n(package argocd[\s\S]*?\n\})\n---/,
    query: "data.argocd.deny",
    rules: [
      { message: /run as root/, rule: "PCK002", kinds: ["Deployment"] },
      { message: /LoadBalancer/, rule: "PCK019", kinds: ["Service"] },
    ],
  },
  {
    name: "policy/argocd-policies.rego (future keywords, package argocd)",
    pattern: /# policy\/argocd-policies\.rego\n(package argocd[\s\S]*?\n\})\s*ArgoCD RBAC Hardening/,
    query: "data.argocd.deny",
    rules: [
      { message: /Privileged container/, rule: "PCK001", kinds: ["Deployment"] },
      { message: /missing CPU limit/, rule: "PCK009", kinds: ["Deployment", "StatefulSet"] },
      { message: /default or kube-public/, rule: "PCK018", kinds: ["*"] },
    ],
  },
];

const FIXTURE = join(ROOT, "test", "fixtures", "seed", "workloads.yaml");
const fixtureText = readFileSync(FIXTURE, "utf8");
const docs = parseManifest("workloads.yaml", fixtureText).documents;

/** Runs a seed policy unchanged (Rego v0) over every fixture document; returns its messages per document. */
function runSeed(rego: string, query: string): string[][] {
  const dir = mkdtempSync(join(tmpdir(), "seed-"));
  writeFileSync(join(dir, "seed.rego"), rego);
  writeFileSync(
    join(dir, "harness.rego"),
    `package harness\n\nresults := [r | d := input.docs[_]; r := ${query} with input as d]\n`,
  );
  writeFileSync(join(dir, "input.json"), JSON.stringify({ docs: docs.map((d) => d.value) }));
  const out = execFileSync(
    ensureOpa({ quiet: true }),
    ["eval", "--v0-compatible", "-f", "json", "-d", join(dir, "seed.rego"), "-d", join(dir, "harness.rego"), "-i", join(dir, "input.json"), "data.harness.results"],
    { encoding: "utf8" },
  );
  // Under Rego v0, `deny[msg] if { ... }` (the third example) builds an object {msg: true}.
  const values = JSON.parse(out).result[0].expressions[0].value as (string[] | Record<string, true>)[];
  return values.map((v) => (Array.isArray(v) ? v : Object.keys(v)));
}

const describeSeeds = seedText ? describe : describe.skip;
if (!seedText) process.stderr.write(`seed-parity: skipped, ${SEEDS} is not present\n`);

describeSeeds("the seed document's policies", () => {
  let report: Awaited<ReturnType<typeof evaluate>>;
  beforeAll(async () => {
    report = await evaluate({ "workloads.yaml": fixtureText });
  });

  it.each(POLICIES)("$name runs unchanged and flags what the catalogue flags", ({ pattern, query, rules }) => {
    const rego = pattern.exec(seedText!)?.[1];
    expect(rego).toBeDefined();
    const seed = runSeed(rego!, query).map((messages) =>
      [...new Set(messages.map((m) => rules.find((r) => r.message.test(m))?.rule ?? `uncovered: ${m}`))].sort(),
    );
    const ours = docs.map((d) => {
      const inScope = rules.filter((r) => r.kinds.includes("*") || r.kinds.includes(String(d.resource.kind))).map((r) => r.rule);
      const found = report.findings.filter((f) => f.documentIndex === d.index && inScope.includes(f.rule)).map((f) => f.rule);
      return [...new Set(found)].sort();
    });
    expect(ours).toEqual(seed);
    // Not vacuous: the fixture has documents each policy flags and documents it passes.
    expect(seed.some((s) => s.length > 0) && seed.some((s) => s.length === 0)).toBe(true);
  });
});
