#!/usr/bin/env node
// Compiles policies/ into dist/policies/policy.wasm and collects the rule metadata into rules.json.
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  existsSync,
  rmSync,
} from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT, REGO_IGNORES, ensureOpa } from "./tools.mjs";

const OUT = join(ROOT, "dist", "policies");
const ENTRYPOINTS = ["portcullis/main/findings", "portcullis/main/batch"];
const SEVERITIES = ["error", "warning", "notice"];
const REQUIRED = [
  "id",
  "title",
  "severity",
  "category",
  "summary",
  "description",
  "rationale",
  "remediation",
  "references",
];

/** Capabilities of the pinned OPA restricted to builtins the wasm runtime can run. */
function writeCapabilities(opa) {
  const allowed = JSON.parse(readFileSync(join(ROOT, "tools", "wasm-builtins.json"), "utf8"));
  const names = new Set([...allowed.native, ...allowed.sdk, ...allowed.host]);
  const current = JSON.parse(
    execFileSync(opa, ["capabilities", "--current"], { encoding: "utf8" }),
  );
  const unknown = [...names].filter((n) => !current.builtins.some((b) => b.name === n));
  if (unknown.length > 0)
    throw new Error(
      `tools/wasm-builtins.json names builtins OPA does not know: ${unknown.join(", ")}`,
    );
  const all = current.builtins;
  current.builtins = all.filter((b) => names.has(b.name));
  // What the compiler's "undefined function" means for a builtin OPA has (src/engines/opa/opa-build.ts),
  // and which builtins send a policy to the pinned opa itself (src/engines/opa/opa-eval.ts).
  writeFileSync(
    join(OUT, "builtins.json"),
    JSON.stringify({
      engine: allowed.engine,
      refused: allowed.refused,
      unsupported: allowed.unsupported,
    }),
  );
  const path = join(OUT, "capabilities.json");
  writeFileSync(path, JSON.stringify(current));
  // The pinned opa evaluates every deterministic builtin: the wasm set, the engine list and print;
  // `allow_net: []` keeps json.match_schema from fetching a remote `$ref` (no key allows every host).
  const evaluated = new Set([
    ...names,
    ...Object.keys(allowed.engine),
    ...Object.keys(allowed.erased),
  ]);
  writeFileSync(
    join(OUT, "capabilities-opa.json"),
    JSON.stringify({
      ...current,
      builtins: all.filter((b) => evaluated.has(b.name)),
      allow_net: [],
    }),
  );
  return path;
}

function compile(opa, capabilities) {
  const bundle = join(OUT, "bundle.tar.gz");
  const args = [
    "build",
    "-t",
    "wasm",
    "--capabilities",
    capabilities,
    ...ENTRYPOINTS.flatMap((e) => ["-e", e]),
    ...REGO_IGNORES,
    "--ignore",
    "*_test.rego",
    "-o",
    bundle,
    "policies",
  ];
  const r = spawnSync(opa, args, { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`opa build failed:\n${r.stderr}${r.stdout}`);
  execFileSync("tar", ["-xzf", bundle, "-C", OUT, "/policy.wasm"], { stdio: "ignore" });
  // OPA's bundle stores it 0600 and tar run as root (the Docker build) keeps that mode: the
  // image's user (node) could not read it. Readable by all, as every other built file.
  chmodSync(join(OUT, "policy.wasm"), 0o644);
  rmSync(bundle);
}

/** Every rule folder's metadata.yaml, validated, as one sorted list. */
export function collectRules() {
  const rulesDir = join(ROOT, "policies", "rules");
  const errors = [];
  const rules = [];
  for (const id of readdirSync(rulesDir).sort()) {
    const file = join(rulesDir, id, "metadata.yaml");
    if (!existsSync(file)) {
      errors.push(`${id}: metadata.yaml is missing`);
      continue;
    }
    let meta;
    try {
      meta = parse(readFileSync(file, "utf8"));
    } catch (err) {
      errors.push(
        `${id}/metadata.yaml: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
      );
      continue;
    }
    for (const key of REQUIRED)
      if (meta?.[key] === undefined) errors.push(`${id}/metadata.yaml: "${key}" is missing`);
    if (meta?.id !== id)
      errors.push(`${id}/metadata.yaml: id "${meta?.id}" does not match its folder`);
    if (!SEVERITIES.includes(meta?.severity))
      errors.push(
        `${id}/metadata.yaml: severity "${meta?.severity}" is not one of ${SEVERITIES.join(", ")}`,
      );
    for (const ref of meta?.references ?? [])
      if (!ref?.title || !/^https:\/\//.test(ref?.url ?? ""))
        errors.push(`${id}/metadata.yaml: each reference needs a title and an https url`);
    rules.push({ ...meta, engine: meta?.engine ?? "rego" });
  }
  if (errors.length > 0) throw new Error(errors.join("\n"));
  return rules;
}

function main() {
  mkdirSync(OUT, { recursive: true });
  const opa = ensureOpa();
  const rules = collectRules();
  compile(opa, writeCapabilities(opa));
  writeFileSync(join(OUT, "rules.json"), JSON.stringify(rules, null, 2));
  writeFileSync(
    join(OUT, "settings.json"),
    readFileSync(join(ROOT, "policies", "settings", "data.json")),
  );
  process.stderr.write(`built ${rules.length} rules into dist/policies/policy.wasm\n`);
}

try {
  main();
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
