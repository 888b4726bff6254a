// `portcullis check [paths...]`: evaluate local files with the built-in policies and print findings.
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { readDirectorySources } from "../adapters/fs/directory-source.js";
import { loadPolicyBundle, type PolicyBundle } from "../adapters/fs/policy-bundle.js";
import { WasmPolicyEngine } from "../engines/opa/wasm-policy-engine.js";
import {
  CatalogueWorkerError,
  CatalogueWorkers,
  catalogueWorkersFor,
} from "../engines/catalogue/catalogue-workers.js";
import {
  CONFIG_PATH,
  FAIL_LEVELS,
  normaliseKubernetesVersion,
  parseConfig,
  type Config,
  type FailLevel,
} from "../config/config.js";
import {
  conflictingOptions,
  parseCommandArgs,
  usageError as commandUsageError,
} from "./command-args.js";
import type { FixScope } from "./check-fixes.js";
import {
  evaluateFiles,
  evaluateFilesWhenReady,
  type ReadAhead,
  type EvaluationDeps,
  type EvaluationError,
  type EvaluationReport,
  type SourceFile,
} from "../review/evaluate-files.js";
import { OpaPolicyCompiler, parsePolicyData } from "../engines/opa/user-policies.js";
import { defaultOpaTools } from "../engines/opa/opa-build.js";
import type { EngineDescriptor } from "../engines/engine.js";
import { CheckedFiles } from "../review/checked-files.js";
import { loadEngines } from "../engines/load.js";
import { ENGINES } from "../engines/registry.js";
import { workingTreeFiles } from "../engines/repository-files.js";
import { messageOf } from "../core/errors.js";
import type { SkippedFile } from "../core/types.js";
import { renderGithub } from "../render/github.js";
import { writeJsonReport } from "../render/json.js";
import { writeSarif } from "../render/sarif.js";
import { exitCodeOf } from "../render/summary.js";
import { renderText } from "../render/text.js";
import { outputProblem, outputSink, readStdin } from "./check-io.js";

export interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(s: string): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  readonly version: string;
  /** The policy bundle; loaded from dist/policies when absent. */
  readonly bundle?: PolicyBundle;
  /** Reads standard input to its end (`check -`); absent where there is none. */
  /** Standard input's bytes; past `maxBytes` only the first bytes beyond it (it is not read on). */
  readonly stdin?: (maxBytes?: number) => Promise<Uint8Array>;
  /** The engine registry (src/engines/registry.ts unless a test adds an engine). */
  readonly engines?: readonly EngineDescriptor[];
  /** Given the finished report of a check (the Action renders its SARIF and job summary from it). */
  readonly onReport?: (outcome: CheckOutcome) => void;
}

export interface CheckOutcome {
  readonly report: EvaluationReport;
  readonly failOn: FailLevel;
  readonly bundle: PolicyBundle;
}

export const FORMATS = ["text", "json", "sarif", "github"] as const;

