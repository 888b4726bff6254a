#!/usr/bin/env node
// Finds or builds the pinned OPA binary and runs the Rego checks (fmt, check --strict, test).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TOOLS_DIR = join(ROOT, "tools");
const BIN_DIR = join(ROOT, ".tools", "bin");
const OPA_MODULE = "github.com/open-policy-agent/opa";
const REGO_IGNORES = ["--ignore", "*.yaml", "--ignore", "*.yml", "--ignore", "*.md"];

/** The OPA version pinned in tools/go.mod. */
export function pinnedVersion(module = OPA_MODULE) {
  const gomod = readFileSync(join(TOOLS_DIR, "go.mod"), "utf8");
  const line = gomod.split("\n").find((l) => l.trim().startsWith(`${module} `));
  if (!line) throw new Error(`tools/go.mod does not pin ${module}`);
  return line.trim().split(/\s+/)[1].replace(/^v/, "");
}

function opaVersionOf(binary) {
  const r = spawnSync(binary, ["version"], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  const m = /^Version:\s*(\S+)/m.exec(r.stdout);
  return m?.[1]?.replace(/^v/, "");
}

function onPath(name) {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Returns the path of an `opa` at the pinned version: ours, then PATH, else built with Go. */
export function ensureOpa({ quiet = false } = {}) {
  const want = pinnedVersion();
  const local = join(BIN_DIR, "opa");
  if (existsSync(local) && opaVersionOf(local) === want) return local;
  const fromPath = onPath("opa");
  if (fromPath && opaVersionOf(fromPath) === want) return fromPath;
  const go = onPath("go");
  if (!go) {
    throw new Error(
      `portcullis needs OPA ${want}: install Go >= 1.24 (to build it from the module proxy) or put opa ${want} on PATH`,
    );
  }
  if (!quiet)
    process.stderr.write(`building opa ${want} from the Go module proxy (tools/go.mod)...\n`);
  mkdirSync(BIN_DIR, { recursive: true });
  execFileSync(go, ["build", "-trimpath", "-ldflags=-s -w", "-o", local, OPA_MODULE], {
    cwd: TOOLS_DIR,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
  });
  return local;
}

function run(opa, args) {
  const r = spawnSync(opa, args, { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** opa fmt --list must print nothing, opa check --strict must pass, then every Rego test. */
function regoTests(opa) {
  const fmt = spawnSync(opa, ["fmt", "--list", "policies"], { cwd: ROOT, encoding: "utf8" });
  if (fmt.status !== 0 || fmt.stdout.trim() !== "") {
    process.stderr.write(
      `opa fmt: these files need formatting (run: ${opa} fmt -w policies):\n${fmt.stdout}${fmt.stderr}`,
    );
    process.exit(1);
  }
  run(opa, ["check", "--strict", "policies", ...REGO_IGNORES]);
  run(opa, ["test", "policies", ...REGO_IGNORES]);
}

export { REGO_IGNORES };

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? "opa";
  try {
    const opa = ensureOpa();
    if (command === "opa") console.log(opa);
    else if (command === "opa-test") regoTests(opa);
    else {
      console.error(`usage: node scripts/tools.mjs opa|opa-test`);
      process.exit(2);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
