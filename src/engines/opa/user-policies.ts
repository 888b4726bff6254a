// Repository policies written for conftest (`deny`, `violation`, `warn` in `package main` or any
// namespace, Rego v0 or v1), compiled to wasm with the pinned `opa` (opa-build.ts), run like the built-ins.
import { existsSync, readFileSync, statSync } from "node:fs";
import { readableEntries, whyUnreadable } from "../../adapters/fs/unreadable.js";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import type { RawFinding } from "../../core/findings.js";
import type { JsonPath } from "../../core/types.js";
import { dataKeysOf, isDataFile, isPolicyModule } from "../../core/file-role.js";
import { deepMerge, isPlainObject } from "../../core/plain-data.js";
import type { PolicyEngine, PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import type {
  ConftestPolicies,
  DataFile,
  RepositoryPolicyCompiler,
  RegoVersion,
} from "../../ports/policy-compiler.js";
import {
  cachedAnswer,
  defaultOpaTools,
  PolicyCompileError,
  type OpaTools,
  type PolicySource,
  type WasmBuild,
} from "./opa-build.js";
import { buildPolicy, PolicyRunner, type CompiledModule } from "./policy-runner.js";
import { loadGatekeeper } from "./gatekeeper.js";
import { describeThrown, evaluateInBatches } from "./wasm-policy-engine.js";
import { MAX_BATCH_BYTES } from "../../core/limits.js";
import { compareText } from "../../core/compare-text.js";

export { PolicyCompileError, type PolicySource } from "./opa-build.js";

const ENTRYPOINT = "portcullis_user/results";
const WRAPPER_PATH = ".portcullis-generated/results.rego";

export interface PolicySelection {
  /** Namespaces to evaluate (conftest's --namespace, default `main`); all of them with `all`. */
  readonly namespaces: readonly string[] | "all";
  /** Only this Rego syntax (conftest's --rego-version); otherwise v1, and v0 when v1 cannot parse. */
  readonly regoVersion?: RegoVersion;
}

/** The policies compiled (wasm, or a program for the pinned opa: policy-runner.ts). */
export interface CompiledPolicies extends CompiledModule {
  readonly namespaces: readonly string[];
  /** The result rules of each namespace (`deny`, `warn_latest_tag`, ...). */
  readonly rules: Readonly<Record<string, readonly string[]>>;
}

/**
 * Files under `dir` (recursively) whose name passes `keep`, as sources named `label/<relative>`.
 * What cannot be read (no permission, a name that is not UTF-8) fails the load, never left out.
 */
function readSources(dir: string, label: string, keep: (name: string) => boolean): PolicySource[] {
  const out: PolicySource[] = [];
  const refuse = (p: string, why: string): never => {
    const at = join(label, relative(dir, p));
    throw new PolicyCompileError(`${at}: ${why}: its policies cannot be read`, at);
  };
  const walk = (d: string) => {
    for (const e of readableEntries(d, refuse).sort((a, b) => compareText(a.name, b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (keep(e.name)) {
        let text;
        try {
          text = readFileSync(p, "utf8");
        } catch (err) {
          return refuse(p, `a file that cannot be read (${whyUnreadable(err)})`);
        }
        out.push({ path: join(label, relative(dir, p)), text });
      }
    }
  };
  walk(dir);
  return out;
}

/** The Rego modules of a policy directory on disk, named `label/<relative path>`. */
export function readPolicySources(dir: string, label = dir): PolicySource[] {
  if (!existsSync(dir)) throw new PolicyCompileError(`policy path ${label} does not exist`);
  // conftest's -p also takes one .rego file.
  if (!statSync(dir).isDirectory()) {
    if (!dir.endsWith(".rego")) throw new PolicyCompileError(`${label} is not a .rego file`);
    return [{ path: label, text: readFileSync(dir, "utf8") }];
  }
  return readSources(dir, label, isPolicyModule);
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
      /^[ \t]*(deny|violation|warn)(_\w+)?(?=\s*(\[|contains\b|if\b|=|:=|\{))/gm,
    )) {
      entry.rules.add(`${m[1]}${m[2] ?? ""}`);
    }
    if (/^[ \t]*exception(?=\s*(\[|contains\b|if\b|=|:=|\{))/m.test(source))
      entry.exceptions = true;
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
  return `${head}[r | d := input.documents[_]; r := {${perNamespace}} with input as d.document with data.conftest.file as d.file]\n`;
}

/**
 * Compiles repository policies (or takes them from the cache, keyed by the sources, the namespaces
 * and the OPA binary) as Rego v1, or as v0 (conftest's `deny[msg] { ... }`) when v1 cannot parse
 * them; as the one version `selection.regoVersion` names when it names one.
 */
export async function compilePolicies(
  sources: readonly PolicySource[],
  selection: PolicySelection,
  tools: OpaTools,
): Promise<CompiledPolicies> {
  if (sources.length === 0) throw new PolicyCompileError("no .rego files");
  const found = rulesByPackage(sources.map((s) => s.text));
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
  const build = (v0: boolean): WasmBuild => ({
    sources: [...sources, { path: WRAPPER_PATH, text: wrapper(rules, v0) }],
    entrypoints: [ENTRYPOINT],
    v0,
  });
  const compiled = (module: CompiledModule): CompiledPolicies => ({ ...module, namespaces, rules });
  if (selection.regoVersion)
    return compiled(await buildPolicy(build(selection.regoVersion === "v0"), tools));
  // Not yet compiled: v1 and v0 compile side by side (a first run waits for one compile, not two;
  // both answers are cached). Otherwise the cached v1 answer decides whether v0 is needed.
  const v0Early = cachedAnswer(build(false), tools) ? undefined : buildPolicy(build(true), tools);
  // Settled before this returns either way: a build's temporary files are gone before the run ends.
  // (Handled from the start: it may fail while v1 is still compiling.)
  const v0Quiet = v0Early?.catch(() => undefined);
  const v0Settled = async () => void (await v0Quiet);
  let v1: CompiledModule;
  try {
    v1 = await buildPolicy(build(false), tools);
  } catch (err) {
    // Only a parse error can be Rego v0; anything else is the policy's own error.
    if (err instanceof PolicyCompileError && /rego_parse_error/.test(err.message))
      return compiled(await (v0Early ?? buildPolicy(build(true), tools)));
    await v0Settled();
    throw err;
  }
  await v0Settled();
  return compiled(v1);
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
  private readonly runner: PolicyRunner;

  constructor(
    private readonly compiled: CompiledPolicies,
    /** What the policies read as `data` (conftest's --data files). */
    private readonly data: Record<string, unknown> = {},
  ) {
    this.runner = new PolicyRunner(compiled, this.data, ENTRYPOINT);
  }

  setSettings(): void {
    // Repository policies read only their input (conftest's model).
  }

  evaluate(inputs: readonly PolicyInput[]): PolicyResult[] {
    return evaluateInBatches(inputs, {
      maxBatchBytes: MAX_BATCH_BYTES,
      // conftest's data.conftest.file: the file as given, and its folder.
      serialize: (input) => {
        const name = input.file.path;
        const slash = name.lastIndexOf("/");
        const file = { name, dir: slash < 0 ? "." : name.slice(0, slash) };
        return JSON.stringify({ document: input.document, file });
      },
      run: (payload, count) => {
        const perDocument = this.runner.evaluate(payload);
        // Thrown, so that the batch is tried again one document at a time.
        if (!Array.isArray(perDocument) || perDocument.length !== count)
          throw new Error("repository policy returned no result");
        return perDocument.map((r) =>
          this.toResult(r as Record<string, Record<string, unknown[]>>),
        );
      },
      reset: () => {
        // The runner replaces its own wasm instance after a throw.
      },
      failed: (err) => `repository policy failed: ${describeThrown(err)}`,
    });
  }

  /** One document's results, namespace by namespace, as findings (exceptions applied). */
  private toResult(perDocument: Record<string, Record<string, unknown[]>>): PolicyResult {
    const findings: RawFinding[] = [];
    for (const ns of this.compiled.namespaces) {
      const results = perDocument[ns] ?? {};
      // conftest: `exception` lists rule names (`run_as_root` excepts `deny_run_as_root`).
      const excepted = new Set(
        (results.exception ?? []).flat().filter((x): x is string => typeof x === "string"),
      );
      for (const name of this.compiled.rules[ns] ?? []) {
        const values = results[name] ?? [];
        // `deny[msg] if { ... }` in Rego v1 is an object rule whose values are `true`:
        // conftest refuses it; reporting "true" as a message would hide the mistake.
        if (values.some((v) => typeof v === "boolean"))
          return {
            ok: false,
            error: `repository policy ${ns}.${name} is not a set of messages: in Rego v1 write \`${name} contains msg if { ... }\``,
          };
        // conftest: an exception naming "" excepts the rules without a suffix (deny, warn...).
        const suffix = name.replace(/^(deny|violation|warn)_?/, "");
        const exception = excepted.has(suffix)
          ? `excepted by the policy's own exception rule (${suffix === "" ? '""' : suffix})`
          : undefined;
        for (const v of values) findings.push(toFinding(ns, name, v, exception));
      }
    }
    return { ok: true, findings };
  }
}

/** Data files (JSON/YAML) in order, each mapping merged at its keys under `data`; later files win. */
export function parsePolicyData(sources: readonly DataFile[]): Record<string, unknown> {
  let data: Record<string, unknown> = {};
  for (const file of sources) {
    let value: unknown;
    try {
      value = parseYaml(file.text, { maxAliasCount: 100 });
    } catch (err) {
      throw new PolicyCompileError(
        `data file ${file.path} could not be read: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`,
        file.path,
      );
    }
    if (!isPlainObject(value))
      throw new PolicyCompileError(`data file ${file.path} must hold a mapping`, file.path);
    const placed = [...(file.under ?? [])]
      .reverse()
      .reduce<Record<string, unknown>>((inner, key) => ({ [key]: inner }), value);
    data = deepMerge(data, placed) as Record<string, unknown>;
  }
  return data;
}

/** conftest's `--data`: every JSON/YAML file under the given paths, merged into `data`. */
export function loadPolicyData(paths: readonly string[]): Record<string, unknown> {
  const files: DataFile[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new PolicyCompileError(`data path ${p} does not exist`);
    if (statSync(p).isDirectory())
      files.push(
        ...readSources(p, p, isDataFile).map((f) => ({ ...f, under: dataKeysOf(p, f.path) })),
      );
    else if (isDataFile(p)) files.push({ path: p, text: readFileSync(p, "utf8") });
  }
  return parsePolicyData(files);
}

/** The repository-policy compiler of the app and the review command: the pinned opa, in a child process. */
export class OpaPolicyCompiler implements RepositoryPolicyCompiler {
  #tools: OpaTools | undefined;

  /** `tools` is resolved on first use, so a server without opa fails only repositories with policies. */
  constructor(private readonly tools: () => OpaTools = () => defaultOpaTools()) {}

  async conftest(policies: ConftestPolicies): Promise<PolicyEngine> {
    this.#tools ??= this.tools();
    const compiled = await compilePolicies(
      policies.modules,
      { namespaces: policies.namespaces, regoVersion: policies.regoVersion },
      this.#tools,
    );
    return new UserPolicyEngine(compiled, policies.data);
  }

  gatekeeper(
    files: readonly PolicySource[],
    inventory: readonly unknown[],
    previousNamespaces: readonly unknown[] = [],
  ) {
    return loadGatekeeper(
      files,
      inventory,
      () => (this.#tools ??= this.tools()),
      previousNamespaces,
    );
  }
}