export const CHECK_USAGE = `usage: portcullis check [paths...] [options]

Evaluates YAML/JSON manifests under the given paths (default: .) with the built-in policies.
A path of - reads one file from standard input (named by --stdin-filename).

options:
  -f, --format <text|json|sarif|github>   output format (default: text)
  -o, --output <file>                     write the report to a file instead of stdout
  -c, --config <file>                     configuration file (default: ${CONFIG_PATH} if present)
      --fail-on <error|warning|notice|never>
                                          lowest severity that fails the run (default: from config, else error)
      --fix                               apply the auto-fixes that cannot change whether a workload starts,
                                          in place, then report what remains (the others are listed)
      --fix=all                           apply every auto-fix, also those that need a look (docs/fixes.md)
      --fix-dry-run[=all]                 print those fixes as a unified diff (before the report) without writing
      --render                            build the kustomizations and Helm charts among the files with the
                                          renderers review uses (kustomize, helm) and evaluate their output
      --fail-if-empty                     exit 1 when no Kubernetes document was evaluated
      --stdin-filename <path>             the path the file read from - stands for (default: stdin.yaml);
                                          a kustomization above it that names it as a patch is found
  -p, --policy <dir>                      also run the repository's own Rego policies (conftest style:
                                          deny/violation/warn, Rego v0 or v1); repeatable
      --namespace <ns>                    the policies' package to run (default: main); repeatable
      --all-namespaces                    run every package of the policies
      --rego-version <v0|v1>              read the policies in this Rego syntax only (default: v1, else v0)
  -d, --data <path>                       JSON/YAML files (or folders of them) the policies read as data; repeatable
      --kubernetes-version <1.N>          validate against the API of this Kubernetes minor version (default:
                                          kubernetesVersion of the config, else the newest shipped; PCV rules)
      --admission <dir>                   also evaluate the admission policies under <dir> (Gatekeeper
                                          templates and constraints as gator does, ValidatingAdmissionPolicies
                                          as the apiserver does, Kyverno policies with Kyverno's CLI;
                                          data.inventory: the checked manifests); repeatable.
                                          --gatekeeper <dir> is an alias
  -v, --verbose                           list skipped files in text output
      --no-color                          never colour text output
  -h, --help                              show this help

exit status: 0 nothing at or above the fail level, 1 failing findings,
             2 usage, configuration or evaluation error`;

const CHECK = { name: "check", usage: CHECK_USAGE };

const usageError = (io: CliIo, message: string) => commandUsageError(io, CHECK, message);

export function today(env: CliIo["env"]): string {
  const fixed = env.PORTCULLIS_TODAY;
  return fixed && /^\d{4}-\d{2}-\d{2}$/.test(fixed) ? fixed : new Date().toISOString().slice(0, 10);
}

/**
 * `--fix=all` and `--fix-dry-run=all` as the parser takes them (two flags); any other value of
 * those is refused.
 */
export function expandFixArgs(argv: readonly string[]): string[] | string {
  const out: string[] = [];
  for (const arg of argv) {
    const m = /^--(fix|fix-dry-run)=(.*)$/.exec(arg);
    if (!m) out.push(arg);
    else if (m[2] === "all") out.push(`--${m[1]}`, "--fix-all");
    else if (m[2] === "safe") out.push(`--${m[1]}`);
    else
      return `unknown --${m[1]}=${m[2]} (--${m[1]} applies the safe fixes, --${m[1]}=all every fix)`;
  }
  return out;
}

/** Where --config points: a file, or a one-line reason it cannot be read. */
function configProblem(path: string, given: string): string | undefined {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return `config file ${given} does not exist`;
  }
  return stat.isFile() ? undefined : `--config ${given} is a directory, not a file`;
}

/**
 * `check` reads files as they are: kustomizations and chart templates given to it are not rendered
 * (review renders them). Said on stderr on every run, never only under --verbose.
 */
function warnNotRendered(report: EvaluationReport, io: CliIo, rendering: boolean): void {
  const kustomizations = report.skipped.filter((s) => s.reason.startsWith("kustomization:")).length;
  const templates = report.skipped.filter((s) => s.reason.startsWith("Helm chart template")).length;
  if (kustomizations + templates === 0) return;
  const what = [
    kustomizations > 0 ? `${kustomizations} kustomization(s)` : "",
    templates > 0 ? `${templates} Helm chart template(s)` : "",
  ].filter(Boolean);
  io.stderr.write(
    `portcullis: not evaluated: ${what.join(" and ")} (${
      rendering
        ? "no render built them: a chart renders through a Flux HelmRelease or Argo CD Application that names it, a kustomization when a file it reads is checked"
        : "check reads files as they are; --render builds them as review does"
    })\n`,
  );
}

/**
 * The configuration the engines load with: `--namespace`, `--all-namespaces` and `--rego-version`
 * stand in for the `policies` section's when `--policy` is given (the folders themselves are
 * passed as the command line's).
 */
