// `check`'s command line: the options (usage, parsing, the values checked together) and the
// configuration they select (--config, else .github/portcullis.yml).
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { PolicyBundle } from "../adapters/fs/policy-bundle.js";
import {
  CONFIG_PATH,
  FAIL_LEVELS,
  normaliseKubernetesVersion,
  parseConfig,
  type Config,
} from "../config/config.js";
import {
  conflictingOptions,
  parseCommandArgs,
  usageError as commandUsageError,
} from "./command-args.js";
import { outputProblem } from "./check-io.js";
import type { CliIo } from "./check-command.js";

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

/** A usage error of `check`: one line on stderr, exit 2 (the number). */
export const usageError = (io: CliIo, message: string) => commandUsageError(io, CHECK, message);

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
 * The configuration the engines load with: `--namespace`, `--all-namespaces` and `--rego-version`
 * stand in for the `policies` section's when `--policy` is given (the folders themselves are
 * passed as the command line's).
 */
export function withPolicyFlags(
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

/** The command line read against check's options (a number: the exit code of a usage error or --help). */
export function parseCheckArgs(argv: readonly string[], io: CliIo) {
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

export type CheckValues = Exclude<ReturnType<typeof parseCheckArgs>, number>["values"];

/** The options' values checked together (a number: the exit code of a usage error). */
export function checkOptions(values: CheckValues, positionals: readonly string[], io: CliIo) {
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

/**
 * The configuration (--config, else .github/portcullis.yml when there is one); a broken one is
 * listed error by error and nothing is checked (the number: exit code 2).
 */
export function readCheckConfig(
  values: CheckValues,
  io: CliIo,
  bundle: PolicyBundle,
): Config | number {
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
