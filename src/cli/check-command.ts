// `portcullis check [paths...]`: evaluate local files with the built-in policies and print findings.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { readDirectorySources } from "../adapters/fs/directory-source.js";
import { loadPolicyBundle, type PolicyBundle } from "../adapters/fs/policy-bundle.js";
import { WasmPolicyEngine } from "../adapters/opa/wasm-policy-engine.js";
import { CONFIG_PATH, FAIL_LEVELS, parseConfig, type FailLevel } from "../config/config.js";
import { evaluateFiles } from "../review/evaluate-files.js";
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
type Format = (typeof FORMATS)[number];

export const CHECK_USAGE = `usage: portcullis check [paths...] [options]

Evaluates YAML/JSON manifests under the given paths (default: .) with the built-in policies.

options:
  -f, --format <text|json|sarif|github>   output format (default: text)
  -o, --output <file>                     write the report to a file instead of stdout
  -c, --config <file>                     configuration file (default: ${CONFIG_PATH} if present)
      --fail-on <error|warning|notice|never>
                                          lowest severity that fails the run (default: from config, else error)
  -v, --verbose                           list skipped files in text output
      --no-color                          never colour text output
  -h, --help                              show this help

exit status: 0 nothing at or above the fail level, 1 failing findings,
             2 usage, configuration or evaluation error`;

function usageError(io: CliIo, message: string): number {
  io.stderr.write(`portcullis check: ${message}\n${CHECK_USAGE}\n`);
  return 2;
}

export function today(env: CliIo["env"]): string {
  const fixed = env.PORTCULLIS_TODAY;
  return fixed && /^\d{4}-\d{2}-\d{2}$/.test(fixed) ? fixed : new Date().toISOString().slice(0, 10);
}

export function runCheck(argv: readonly string[], io: CliIo): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        format: { type: "string", short: "f" },
        output: { type: "string", short: "o" },
        config: { type: "string", short: "c" },
        "fail-on": { type: "string" },
        verbose: { type: "boolean", short: "v" },
        "no-color": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${CHECK_USAGE}\n`);
    return 0;
  }
  const format = (values.format ?? "text") as Format;
  if (!FORMATS.includes(format))
    return usageError(io, `unknown format "${values.format}" (one of ${FORMATS.join(", ")})`);
  const failOnFlag = values["fail-on"];
  if (failOnFlag !== undefined && !(FAIL_LEVELS as readonly string[]).includes(failOnFlag)) {
    return usageError(io, `unknown --fail-on "${failOnFlag}" (one of ${FAIL_LEVELS.join(", ")})`);
  }

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
  const configPath = values.config ? resolve(io.cwd, values.config) : resolve(io.cwd, CONFIG_PATH);
  if (values.config && !existsSync(configPath))
    return usageError(io, `config file ${values.config} does not exist`);
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
  const progress = io.stderr.isTTY && selection.files.length > 200;
  if (progress) io.stderr.write(`portcullis: evaluating ${selection.files.length} files...\n`);

  let engine: WasmPolicyEngine;
  try {
    engine = new WasmPolicyEngine(bundle.wasm);
  } catch (err) {
    io.stderr.write(
      `portcullis: cannot load the policy bundle: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 2;
  }
  engine.setSettings(config.settings as Record<string, unknown>);
  const report = evaluateFiles(selection.files, selection.layout, config, {
    engine,
    rules: bundle.rules,
    today: today(io.env),
  });

  const texts = new Map(
    selection.files.map((f) => [f.path, Buffer.from(f.content).toString("utf8").split(/\r?\n/)]),
  );
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
          !values["no-color"] && !values.output && io.stdout.isTTY === true && !io.env.NO_COLOR,
        verbose: values.verbose,
        sourceLine: (file, line) => texts.get(file)?.[line - 1],
      });
  }
  if (values.output) writeFileSync(resolve(io.cwd, values.output), output);
  else io.stdout.write(output);
  return exitCodeOf(report, failOn);
}