function withPolicyFlags(
  config: Config,
  values: {
    list(name: "namespace"): string[];
    flag(name: "all-namespaces"): boolean;
    list(name: "policy"): string[];
  },
  regoVersion: string | undefined,
): Config {
  if (values.list("policy").length === 0) return config;
  return {
    ...config,
    policies: {
      ...config.policies,
      namespaces: values.list("namespace").length > 0 ? values.list("namespace") : ["main"],
      allNamespaces: values.flag("all-namespaces"),
      regoVersion: regoVersion === "v0" || regoVersion === "v1" ? regoVersion : "auto",
    },
  };
}

export async function runCheck(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCheckArgs(argv, io);
  if (typeof parsed === "number") return parsed;
  const { values, positionals, format } = parsed;
  const options = checkOptions(values, positionals, io);
  if (typeof options === "number") return options;
  // --render may fetch charts: a fetch setting it cannot take ends the run here (SettingError).
  if (values.flag("render"))
    (await import("../gitops/adapters/chart-fetch.js")).chartLimits(io.env);

  let bundle: PolicyBundle;
  try {
    bundle = io.bundle ?? loadPolicyBundle();
  } catch (err) {
    io.stderr.write(`portcullis: ${messageOf(err)}\n`);
    return 2;
  }
  const config = readCheckConfig(values, io, bundle);
  if (typeof config === "number") return config;
  const failOn = (options.failOn as FailLevel | undefined) ?? config.failOn;

  const selection = await selectFiles(positionals, options.readsStdin, values, io, config);
  if (typeof selection === "number") return selection;
  const workers = catalogueWorkersFor(selection.files.length, io.env);
  if (typeof workers === "string") {
    io.stderr.write(`portcullis: ${workers}\n`);
    return 2;
  }
  const pool: CatalogueWorkers[] = [];
  // The checked files are read once, for the engines' inventory and the evaluation.
  const checked = new CheckedFiles(selection.files, selection.layout, config, io.cwd, {
    keep: !values.flag("render"),
  });
  const ready = startEngines(
    selection,
    config,
    bundle,
    values,
    { ...options, workers, pool, checked },
    io,
  );
  let evaluated: Awaited<ReturnType<typeof evaluateCheck>>;
  try {
    evaluated = await evaluateCheck(
      { ...selection, readAhead: checked.readAhead },
      config,
      ready,
      bundle,
      format,
      values,
      io,
    );
  } catch (err) {
    // A failed worker of the catalogue ends the run at the boundary, in one line, exit 2.
    if (err instanceof CatalogueWorkerError) {
      io.stderr.write(`portcullis: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { files, report } = evaluated;
  // The catalogue's workers have nothing left to evaluate (the fix rounds are done): stopped
  // before the report is written, their heaps (~20-25 MiB) are not part of the run's peak.
  await Promise.all(pool.map((p) => p.close()));

  warnNotRendered(report, io, values.flag("render"));
  io.onReport?.({ report, failOn, bundle });
  writeReport(report, { format, failOn, bundle, files, values, outputAbs: options.outputAbs }, io);
  const code = exitCodeOf(report, failOn);
  return code === 0 && values.flag("fail-if-empty") && report.documentsEvaluated === 0 ? 1 : code;
}

/** The command line read against check's options (a number: the exit code of a usage error or --help). */
function parseCheckArgs(argv: readonly string[], io: CliIo) {
  const args = expandFixArgs(argv);
  if (typeof args === "string") return usageError(io, args);
  return parseCommandArgs(
    args,
    io,
    CHECK,
    {
      output: { type: "string", short: "o" },
      config: { type: "string", short: "c" },
      "fail-on": { type: "string" },
      verbose: { type: "boolean", short: "v" },
      fix: { type: "boolean" },
      "fix-dry-run": { type: "boolean" },
      "fix-all": { type: "boolean" },
      "fail-if-empty": { type: "boolean" },
      "stdin-filename": { type: "string" },
      render: { type: "boolean" },
      policy: { type: "string", short: "p", multiple: true },
      data: { type: "string", short: "d", multiple: true },
      namespace: { type: "string", multiple: true },
      "all-namespaces": { type: "boolean" },
      "rego-version": { type: "string" },
      "kubernetes-version": { type: "string" },
      admission: { type: "string", multiple: true },
      gatekeeper: { type: "string", multiple: true },
      "no-color": { type: "boolean" },
    },
    FORMATS,
  );
}

type CheckValues = Exclude<ReturnType<typeof parseCheckArgs>, number>["values"];

/** The options' values checked together (a number: the exit code of a usage error). */
function checkOptions(values: CheckValues, positionals: readonly string[], io: CliIo) {
  const conflict = conflictingOptions((name) => values.given(name as "fix"), {
    exclusive: [
      ["fix", "fix-dry-run"],
      ["render", "fix"],
      ["render", "fix-dry-run"],
      ["namespace", "all-namespaces"],
    ],
    needs: {
      namespace: "policy",
      "all-namespaces": "policy",
      "rego-version": "policy",
      data: "policy",
    },
  });
  if (conflict) return usageError(io, conflict);
  const readsStdin = positionals.includes("-");
  if (values.given("stdin-filename") && !readsStdin)
    return usageError(io, "--stdin-filename needs - among the paths");
  if (positionals.filter((p) => p === "-").length > 1)
    return usageError(io, "- (standard input) can be given once");
  if (readsStdin && !io.stdin) return usageError(io, "there is no standard input to read");
  if (readsStdin && values.flag("fix"))
    return usageError(
      io,
      "--fix cannot write back to standard input (--fix-dry-run prints a diff)",
    );
  const outputPath = values.text("output");
  const outputAbs = outputPath ? resolve(io.cwd, outputPath) : undefined;
  const badOutput = outputAbs && outputProblem(outputAbs, outputPath!, positionals, io.cwd);
  if (badOutput) return usageError(io, badOutput);
  const failOn = values.text("fail-on");
  if (failOn !== undefined && !(FAIL_LEVELS as readonly string[]).includes(failOn)) {
    return usageError(io, `unknown --fail-on "${failOn}" (one of ${FAIL_LEVELS.join(", ")})`);
  }
  const regoVersion = values.text("rego-version");
  if (regoVersion !== undefined && regoVersion !== "v0" && regoVersion !== "v1")
    return usageError(io, `unknown --rego-version "${regoVersion}" (v0 or v1)`);
  const kubeFlag = values.text("kubernetes-version");
  const kubernetesVersion = normaliseKubernetesVersion(kubeFlag);
  if (kubeFlag !== undefined && kubernetesVersion === undefined)
    return usageError(
      io,
      `--kubernetes-version "${kubeFlag}" is not a Kubernetes minor version such as 1.37`,
    );
  return { readsStdin, outputAbs, failOn, regoVersion, kubernetesVersion };
}

/** The options, and how many worker threads evaluate the catalogue (0: the main thread). */
type CheckOptions = Exclude<ReturnType<typeof checkOptions>, number> & {
  readonly workers: number;
  /** The catalogue's workers started, to stop once the files are evaluated. */
  readonly pool: CatalogueWorkers[];
  /** The checked files read once (the inventory; the evaluation takes those read ahead). */
  readonly checked: CheckedFiles;
};

/**
 * The configuration (--config, else .github/portcullis.yml when there is one); a broken one is
 * listed error by error and nothing is checked (the number: exit code 2).
 */
function readCheckConfig(values: CheckValues, io: CliIo, bundle: PolicyBundle): Config | number {
  const context = {
    settingDefaults: bundle.settingDefaults,
    ruleIds: new Set(bundle.rules.keys()),
  };
  const configPath = values.text("config")
    ? resolve(io.cwd, values.text("config")!)
    : resolve(io.cwd, CONFIG_PATH);
  const badConfig = values.text("config")
    ? configProblem(configPath, values.text("config")!)
    : existsSync(configPath) && configProblem(configPath, CONFIG_PATH);
  if (badConfig) return usageError(io, badConfig);
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
  return config;
}

/**
 * The files to check under the paths given (and standard input at its --stdin-filename); a path
 * that does not exist is a usage error (the number).
 */
async function selectFiles(
  positionals: readonly string[],
  readsStdin: boolean,
  values: CheckValues,
  io: CliIo,
  config: Config,
) {
  const paths = positionals.length > 0 ? positionals : ["."];
  const stdin = readsStdin
    ? await readStdin(values.text("stdin-filename") ?? "stdin.yaml", io, config)
    : undefined;
  const selection = readDirectorySources(
    paths.filter((p) => p !== "-"),
    io.cwd,
    config,
    stdin,
  );
  if (selection.missing.length > 0)
    return usageError(io, `no such file or directory: ${selection.missing.join(", ")}`);
  if (selection.files.length === 0) {
    io.stderr.write(
      `portcullis: no YAML or JSON files found under ${paths.join(", ")} (include/exclude globs apply)\n`,
    );
  }
  const progress = io.stderr.isTTY && selection.files.length > 200;
  if (progress) io.stderr.write(`portcullis: evaluating ${selection.files.length} files...\n`);
  return selection;
}

type Selection = ReturnType<typeof readDirectorySources>;

/**
 * Starts loading the engines of the registry, with the folders of --policy/--admission standing in
 * for the configuration's; they are made while the files are read (evaluateFilesWhenReady).
 */
function startEngines(
  selection: Selection,
  config: Config,
  bundle: PolicyBundle,
  values: CheckValues,
  options: CheckOptions,
  io: CliIo,
) {
  const { regoVersion, kubernetesVersion, workers, pool, checked } = options;
  const policies = {
    ...withPolicyFlags(config, values, regoVersion),
    ...(kubernetesVersion ? { kubernetesVersion } : {}),
  };
  // The checked manifests are every engine's inventory (the schema's CRDs, data.inventory...): parsed
  // once, by the evaluation's reader (src/review/checked-files.ts).
  return loadEngines(io.engines ?? ENGINES, {
    config: policies,
    configFile: values.text("config") ?? CONFIG_PATH,
    // A large run evaluates the catalogue in worker threads beside its reading (same results).
    catalogue: () => {
      if (workers === 0) return new WasmPolicyEngine(bundle.wasm);
      const started = new CatalogueWorkers(bundle.wasm, { size: workers });
      pool.push(started);
      return started;
    },
    rules: bundle.rules,
    files: workingTreeFiles(io.cwd),
    inventory: () => checked.inventory(),
    previousNamespaces: async () => [],
    opa: {
      compiler: new OpaPolicyCompiler(() => defaultOpaTools(io.env)),
      parseData: parsePolicyData,
    },
    commandLine: {
      root: io.cwd,
      env: io.env,
      policy: values.list("policy"),
      data: values.list("data"),
      // --admission, and its older name --gatekeeper: the same folders, read once.
      admission: [...new Set([...values.list("admission"), ...values.list("gatekeeper")])],
      checked,
    },
  }).then((loaded) => {
    checked.evaluating();
    for (const n of loaded.notEvaluated)
      io.stderr.write(
        `portcullis: ${n.file}${n.line ? `:${n.line}` : ""}: not evaluated: ${n.reason}\n`,
      );
    return loaded;
  });
}

/**
 * Evaluates the files (rendered with --render, else streamed as the engines become ready), then
 * applies fixes with --fix/--fix-dry-run; the engines' problems lead the report's errors.
 */
async function evaluateCheck(
  selection: Selection & { readonly readAhead: ReadAhead },
  config: Config,
  ready: ReturnType<typeof startEngines>,
  bundle: PolicyBundle,
  format: string,
  values: CheckValues,
  io: CliIo,
): Promise<{ files: readonly SourceFile[]; report: EvaluationReport }> {
  const policyErrors: EvaluationError[] = [];
  // What an engine read but could not evaluate (schema validation that did not run, Kyverno rules
  // needing the cluster...) is in the report too, not only on stderr: a CI reading JSON or SARIF
  // must not see a clean report where something was not checked.
  const policySkipped: SkippedFile[] = [];
  const deps = ready.then((loaded): EvaluationDeps => {
    policyErrors.push(...loaded.problems);
    policySkipped.push(...loaded.notEvaluated);
    return { engines: loaded.engines, rules: bundle.rules, today: today(io.env) };
  });
  let files: readonly SourceFile[] = selection.files;
  const withPolicyErrors = (r: EvaluationReport): EvaluationReport => ({
    ...r,
    errors: [...policyErrors, ...r.errors],
    skipped: [...r.skipped, ...policySkipped],
  });
  let report = withPolicyErrors(
    values.flag("render")
      ? await (
          await import("./check-render.js")
        ).evaluateRendered(files, selection.layout, config, await deps, io)
      : await evaluateFilesWhenReady(
          files,
          selection.layout,
          config,
          deps,
          // Streaming: a file's text is let go once it is reported, unless --fix needs it again
          // (text output keeps the files with findings, whose lines it shows).
          values.flag("fix") || values.flag("fix-dry-run")
            ? undefined
            : format === "text"
              ? "without-findings"
              : "all",
          selection.readAhead,
        ),
  );
  const evaluationDeps = await deps;
  if (values.flag("fix") || values.flag("fix-dry-run")) {
    // A fix can make another one safe (no privilege escalation once not privileged): a few rounds.
    const scope: FixScope = values.flag("fix-all") ? "all" : "safe";
    const dryRun = values.flag("fix-dry-run");
    const original = files;
    const { fixRounds, publishFixes } = await import("./check-fixes.js");
    ({ files, report } = await fixRounds(report, files, scope, async (next) => {
      for (const engine of evaluationDeps.engines) engine.newPass?.();
      return withPolicyErrors(await evaluateFiles(next, selection.layout, config, evaluationDeps));
    }));
    publishFixes(original, files, report, io, { dryRun, scope });
  }
  return { files, report };
}

/** Writes the report in its format, to --output or standard output. */
function writeReport(
  report: EvaluationReport,
  how: {
    format: string;
    failOn: FailLevel;
    bundle: PolicyBundle;
    files: readonly SourceFile[];
    values: CheckValues;
    outputAbs: string | undefined;
  },
  io: CliIo,
): void {
  const { format, failOn, bundle, values } = how;
  const sink = outputSink(io, how.outputAbs);
  switch (format) {
    case "json":
      writeJsonReport(report, failOn, sink);
      break;
    case "sarif":
      writeSarif(report, { version: io.version, rules: bundle.rules }, sink);
      break;
    case "github":
      sink.write(renderGithub(report, new Map([...bundle.rules].map(([id, r]) => [id, r.title]))));
      sink.end();
      break;
    default:
      sink.write(
        renderText(report, {
          failOn,
          color:
            !values.flag("no-color") &&
            !values.text("output") &&
            io.stdout.isTTY === true &&
            !io.env.NO_COLOR,
          verbose: values.flag("verbose"),
          sourceLine: sourceLines(how.files),
        }),
      );
      sink.end();
  }
}

/** A file's source line (the text format shows them for files with findings): split on demand. */
function sourceLines(files: readonly SourceFile[]) {
  const sources = new Map(files.map((f) => [f.path, f]));
  const lines = new Map<string, string[]>();
  return (file: string, line: number): string | undefined => {
    const source = sources.get(file);
    if (source === undefined) return undefined;
    if (!lines.has(file))
      lines.set(file, Buffer.from(source.content).toString("utf8").split(/\r?\n/));
    return lines.get(file)![line - 1];
  };
}
