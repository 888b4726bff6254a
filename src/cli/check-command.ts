// `portcullis check [paths...]`: evaluate local files with the built-in policies and print findings.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { readDirectorySources } from "../adapters/fs/directory-source.js";
import { loadPolicyBundle, type PolicyBundle } from "../adapters/fs/policy-bundle.js";
import { WasmPolicyEngine } from "../adapters/opa/wasm-policy-engine.js";
import { CONFIG_PATH, FAIL_LEVELS, parseConfig, type FailLevel } from "../config/config.js";
import { applyFixes } from "../core/fix.js";
import { parseCommandArgs, usageError as commandUsageError } from "./command-args.js";
import type { Finding } from "../core/types.js";
import {
  evaluateFiles,
  evaluateFilesWhenReady,
  type EvaluationDeps,
  type EvaluationError,
  type EvaluationReport,
  type SourceFile,
} from "../review/evaluate-files.js";
import type { PolicyEngine } from "../ports/policy-engine.js";
import {
  compilePolicies,
  loadPolicyData,
  PolicyCompileError,
  readPolicySources,
  UserPolicyEngine,
} from "../adapters/opa/user-policies.js";
import { defaultOpaTools } from "../adapters/opa/opa-build.js";
import { gatekeeperInventory, loadGatekeeperDirectory } from "../adapters/opa/gatekeeper.js";
import { diffEdits, renderUnifiedDiff } from "../render/unified-diff.js";
import { renderGithub } from "../render/github.js";
import { renderJson } from "../render/json.js";
import { renderSarif } from "../render/sarif.js";
import { exitCodeOf } from "../render/summary.js";
import { renderText } from "../render/text.js";

export interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(s: string): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  readonly version: string;
  /** The policy bundle; loaded from dist/policies when absent. */
  readonly bundle?: PolicyBundle;
}

export const FORMATS = ["text", "json", "sarif", "github"] as const;

export const CHECK_USAGE = `usage: portcullis check [paths...] [options]

Evaluates YAML/JSON manifests under the given paths (default: .) with the built-in policies.

options:
  -f, --format <text|json|sarif|github>   output format (default: text)
  -o, --output <file>                     write the report to a file instead of stdout
  -c, --config <file>                     configuration file (default: ${CONFIG_PATH} if present)
      --fail-on <error|warning|notice|never>
                                          lowest severity that fails the run (default: from config, else error)
      --fix                               apply every safe auto-fix to the files in place, then report what remains
      --fix-dry-run                       print the fixes as a unified diff (before the report) without writing
  -p, --policy <dir>                      also run the repository's own Rego policies (conftest style:
                                          deny/violation/warn, Rego v0 or v1); repeatable
      --namespace <ns>                    the policies' package to run (default: main); repeatable
      --all-namespaces                    run every package of the policies
      --rego-version <v0|v1>              read the policies in this Rego syntax only (default: v1, else v0)
  -d, --data <path>                       JSON/YAML files (or folders of them) the policies read as data; repeatable
      --admission <dir>                   also evaluate the admission policies under <dir> (Gatekeeper
                                          ConstraintTemplates and Constraints, as gator does; data.inventory:
                                          the checked manifests); repeatable. --gatekeeper <dir> is an alias
  -v, --verbose                           list skipped files in text output
      --no-color                          never colour text output
  -h, --help                              show this help

exit status: 0 nothing at or above the fail level, 1 failing findings,
             2 usage, configuration or evaluation error`;

const CHECK = { name: "check", usage: CHECK_USAGE };

const NO_CATALOGUE: PolicyEngine = {
  setSettings: () => undefined,
  evaluate: (inputs) => inputs.map(() => ({ ok: true, findings: [] })),
};
const usageError = (io: CliIo, message: string) => commandUsageError(io, CHECK, message);

export function today(env: CliIo["env"]): string {
  const fixed = env.PORTCULLIS_TODAY;
  return fixed && /^\d{4}-\d{2}-\d{2}$/.test(fixed) ? fixed : new Date().toISOString().slice(0, 10);
}

/** Rounds of fixing: each round re-checks, since one fix can make another applicable. */
const MAX_FIX_ROUNDS = 3;

/** Applies the fixes of every open finding, file by file, in memory. */
function applyAllFixes(
  report: EvaluationReport,
  files: readonly SourceFile[],
): { files: SourceFile[]; applied: number } {
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) {
    if (f.status.kind !== "open" || !f.fix || f.documentIndex === undefined) continue;
    byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  }
  let applied = 0;
  const result = files.map((source) => {
    const findings = byFile.get(source.path);
    if (!findings) return source;
    const fixed = applyFixes(
      source.path,
      Buffer.from(source.content).toString("utf8"),
      findings.map((f) => ({ documentIndex: f.documentIndex!, fix: f.fix! })),
    );
    applied += fixed.outcomes.filter((o) => o.applied && o.note === undefined).length;
    return fixed.changed
      ? { path: source.path, content: new TextEncoder().encode(fixed.text) }
      : source;
  });
  return { files: result, applied };
}

