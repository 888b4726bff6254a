// `portcullis action`: the GitHub Action's entry point (action.yml). Runs `check` on the workspace
// (workflow-command annotations, a SARIF file for code scanning, the job summary, step outputs)
// and, on pull_request events, the review the GitHub App posts (check runs, one review with
// inline comments and suggestions) with the workflow's token.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { ProbotOctokit } from "probot";
import { loadPolicyBundle } from "../adapters/fs/policy-bundle.js";
import type { Octokit } from "../adapters/github/github-source.js";
import { OpaPolicyCompiler } from "../engines/opa/user-policies.js";
import { defaultOpaTools } from "../engines/opa/opa-build.js";
import { HelmRenderer, withHelm } from "../gitops/adapters/helm.js";
import {
  ChartFetcher,
  chartFetchOptions,
  type ChartFetchOptions,
} from "../gitops/adapters/chart-fetch.js";
import { KustomizeRenderer } from "../gitops/adapters/kustomize.js";
import { refOf, reviewPullRequest } from "../jobs/review-jobs.js";
import { renderPolicyCheck } from "../render/check-run.js";
import { renderSarif } from "../render/sarif.js";
import { runCheck, today, type CheckOutcome, type CliIo } from "./check-command.js";
import { CliError, parseCommandArgs } from "./command-args.js";

export const ACTION_USAGE = `usage: portcullis action

The GitHub Action's entry point (action.yml); it reads the Action's inputs from INPUT_* and the
run from GITHUB_* variables. Runs check on the workspace and, on pull_request events with the
review input on, the review the GitHub App posts, with the token input (the workflow's GITHUB_TOKEN).

inputs (environment): INPUT_PATHS, INPUT_CONFIG, INPUT_FAIL_ON, INPUT_SARIF_FILE, INPUT_REVIEW,
INPUT_GITHUB_TOKEN; docs/action.md describes them.`;

const ACTION = { name: "action", usage: ACTION_USAGE };
const PULL_REQUEST_EVENTS = new Set(["pull_request", "pull_request_target"]);

/**
 * An input: `INPUT_` and the upper-cased name, as GitHub passes inputs to actions, with `-` as
 * given or as `_` (action.yml passes them through a shell, where `-` cannot be in a name).
 */
function input(env: CliIo["env"], name: string, fallback = ""): string {
  const key = `INPUT_${name.toUpperCase()}`;
  return (env[key] ?? env[key.replace(/-/g, "_")] ?? "").trim() || fallback;
}

function required(env: CliIo["env"], name: string): string {
  const v = env[name];
  if (!v) throw new CliError(`${name} is not set: portcullis action runs inside GitHub Actions`);
  return v;
}

/** A log for the review in the job's log: errors as workflow error commands. */
function actionLog(io: CliIo) {
  const line = (level: string) => (a: unknown, b?: string) => {
    const message = typeof a === "string" ? a : (b ?? "");
    const err = (a as { err?: unknown })?.err;
    const detail = err instanceof Error ? `: ${err.message}` : "";
    io.stderr.write(`${level === "error" ? "::error::" : ""}portcullis: ${message}${detail}\n`);
  };
  const log = {
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
    debug: () => undefined,
    trace: () => undefined,
    fatal: line("error"),
    child: () => log,
  };
  return log;
}

/** The check on the workspace; its report goes to the SARIF file, the job summary and the outputs. */
async function checkWorkspace(io: CliIo, workspace: string): Promise<number> {
  const env = io.env;
  const sarifFile = input(env, "sarif-file", "portcullis.sarif");
  let outcome: CheckOutcome | undefined;
  const args = [
    ...input(env, "paths", ".").split(/\s+/).filter(Boolean),
    "--format",
    "github",
    ...(input(env, "config") ? ["--config", input(env, "config")] : []),
    ...(input(env, "fail-on") ? ["--fail-on", input(env, "fail-on")] : []),
  ];
  const code = await runCheck(args, {
    ...io,
    cwd: workspace,
    onReport: (o) => (outcome = o),
  });
  if (!outcome) return code;
  const { report, failOn, bundle } = outcome;
  const sarifPath = isAbsolute(sarifFile) ? sarifFile : resolve(workspace, sarifFile);
  writeFileSync(sarifPath, renderSarif(report, { version: io.version, rules: bundle.rules }));
  const check = renderPolicyCheck({
    findings: report.findings,
    skipped: report.skipped,
    errors: report.errors,
    failOn,
    failOnExisting: false,
    rules: bundle.rules,
    configErrors: [],
    headSha: env.GITHUB_SHA ?? "",
    documentsEvaluated: report.documentsEvaluated,
  });
  if (env.GITHUB_STEP_SUMMARY)
    appendFileSync(
      env.GITHUB_STEP_SUMMARY,
      `## Portcullis check: ${check.conclusion}\n\n**${check.title}**\n\n${check.summary}\n`,
    );
  if (env.GITHUB_OUTPUT) {
    const failing = report.findings.filter((f) => f.status.kind === "open").length;
    appendFileSync(
      env.GITHUB_OUTPUT,
      `sarif-file=${sarifPath}\nfindings=${report.findings.length}\nopen=${failing}\nconclusion=${check.conclusion}\n`,
    );
  }
  return code;
}

/** On a pull request: the app's review, published with the workflow's token. */
async function reviewPullRequestEvent(io: CliIo, charts: ChartFetchOptions): Promise<void> {
  const env = io.env;
  const event = JSON.parse(readFileSync(required(env, "GITHUB_EVENT_PATH"), "utf8")) as {
    pull_request?: Parameters<typeof refOf>[2];
    repository?: { name: string; owner: { login: string } };
  };
  if (!event.pull_request || !event.repository)
    throw new CliError("the event has no pull_request: the review runs on pull_request events");
  const token = input(env, "github-token") || env.GITHUB_TOKEN;
  if (!token)
    throw new CliError("no token: give the Action `github-token` (the default is the workflow's)");
  const ref = refOf(event.repository.owner.login, event.repository.name, event.pull_request);
  const octokit = new ProbotOctokit({
    auth: token,
    baseUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    throttle: { enabled: false },
  }) as Octokit;
  const bundle = io.bundle ?? loadPolicyBundle();
  await reviewPullRequest(
    octokit,
    actionLog(io) as unknown as Parameters<typeof reviewPullRequest>[1],
    ref,
    {
      bundle,
      fixCommits: false,
      today: () => today(env),
      policyCompiler: new OpaPolicyCompiler(() => defaultOpaTools(env)),
      renderer: withHelm(new KustomizeRenderer(), new HelmRenderer(), new ChartFetcher(charts)),
    },
    { isCurrent: async () => true, rememberCheckRun: async () => undefined, attempt: 1 },
  );
}

export async function runAction(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, io, ACTION, {}, []);
  if (typeof parsed === "number") return parsed;
  const workspace = required(io.env, "GITHUB_WORKSPACE");
  // Before the check: a chart fetch setting the review could not take ends the run (SettingError).
  const charts = chartFetchOptions(io.env);
  const code = await checkWorkspace(io, workspace);
  const review = input(io.env, "review", "true") !== "false";
  if (review && PULL_REQUEST_EVENTS.has(io.env.GITHUB_EVENT_NAME ?? ""))
    await reviewPullRequestEvent(io, charts);
  return code;
}
