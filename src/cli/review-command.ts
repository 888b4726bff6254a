// `portcullis review [repo] --base <ref>`: the GitHub App's review of a pull request, run on a local repository.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { LocalGitSource } from "../adapters/git/local-git-source.js";
import { loadPolicyBundle } from "../adapters/fs/policy-bundle.js";
import { WasmPolicyEngine } from "../engines/opa/wasm-policy-engine.js";
import { POLICY_CHECK_NAME } from "../render/check-run.js";
import { CODE_OWNERS_CHECK, SIGNED_COMMITS_CHECK } from "../owners/git-checks.js";
import {
  localOwnership,
  localSignatures,
  type LocalCommitSignature,
  type LocalOwnership,
} from "../adapters/git/local-git-checks.js";
import { reviewChanges } from "../review/review-changes.js";
import { localRenderer } from "./check-render.js";
import { OpaPolicyCompiler, parsePolicyData } from "../engines/opa/user-policies.js";
import { defaultOpaTools } from "../engines/opa/opa-build.js";
import { localPolicyPullRequest } from "../review/policy-context.js";
import { findCodeowners } from "../owners/codeowners.js";
import { buildReviewOutput, FIX_COMMITS_OFF, type ReviewOutput } from "../review/review-output.js";
import { today, type CliIo } from "./check-command.js";
import { parseCommandArgs, usageError as commandUsageError } from "./command-args.js";
import { messageOf } from "../core/errors.js";

export const REVIEW_USAGE = `usage: portcullis review [repo] --base <ref> [--head <ref>] [--format text|markdown|json] [--fix-commits]

Reviews the commits of <head> (default HEAD) that are not on <base>, as a pull request from
<head> into <base>: configuration from the merge base, manifests from <head>, findings new or
pre-existing. Prints the check run and the inline comments the GitHub App would post, then who
must approve each file (local CODEOWNERS at the base) and each commit's signature as git sees it
(--fix-commits: as an app with fix commits enabled, which offers the "Apply fixes" button).

options:
  -b, --base <ref>                 the pull request's base branch or commit (required)
      --head <ref>                 the pull request's head (default: HEAD)
  -f, --format <text|markdown|json>  output format (default: text)
      --fix-commits                as an app with fix commits enabled
  -h, --help                       show this help

exit status: 0 the check would pass, 1 it would fail, 2 usage or evaluation error`;

const FORMATS = ["text", "markdown", "json"] as const;
type Format = (typeof FORMATS)[number];

const REVIEW = { name: "review", usage: REVIEW_USAGE };
const usageError = (io: CliIo, message: string) => commandUsageError(io, REVIEW, message);

/** The Git-layer checks as far as a local repository can tell (no reviews, local keyring). */
export interface LocalGitChecks {
  readonly codeOwners?: LocalOwnership;
  readonly signedCommits?: readonly LocalCommitSignature[];
}

function renderLocalGitChecks(local: LocalGitChecks, md: boolean): string[] {
  const out: string[] = [];
  if (local.codeOwners) {
    const o = local.codeOwners;
    out.push(md ? `## ${CODE_OWNERS_CHECK} (local)` : `${CODE_OWNERS_CHECK} (local):`);
    out.push(
      o.file
        ? `Owners from ${o.file} at the base; approvals are not known locally, so this lists who must approve.`
        : "The base has no CODEOWNERS file.",
    );
    for (const f of o.files)
      out.push(
        `${md ? "- " : "  "}${f.path}: ${f.owners.length > 0 ? f.owners.join(" ") : "no owner"}`,
      );
    for (const e of o.errors)
      out.push(`${md ? "- " : "  "}CODEOWNERS line ${e.line}: ${e.message}`);
    out.push("");
  }
  if (local.signedCommits) {
    out.push(md ? `## ${SIGNED_COMMITS_CHECK} (local)` : `${SIGNED_COMMITS_CHECK} (local):`);
    out.push("As the local git and keyring see them; GitHub's verification may differ.");
    for (const c of local.signedCommits)
      out.push(`${md ? "- " : "  "}${c.sha.slice(0, 12)} ${c.author}: ${c.status} (${c.detail})`);
    out.push("");
  }
  return out;
}