/**
 * Writes the fixed files (or prints their diff against the originals), and lists the fixes that
 * remain possible but were not applied, with the fixer's reason.
 */
function publishFixes(
  original: readonly SourceFile[],
  fixed: readonly SourceFile[],
  remaining: EvaluationReport,
  io: CliIo,
  dryRun: boolean,
): void {
  let changedFiles = 0;
  fixed.forEach((f, i) => {
    const before = original[i]!;
    if (f === before) return;
    changedFiles++;
    const oldText = Buffer.from(before.content).toString("utf8");
    const newText = Buffer.from(f.content).toString("utf8");
    if (dryRun) io.stdout.write(renderUnifiedDiff(f.path, oldText, diffEdits(oldText, newText)));
    else writeFileSync(resolve(io.cwd, f.path), newText);
  });
  const left = remaining.findings.filter((x) => x.status.kind === "open" && x.fix);
  io.stderr.write(`portcullis: ${dryRun ? "would change" : "fixed"} ${changedFiles} file(s)\n`);
  for (const x of left) {
    io.stderr.write(
      `portcullis: fix not applied: ${x.file}:${x.lines.start} ${x.rule} (${x.fix!.op} ${x.fix!.path.join(".")})\n`,
    );
  }
}

export async function runCheck(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    io,
    CHECK,
    {
      output: { type: "string", short: "o" },
      config: { type: "string", short: "c" },
      "fail-on": { type: "string" },
      verbose: { type: "boolean", short: "v" },
      fix: { type: "boolean" },
      "fix-dry-run": { type: "boolean" },
      policy: { type: "string", short: "p", multiple: true },
      data: { type: "string", short: "d", multiple: true },
      namespace: { type: "string", multiple: true },
      "all-namespaces": { type: "boolean" },
      "rego-version": { type: "string" },
      admission: { type: "string", multiple: true },
      gatekeeper: { type: "string", multiple: true },
      "no-color": { type: "boolean" },
    },
    FORMATS,
  );
  if (typeof parsed === "number") return parsed;
  const { values, positionals, format } = parsed;
  const failOnFlag = values.text("fail-on");
  if (failOnFlag !== undefined && !(FAIL_LEVELS as readonly string[]).includes(failOnFlag)) {
    return usageError(io, `unknown --fail-on "${failOnFlag}" (one of ${FAIL_LEVELS.join(", ")})`);
  }
  const regoVersion = values.text("rego-version");
  if (regoVersion !== undefined && regoVersion !== "v0" && regoVersion !== "v1")
    return usageError(io, `unknown --rego-version "${regoVersion}" (v0 or v1)`);

  let bundle: PolicyBundle;
  try {
    bundle = io.bundle ?? loadPolicyBundle();
  } catch (err) {
    io.stderr.write(`portcullis: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const context = {
    settingDefaults: bundle.settingDefaults,
    ruleIds: new Set(bundle.rules.keys()),
  };
  const configPath = values.text("config")
    ? resolve(io.cwd, values.text("config")!)
    : resolve(io.cwd, CONFIG_PATH);
  if (values.text("config") && !existsSync(configPath))
    return usageError(io, `config file ${values.text("config")} does not exist`);
  const configText = existsSync(configPath) ? readFileSync(configPath, "utf8") : "";
  const { config, errors: configErrors } = parseConfig(configText, context);
  if (configErrors.length > 0) {
    for (const e of configErrors) {
      io.stderr.write(
        `${configPath}${e.line ? `:${e.line}` : ""}: ${e.path ? `${e.path}: ` : ""}${e.message}\n`,
      );
    }
    io.stderr.write(
      `portcullis: the configuration has ${configErrors.length} error(s); nothing was checked\n`,
    );
    return 2;
  }
  const failOn = (failOnFlag as FailLevel | undefined) ?? config.failOn;

  const paths = positionals.length > 0 ? positionals : ["."];
  const selection = readDirectorySources(paths, io.cwd, config);
  if (selection.missing.length > 0)
    return usageError(io, `no such file or directory: ${selection.missing.join(", ")}`);
  if (selection.files.length === 0) {
    io.stderr.write(
      `portcullis: no YAML or JSON files found under ${paths.join(", ")} (include/exclude globs apply)\n`,
    );
  }
  const progress = io.stderr.isTTY && selection.files.length > 200;
  if (progress) io.stderr.write(`portcullis: evaluating ${selection.files.length} files...\n`);

  // Every catalogue rule switched off (a repository policy run alone, as with conftest): the
  // built-in engine would only produce findings that are dropped, so it is not loaded at all.
  const catalogueOff = [...bundle.rules.keys()].every((id) => config.rules[id]?.enabled === false);
  let engine: PolicyEngine;
  try {
    engine = catalogueOff ? NO_CATALOGUE : new WasmPolicyEngine(bundle.wasm);
  } catch (err) {
    io.stderr.write(
      `portcullis: cannot load the policy bundle: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 2;
  }
  engine.setSettings(config.settings as Record<string, unknown>);
  // Repository policies (conftest style): compiled once, evaluated on the same documents. The
  // files are read while they compile (evaluateFilesWhenReady).
  const extraEngines: PolicyEngine[] = [];
  const policyErrors: EvaluationError[] = [];
  const ready = (async (): Promise<EvaluationDeps> => {
    for (const dir of values.list("policy")) {
      try {
        const compiled = await compilePolicies(
          readPolicySources(resolve(io.cwd, dir), dir),
          {
            namespaces: values.flag("all-namespaces")
              ? "all"
              : values.list("namespace").length > 0
                ? values.list("namespace")
                : ["main"],
            ...(regoVersion ? { regoVersion } : {}),
          },
          defaultOpaTools(io.env),
        );
        const data = loadPolicyData(values.list("data").map((d) => resolve(io.cwd, d)));
        extraEngines.push(new UserPolicyEngine(compiled, data));
      } catch (err) {
        // The built-in catalogue still runs; the broken policy fails the run with the compiler's words.
        const at = err instanceof PolicyCompileError ? err : undefined;
        policyErrors.push({
          file: at?.file ?? dir,
          line: at?.line ?? 1,
          message: `repository policy could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }
    // Gatekeeper constraints: data.inventory and namespaceSelectors read the manifests being checked.
    // --admission, and its older name --gatekeeper: the same folders, read once.
    const admission = [...new Set([...values.list("admission"), ...values.list("gatekeeper")])];
    const inventory = admission.length
      ? gatekeeperInventory(selection.files, selection.layout)
      : [];
    for (const dir of admission) {
      const gatekeeper = await loadGatekeeperDirectory(dir, io.cwd, inventory, () =>
        defaultOpaTools(io.env),
      );
      if (gatekeeper.engine) extraEngines.push(gatekeeper.engine);
      policyErrors.push(...gatekeeper.errors);
      for (const n of gatekeeper.notEvaluated)
        io.stderr.write(`portcullis: ${n.file}:${n.line}: not evaluated: ${n.message}\n`);
    }
    return { engine, extraEngines, rules: bundle.rules, today: today(io.env) };
  })();
  let files = selection.files;
  const withPolicyErrors = (r: EvaluationReport): EvaluationReport => ({
    ...r,
    errors: [...policyErrors, ...r.errors],
  });
  let report = withPolicyErrors(
    await evaluateFilesWhenReady(files, selection.layout, config, ready),
  );
  const evaluationDeps = await ready;
  if (values.flag("fix") || values.flag("fix-dry-run")) {
    // A fix can make another one safe (no privilege escalation once not privileged): a few rounds.
    const original = files;
    for (let round = 0; round < MAX_FIX_ROUNDS; round++) {
      const next = applyAllFixes(report, files);
      if (next.applied === 0) break;
      files = next.files;
      report = withPolicyErrors(evaluateFiles(files, selection.layout, config, evaluationDeps));
    }
    publishFixes(original, files, report, io, values.flag("fix-dry-run"));
  }

  // Source lines are shown by the text format only, for files with findings: split them on demand.
  const contents = new Map(files.map((f) => [f.path, f.content]));
  const lines = new Map<string, string[]>();
  const sourceLine = (file: string, line: number): string | undefined => {
    const content = contents.get(file);
    if (content === undefined) return undefined;
    if (!lines.has(file)) lines.set(file, Buffer.from(content).toString("utf8").split(/\r?\n/));
    return lines.get(file)![line - 1];
  };
  let output: string;
  switch (format) {
    case "json":
      output = renderJson(report, failOn);
      break;
    case "sarif":
      output = renderSarif(report, { version: io.version, rules: bundle.rules });
      break;
    case "github":
      output = renderGithub(report, new Map([...bundle.rules].map(([id, r]) => [id, r.title])));
      break;
    default:
      output = renderText(report, {
        failOn,
        color:
          !values.flag("no-color") &&
          !values.text("output") &&
          io.stdout.isTTY === true &&
          !io.env.NO_COLOR,
        verbose: values.flag("verbose"),
        sourceLine,
      });
  }
  const outputPath = values.text("output");
  if (outputPath) writeFileSync(resolve(io.cwd, outputPath), output);
  else io.stdout.write(output);
  return exitCodeOf(report, failOn);
}
