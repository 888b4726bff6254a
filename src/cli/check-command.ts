// `portcullis check [paths...]`: evaluate local files with the built-in policies and print findings.
import { readDirectorySources } from "../adapters/fs/directory-source.js";
import { loadPolicyBundle, type PolicyBundle } from "../adapters/fs/policy-bundle.js";
import { WasmPolicyEngine } from "../engines/opa/wasm-policy-engine.js";
import {
  CatalogueWorkerError,
  CatalogueWorkers,
  catalogueWorkersFor,
} from "../engines/catalogue/catalogue-workers.js";
import { CONFIG_PATH, type Config, type FailLevel } from "../config/config.js";
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
import { exitCodeOf } from "../render/summary.js";
import { readStdin } from "./check-io.js";
import {
  checkOptions,
  parseCheckArgs,
  readCheckConfig,
  usageError,
  withPolicyFlags,
  type CheckValues,
} from "./check-options.js";
import { warnNotRendered, writeReport } from "./check-output.js";

export { CHECK_USAGE, expandFixArgs, FORMATS } from "./check-options.js";

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

export function today(env: CliIo["env"]): string {
  const fixed = env.PORTCULLIS_TODAY;
  return fixed && /^\d{4}-\d{2}-\d{2}$/.test(fixed) ? fixed : new Date().toISOString().slice(0, 10);
}

export async function runCheck(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCheckArgs(argv, io);
  if (typeof parsed === "number") return parsed;
  const { values, positionals, format } = parsed;
  const options = checkOptions(values, positionals, io);
  if (typeof options === "number") return options;
  // --render may fetch charts: a fetch setting it cannot take ends the run here (SettingError).
  if (values.flag("render"))
    (await import("../gitops/adapters/chart-fetch.js")).chartFetchOptions(io.env);

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

/** The options, and how many worker threads evaluate the catalogue (0: the main thread). */
type CheckOptions = Exclude<ReturnType<typeof checkOptions>, number> & {
  readonly workers: number;
  /** The catalogue's workers started, to stop once the files are evaluated. */
  readonly pool: CatalogueWorkers[];
  /** The checked files read once (the inventory; the evaluation takes those read ahead). */
  readonly checked: CheckedFiles;
};

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