export function renderReviewOutput(
  output: ReviewOutput,
  format: Format,
  local: LocalGitChecks = {},
): string {
  const { check, comments } = output;
  if (format === "json") {
    return `${JSON.stringify({ check: { name: POLICY_CHECK_NAME, ...check }, review: comments, ...(output.policyChange ? { policyChange: output.policyChange } : {}), ...local }, null, 2)}\n`;
  }
  const md = format === "markdown";
  const out: string[] = [];
  out.push(
    md
      ? `## ${POLICY_CHECK_NAME}: ${check.conclusion}`
      : `${POLICY_CHECK_NAME}: ${check.conclusion}`,
  );
  out.push(md ? `**${check.title}**` : check.title, "", check.summary, "");
  out.push(
    md
      ? `### Annotations (${check.annotations.length})`
      : `Annotations (${check.annotations.length}):`,
  );
  for (const a of check.annotations) {
    const where = `${a.path}:${a.start_line}${a.end_line !== a.start_line ? `-${a.end_line}` : ""}`;
    out.push(
      md
        ? `- \`${where}\` **${a.annotation_level}** ${a.title}: ${a.message.split("\n")[0]}`
        : `  ${where} ${a.annotation_level} ${a.title}: ${a.message.split("\n")[0]}`,
    );
  }
  out.push("");
  const counts = `${comments.comments.length} inline comments, ${comments.omitted} over the cap, ${comments.outsideDiff} outside the diff`;
  out.push(md ? `### Review (${counts})` : `Review (${counts}):`);
  for (const c of comments.comments) {
    const where = `${c.path}:${c.start_line !== undefined ? `${c.start_line}-` : ""}${c.line}`;
    out.push(md ? `#### \`${where}\`` : `--- ${where}`, c.body, "");
  }
  out.push(...renderLocalGitChecks(local, md));
  return `${out.join("\n")}\n`;
}

/** Why `repo` cannot be reviewed (not a folder, not in a git repository), or undefined. */
function repositoryProblem(repo: string, given: string): string | undefined {
  try {
    if (!statSync(repo).isDirectory()) return `${given} is not a folder`;
  } catch {
    return `no such folder: ${given}`;
  }
  try {
    execFileSync("git", ["-C", repo, "rev-parse", "--git-dir"], { stdio: "ignore" });
    return undefined;
  } catch {
    return `${given} is not in a git repository: review compares two commits (portcullis check reads plain folders)`;
  }
}

export async function runReview(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    io,
    REVIEW,
    {
      base: { type: "string", short: "b" },
      head: { type: "string" },
      "fix-commits": { type: "boolean" },
    },
    FORMATS,
  );
  if (typeof parsed === "number") return parsed;
  const { values, positionals, format } = parsed;
  const base = values.text("base");
  if (!base) return usageError(io, "--base <ref> is required");
  if (positionals.length > 1) return usageError(io, "give at most one repository");
  const repo = resolve(io.cwd, positionals[0] ?? ".");
  // Before anything runs: a chart fetch setting it cannot take ends the run (SettingError).
  const renderer = localRenderer(io.env);

  const notRepository = repositoryProblem(repo, positionals[0] ?? ".");
  if (notRepository) return usageError(io, notRepository);
  let source: LocalGitSource;
  try {
    source = new LocalGitSource(repo, base, values.text("head") ?? "HEAD");
  } catch (err) {
    return usageError(io, messageOf(err));
  }
  const bundle = io.bundle ?? loadPolicyBundle();
  const engine = new WasmPolicyEngine(bundle.wasm);
  // Repository policies see the change as a pull request nobody has approved yet.
  const pullRequest = async () => {
    const codeowners = await findCodeowners((path) => source.readFile(source.base, path));
    const commits = localSignatures(repo, source.base, source.head);
    return localPolicyPullRequest({
      author: commits[0]?.author ?? "",
      baseSha: source.base,
      headSha: source.head,
      changedPaths: (await source.changedFiles()).files.map((f) => f.path),
      codeownersText: codeowners?.text,
      commits,
    });
  };
  const review = await reviewChanges(source, {
    engine,
    rules: bundle.rules,
    configContext: {
      settingDefaults: bundle.settingDefaults,
      ruleIds: new Set(bundle.rules.keys()),
    },
    today: today(io.env),
    env: io.env,
    renderer,
    repositoryPolicies: {
      compiler: new OpaPolicyCompiler(() => defaultOpaTools(io.env)),
      parseData: parsePolicyData,
      pullRequest,
    },
  });
  const output = buildReviewOutput(
    review,
    bundle.rules,
    source.head,
    values.flag("fix-commits") ? { enabled: true } : FIX_COMMITS_OFF,
  );
  const changed = review.changedFiles.map((f) => f.path);
  const local: LocalGitChecks = {
    codeOwners: review.config.codeOwners.enabled
      ? await localOwnership(source, changed)
      : undefined,
    signedCommits: review.config.signedCommits.enabled
      ? localSignatures(repo, source.base, source.head)
      : undefined,
  };
  io.stdout.write(renderReviewOutput(output, format, local));
  if (review.report.errors.length > 0) return 2;
  return output.check.conclusion === "failure" ? 1 : 0;
}
