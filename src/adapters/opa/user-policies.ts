// Repository policies written for conftest (`deny`, `violation`, `warn` in `package main` or any
// namespace, Rego v0 or v1), compiled to wasm with the pinned `opa` in a child process with a time
// limit and the wasm capabilities (no network, no clock), cached by content, run like the built-ins.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { LoadedPolicy } from "@open-policy-agent/opa-wasm";
import { parse as parseYaml } from "yaml";
import type { RawFinding } from "../../core/findings.js";
import type { JsonPath } from "../../core/types.js";
import { deepMerge, isPlainObject } from "../../core/plain-data.js";
import type { PolicyEngine, PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import { WasmModule } from "./wasm-module.js";
import { describeThrown } from "./wasm-policy-engine.js";

/** A repository policy may take this long to compile before it is reported as failed. */
export const COMPILE_TIMEOUT_MS = 60_000;
const ENTRYPOINT = "portcullis_user/results";

export interface PolicySelection {
  /** Namespaces to evaluate (conftest's --namespace, default `main`); all of them with `all`. */
  readonly namespaces: readonly string[] | "all";
}

export interface CompiledPolicies {
  readonly wasm: Uint8Array;
  readonly namespaces: readonly string[];
  /** The result rules of each namespace (`deny`, `warn_latest_tag`, ...). */
  readonly rules: Readonly<Record<string, readonly string[]>>;
}

function regoFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".rego") && !e.name.endsWith("_test.rego")) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

/** The `package` of each Rego file. */
export function packagesOf(sources: readonly string[]): string[] {
  return [...rulesByPackage(sources).keys()].sort();
}

/**
 * The result rules of each package, as conftest finds them: `deny`, `violation` and `warn`, with
 * or without a `_name` suffix (`deny_run_as_root`), and whether the package has `exception` rules.
 */
