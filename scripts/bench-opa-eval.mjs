#!/usr/bin/env node
// The cost of evaluating a repository policy with the pinned `opa eval` (a policy that calls a
// builtin the wasm host lacks) against the same policy in wasm: the same deny rule over the same
// documents, once with net.cidr_contains (wasm) and once with net.cidr_merge (opa eval), through
// the engine `check` and the app use (UserPolicyEngine, ~64 KiB batches). Needs `npm run build`.
// Usage: node scripts/bench-opa-eval.mjs [--documents N] [--runs N]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "./tools.mjs";

const { values } = parseArgs({
  options: {
    documents: { type: "string", default: "1000" },
    runs: { type: "string", default: "5" },
  },
});
const dist = (p) => import(join(ROOT, "dist", "engines", "opa", p));
const { compilePolicies, UserPolicyEngine } = await dist("user-policies.js");
const { findOpa } = await dist("opa-binary.js");

const policy = (check) => `package main

import rego.v1

deny contains msg if {
  input.kind == "Service"
  some range in input.spec.loadBalancerSourceRanges
  not ${check}
  msg := sprintf("Service %s: source range %s is not internal", [input.metadata.name, range])
}
`;
const WASM = policy('net.cidr_contains("10.0.0.0/8", range)');
// The same verdict through a builtin only opa supplies: merging with 10/8 gives 10/8 back.
const OPA = policy('net.cidr_merge(["10.0.0.0/8", range]) == {"10.0.0.0/8"}');

function documents(n) {
  return Array.from({ length: n }, (_, i) => ({
    document: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: `svc-${i}`, namespace: `team-${i % 20}`, labels: { app: `svc-${i}` } },
      spec: {
        type: "LoadBalancer",
        loadBalancerSourceRanges: [
          `10.${i % 250}.0.0/16`,
          i % 7 === 0 ? "203.0.113.0/24" : "10.1.0.0/24",
        ],
        ports: [{ port: 443, targetPort: 8443, protocol: "TCP" }],
        selector: { app: `svc-${i}` },
      },
    },
    file: { path: `apps/svc-${i}.yaml`, partial: false },
  }));
}

const tools = {
  opa: findOpa(),
  capabilities: join(ROOT, "dist", "policies", "capabilities.json"),
  cacheDir: mkdtempSync(join(tmpdir(), "bench-opa-eval-")),
};
const inputs = documents(Number(values.documents));
// As UserPolicyEngine serializes a document (with data.conftest.file) into its ~64 KiB batches.
const bytes = inputs.reduce(
  (n, i) =>
    n + JSON.stringify({ document: i.document, file: { name: i.file.path, dir: "apps" } }).length,
  0,
);
const rows = [];
for (const [label, text] of [
  ["wasm (net.cidr_contains)", WASM],
  ["opa eval (net.cidr_merge)", OPA],
]) {
  const sources = [{ path: "policy/p.rego", text }];
  let t = performance.now();
  const compiled = await compilePolicies(sources, { namespaces: ["main"] }, tools);
  const compileMs = performance.now() - t;
  t = performance.now();
  await compilePolicies(sources, { namespaces: ["main"] }, tools);
  const cachedMs = performance.now() - t;
  const engine = new UserPolicyEngine(compiled, {});
  let findings = 0;
  const times = [];
  for (let run = 0; run < Number(values.runs); run++) {
    t = performance.now();
    findings = engine.evaluate(inputs).reduce((n, r) => n + (r.ok ? r.findings.length : 1e9), 0);
    times.push(performance.now() - t);
  }
  const evalMs = times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  rows.push({ label, compileMs, cachedMs, evalMs, findings, wasm: !!compiled.wasm });
}
const batches = Math.ceil(bytes / (64 * 1024));
console.log(
  `${inputs.length} documents, ${(bytes / 1024).toFixed(0)} KiB of JSON, ~${batches} batches`,
);
console.log(
  "| engine | compile (first) | compile (cached) | evaluate (median) | per batch | findings |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
for (const r of rows)
  console.log(
    `| ${r.label} | ${r.compileMs.toFixed(0)} ms | ${r.cachedMs.toFixed(1)} ms | ${r.evalMs.toFixed(0)} ms | ${(r.evalMs / batches).toFixed(1)} ms | ${r.findings} |`,
  );
if (rows[0].findings !== rows[1].findings) {
  console.error("the two policies disagree: the comparison is void");
  process.exit(1);
}