export function rulesByPackage(
  sources: readonly string[],
): Map<string, { rules: Set<string>; exceptions: boolean }> {
  const out = new Map<string, { rules: Set<string>; exceptions: boolean }>();
  for (const source of sources) {
    const pkg = /^\s*package\s+([\w.]+)/m.exec(source)?.[1];
    if (!pkg) continue;
    const entry = out.get(pkg) ?? { rules: new Set<string>(), exceptions: false };
    for (const m of source.matchAll(
      /^(deny|violation|warn)(_\w+)?(?=\s*(\[|contains\b|if\b|=|:=|\{))/gm,
    )) {
      entry.rules.add(`${m[1]}${m[2] ?? ""}`);
    }
    if (/^exception(?=\s*(\[|contains\b|if\b|=|:=|\{))/m.test(source)) entry.exceptions = true;
    out.set(pkg, entry);
  }
  return out;
}

/** The generated module that evaluates every selected namespace for each document of a batch. */
function wrapper(rules: Readonly<Record<string, readonly string[]>>, v0: boolean): string {
  const perNamespace = Object.entries(rules)
    .map(([ns, names]) => {
      const fields = [...names, "exception"]
        .map((r) => `"${r}": [x | x := data.${ns}.${r}[_]]`)
        .join(", ");
      return `"${ns}": {${fields}}`;
    })
    .join(", ");
  const head = v0
    ? "package portcullis_user\n\nresults = "
    : "package portcullis_user\n\nresults := ";
  return `${head}[r | d := input.documents[_]; r := {${perNamespace}} with input as d]\n`;
}

export class PolicyCompileError extends Error {}

/**
 * Compiles a policy directory, or takes it from the cache (keyed by the sources, the namespaces
 * and the OPA binary). Rego v1 is tried first, then v0 (conftest's `deny[msg] { ... }`).
 */
export function compilePolicies(
  dir: string,
  selection: PolicySelection,
  tools: { opa: string; capabilities: string; cacheDir?: string },
): CompiledPolicies {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new PolicyCompileError(`policy directory ${dir} does not exist`);
  const files = regoFiles(dir);
  if (files.length === 0) throw new PolicyCompileError(`no .rego files in ${dir}`);
  const sources = files.map((f) => readFileSync(f, "utf8"));
  const found = rulesByPackage(sources);
  const available = [...found.keys()].sort();
  const namespaces =
    selection.namespaces === "all"
      ? available
      : selection.namespaces.filter((n) => available.includes(n));
  if (namespaces.length === 0) {
    throw new PolicyCompileError(
      `no policy in namespace ${(selection.namespaces as string[]).join(", ")} (found: ${available.join(", ")})`,
    );
  }
  const rules = Object.fromEntries(namespaces.map((ns) => [ns, [...found.get(ns)!.rules].sort()]));
  const hash = createHash("sha256");
  files.forEach((f, i) => hash.update(`${relative(dir, f)}\u0000${sources[i]}\u0000`));
  hash
    .update(JSON.stringify(rules))
    .update(readFileSync(tools.opa).length.toString())
    .update(readFileSync(tools.capabilities));
  const cacheDir = tools.cacheDir ?? join(tmpdir(), "portcullis-policy-cache");
  const cached = join(cacheDir, `${hash.digest("hex").slice(0, 32)}.wasm`);
  if (existsSync(cached)) return { wasm: readFileSync(cached), namespaces, rules };

  const work = mkdtempSync(join(tmpdir(), "portcullis-policies-"));
  try {
    let lastError = "";
    for (const v0 of [false, true]) {
      writeFileSync(join(work, "portcullis_user.rego"), wrapper(rules, v0));
      const out = join(work, "bundle.tar.gz");
      const args = [
        "build",
        "-t",
        "wasm",
        "--capabilities",
        tools.capabilities,
        "-e",
        ENTRYPOINT,
        "-o",
        out,
      ];
      if (v0) args.push("--v0-compatible");
      const r = spawnSync(tools.opa, [...args, ...files, join(work, "portcullis_user.rego")], {
        encoding: "utf8",
        timeout: COMPILE_TIMEOUT_MS,
      });
      if (r.error || r.signal)
        throw new PolicyCompileError(
          `opa build did not finish within ${COMPILE_TIMEOUT_MS / 1000} s`,
        );
      if (r.status === 0) {
        spawnSync("tar", ["-xzf", out, "-C", work, "/policy.wasm"]);
        const wasm = readFileSync(join(work, "policy.wasm"));
        mkdirSync(cacheDir, { recursive: true });
        writeFileSync(cached, wasm);
        return { wasm, namespaces, rules };
      }
      lastError = (r.stderr || r.stdout).trim();
      // Only a parse error can be Rego v0; anything else is the policy's own error.
      if (!/rego_parse_error/.test(lastError)) break;
    }
    throw new PolicyCompileError(lastError.split(work).join("<generated>"));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function toPath(path: unknown): JsonPath | undefined {
  if (Array.isArray(path) && path.every((p) => typeof p === "string" || typeof p === "number"))
    return path as JsonPath;
  if (typeof path === "string" && path !== "") {
    return path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  }
  return undefined;
}

/** A result of `deny`/`violation`/`warn` rules: a message, or an object with `msg` and maybe a `path`. */
function toFinding(ns: string, name: string, value: unknown, exception?: string): RawFinding {
  const rule = `${ns}.${name}`;
  const severity = name.startsWith("warn") ? "warning" : "error";
  const excepted = exception === undefined ? {} : { exception };
  if (typeof value === "string") return { rule, msg: value, path: [], severity, ...excepted };
  const o = (value && typeof value === "object" ? value : {}) as Record<string, unknown>;
  const msg = typeof o.msg === "string" ? o.msg : JSON.stringify(value);
  return { rule, msg, path: toPath(o.path) ?? toPath(o._loc) ?? [], severity, ...excepted };
}

/** Runs compiled repository policies with conftest's input: the document itself. */
export class UserPolicyEngine implements PolicyEngine {
  private policy: LoadedPolicy;
  private readonly module: WasmModule;

  constructor(
    private readonly compiled: CompiledPolicies,
    /** What the policies read as `data` (conftest's --data files). */
    private readonly data: Record<string, unknown> = {},
  ) {
    this.module = new WasmModule(compiled.wasm);
    this.policy = this.module.instantiate(this.data);
  }

  setSettings(): void {
    // Repository policies read only their input (conftest's model).
  }

  evaluate(inputs: readonly PolicyInput[]): PolicyResult[] {
    return inputs.map((input) => {
      try {
        const output = this.policy.evaluate({ documents: [input.document] }, ENTRYPOINT) as {
          result?: unknown;
        }[];
        const perDocument = (
          output?.[0]?.result as Record<string, Record<string, unknown[]>>[] | undefined
        )?.[0];
        if (!perDocument) return { ok: false, error: "repository policy returned no result" };
        const findings: RawFinding[] = [];
        for (const ns of this.compiled.namespaces) {
          const results = perDocument[ns] ?? {};
          // conftest: `exception` lists rule names (`run_as_root` excepts `deny_run_as_root`).
          const excepted = new Set(
            (results.exception ?? []).flat().filter((x): x is string => typeof x === "string"),
          );
          for (const name of this.compiled.rules[ns] ?? []) {
            const suffix = name.replace(/^(deny|violation|warn)_?/, "");
            const exception =
              suffix !== "" && excepted.has(suffix)
                ? `excepted by the policy's own exception rule (${suffix})`
                : undefined;
            for (const v of results[name] ?? []) findings.push(toFinding(ns, name, v, exception));
          }
        }
        return { ok: true, findings };
      } catch (err) {
        this.policy = this.module.instantiate(this.data);
        return { ok: false, error: `repository policy failed: ${describeThrown(err)}` };
      }
    });
  }
}

/**
 * conftest's `--data`: every JSON/YAML file under the given paths, each a mapping merged into the
 * root of `data` (later files win on conflicts). A file that is not a mapping is an error.
 */
export function loadPolicyData(paths: readonly string[]): Record<string, unknown> {
  let data: Record<string, unknown> = {};
  const files: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e));
    else if (/\.(json|ya?ml)$/i.test(p)) files.push(p);
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new PolicyCompileError(`data path ${p} does not exist`);
    walk(p);
  }
  for (const file of files) {
    let value: unknown;
    try {
      value = parseYaml(readFileSync(file, "utf8"), { maxAliasCount: 100 });
    } catch (err) {
      throw new PolicyCompileError(
        `data file ${file} could not be read: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
      );
    }
    if (!isPlainObject(value))
      throw new PolicyCompileError(`data file ${file} must hold a mapping`);
    data = deepMerge(data, value) as Record<string, unknown>;
  }
  return data;
}
