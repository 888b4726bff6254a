// The Git-layer checks of a pull request: "Portcullis / code owners" and "Portcullis / signed commits".
import picomatch from "picomatch";
import { approvalsPass, evaluateApprovals, type Review } from "../core/approvals.js";
import { MAX_CODEOWNERS_BYTES, parseCodeowners, type CodeownersError } from "../core/codeowners.js";
import { judgeCommit, type CommitVerification } from "../core/signatures.js";
import type { CodeOwnersConfig, Config, SignedCommitsConfig } from "../config/config.js";
import type { ReviewPublisher } from "../ports/review-publisher.js";
import type { PolicyCheck } from "../render/check-run.js";
import { codeSpan, escapeMarkdown } from "../render/markdown.js";

export const CODE_OWNERS_CHECK = "Portcullis / code owners";
export const SIGNED_COMMITS_CHECK = "Portcullis / signed commits";

/** What the Git-layer checks read about a pull request (all from the base repository). */
export interface PullRequestContext {
  readonly author: string;
  readonly headSha: string;
  readonly changedPaths: readonly string[];
  /** false when the platform listed fewer changed files than the pull request has. */
  readonly changedPathsComplete?: boolean;
  readonly reviews: readonly Review[];
  /** CODEOWNERS from the base commit (the first of .github/, root, docs/), when there is one. */
  readonly codeowners?: { readonly path: string; readonly text: string };
  /** Problems GitHub itself reports for that file (its `codeowners/errors` endpoint), when asked. */
  readonly codeownersErrors?: readonly CodeownersError[];
  readonly teamMembers: ReadonlyMap<string, ReadonlySet<string>>;
  readonly emailLogins: ReadonlyMap<string, string>;
  readonly commits: readonly CommitVerification[];
  /** false when GitHub listed fewer commits than the pull request has (its cap is 250). */
  readonly commitsComplete: boolean;
  readonly commitCount: number;
}

const cell = (text: string) => escapeMarkdown(text);
/** Names in code spans: no mention pings inside them, and `codeSpan` keeps backticks from breaking out. */
const code = (text: string) => codeSpan(text, { table: true });

export function codeOwnersCheck(
  context: PullRequestContext,
  config: CodeOwnersConfig,
): PolicyCheck {
  const parsed = parseCodeowners(context.codeowners?.text ?? "");
  // Ours and GitHub's own findings on the file, one per line (ours first: they say what was skipped).
  const seen = new Set(parsed.errors.map((e) => e.line));
  const codeowners = {
    ...parsed,
    errors: [
      ...parsed.errors,
      ...(context.codeownersErrors ?? []).filter((e) => !seen.has(e.line)),
    ].sort((a, b) => a.line - b.line),
  };
  const mustBeOwned = picomatch(config.mustBeOwned as string[], { dot: true });
  const files = evaluateApprovals(
    context.changedPaths,
    codeowners,
    {
      author: context.author,
      headSha: context.headSha,
      reviews: context.reviews,
      teamMembers: context.teamMembers,
      emailLogins: context.emailLogins,
    },
    {
      requireAllOwners: config.requireAllOwners,
      dismissStaleApprovals: config.dismissStaleApprovals,
      mustBeOwned,
    },
  );
  // A file GitHub does not load (3 MB or more) requires no owner anywhere: that must not pass.
  const notLoaded =
    context.codeowners !== undefined &&
    Buffer.byteLength(context.codeowners.text) >= MAX_CODEOWNERS_BYTES;
  const pass = approvalsPass(files) && !notLoaded;
  const waiting = files.filter((f) => f.verdict.kind === "waiting").length;
  const unownedRequired = files.filter(
    (f) => f.verdict.kind === "unowned" && f.verdict.required,
  ).length;
  const title = notLoaded
    ? `${context.codeowners!.path} is 3 MB or larger: GitHub does not load it`
    : pass
      ? `Code owners approved ${files.filter((f) => f.verdict.kind === "approved").length} of ${files.length} files`
      : [
          waiting > 0 ? `${waiting} file(s) wait for a code owner` : "",
          unownedRequired > 0 ? `${unownedRequired} file(s) must have an owner` : "",
        ]
          .filter(Boolean)
          .join(", ");
  const rows = files.map((f) => {
    const v = f.verdict;
    const status =
      v.kind === "approved"
        ? `approved by ${v.by.map(code).join(", ")}`
        : v.kind === "waiting"
          ? `waiting for ${v.missing.map(code).join(config.requireAllOwners ? " and " : " or ")}`
          : v.required
            ? "**no owner, but this path must have one**"
            : "no owner";
    const owners = v.kind === "unowned" ? "" : v.owners.map(code).join(" ");
    return `| ${cell(f.path)} | ${owners} | ${status} |`;
  });
  const source = context.codeowners
    ? `Owners from \`${context.codeowners.path}\` on the base branch.`
    : "The base branch has no CODEOWNERS file (looked for `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS`).";
  const rule = config.requireAllOwners
    ? "every owner of a file must approve it"
    : "one owner of each file must approve it";
  // GitHub matches email owners to accounts by verified emails; the API finds only public ones.
  const unmapped = [
    ...new Set(
      files.flatMap((f) =>
        f.verdict.kind === "unowned"
          ? []
          : f.verdict.owners.filter(
              (o) => !o.startsWith("@") && !context.emailLogins.has(o.toLowerCase()),
            ),
      ),
    ),
  ];
  const summary = [
    `## ${pass ? "✅" : "❌"} ${escapeMarkdown(title)}`,
    "",
    `${source} Rule: ${rule}; the author's own approval does not count${config.dismissStaleApprovals ? "; approvals of older commits do not count" : ""}.`,
    "",
    "| File | Owners | Status |",
    "| --- | --- | ---: |",
    ...rows,
    ...(unmapped.length > 0
      ? [
          "",
          `Email owners matched to no GitHub account (only public profile emails can be looked up): ${unmapped.map(code).join(", ")}. Their approval cannot be seen; name them as \`@login\` in CODEOWNERS.`,
        ]
      : []),
    ...errorLines(codeowners.errors),
  ].join("\n");
  const annotations = context.codeowners
    ? codeowners.errors.map((e) => ({
        path: context.codeowners!.path,
        start_line: e.line,
        end_line: e.line,
        annotation_level: "warning" as const,
        title: "CODEOWNERS problem",
        message: e.message,
      }))
    : [];
  return { conclusion: pass ? "success" : "failure", title, summary, annotations };
}

function errorLines(errors: readonly CodeownersError[]): string[] {
  if (errors.length === 0) return [];
  return [
    "",
    "### CODEOWNERS problems (lines with `!`, `[ ]` or `\\#` are skipped, as GitHub does)",
    "",
    ...errors.map((e) => `- line ${e.line}: ${escapeMarkdown(e.message)}`),
  ];
}

export function signedCommitsCheck(
  context: PullRequestContext,
  config: SignedCommitsConfig,
): PolicyCheck {
  const options = {
    exemptBots: config.exemptBots,
    exemptMergeCommits: config.exemptMergeCommits,
    acceptedTypes: config.acceptedTypes,
    allowedSigners:
      config.allowedSigners.length > 0
        ? new Set(config.allowedSigners.map((s) => s.toLowerCase()))
        : undefined,
  };
  const verdicts = context.commits.map((c) => ({ commit: c, verdict: judgeCommit(c, options) }));
  const failed = verdicts.filter((v) => v.verdict.kind === "fail");
  const retry = verdicts.filter((v) => v.verdict.kind === "retry");
  const lines = verdicts
    .filter((v) => v.verdict.kind !== "pass")
    .map(
      (v) =>
        `| \`${v.commit.sha.slice(0, 12)}\` | ${cell(v.commit.author ?? "unknown")} | ${v.verdict.kind} | ${"why" in v.verdict ? cell(v.verdict.why) : ""} |`,
    );
  if (!context.commitsComplete) {
    const title = `Incomplete: ${context.commitCount} commits, GitHub lists at most 250`;
    return {
      conclusion: "failure",
      title,
      summary: `## ❌ ${title}\n\nCommits beyond the first 250 could not be read, so their signatures were not checked. Split the pull request or squash it.`,
      annotations: [],
    };
  }
  const conclusion = failed.length > 0 ? "failure" : retry.length > 0 ? "neutral" : "success";
  const title =
    failed.length > 0
      ? `${failed.length} of ${verdicts.length} commits not verified`
      : retry.length > 0
        ? `${retry.length} commit(s) could not be checked right now`
        : `All ${verdicts.length} commits verified`;
  const summary = [
    `## ${conclusion === "success" ? "✅" : conclusion === "neutral" ? "⏳" : "❌"} ${title}`,
    "",
    `Accepted signatures: ${config.acceptedTypes.join(", ")}${config.allowedSigners.length > 0 ? `; signers: ${config.allowedSigners.map(code).join(", ")}` : ""}${config.exemptBots ? "; bots exempt" : ""}${config.exemptMergeCommits ? "; merge commits exempt" : ""}.`,
    ...(lines.length > 0
      ? ["", "| Commit | Author | Verdict | Why |", "| --- | --- | --- | --- |", ...lines]
      : []),
  ].join("\n");
  return { conclusion, title, summary, annotations: [] };
}

export type GitCheck = "codeOwners" | "signedCommits";

/**
 * Loads what the enabled Git-layer checks need (reads only) and posts each check already
 * completed: with its verdict, or as a failure with the reason when anything broke. Never missing.
 */
export async function publishGitChecks(
  publisher: ReviewPublisher,
  headSha: string,
  config: Pick<Config, "codeOwners" | "signedCommits">,
  load: (needs: Record<GitCheck, boolean>) => Promise<PullRequestContext>,
  only?: GitCheck,
): Promise<void> {
  const needs = {
    codeOwners: config.codeOwners.enabled && (only === undefined || only === "codeOwners"),
    signedCommits: config.signedCommits.enabled && (only === undefined || only === "signedCommits"),
  };
  const wanted = (["codeOwners", "signedCommits"] as const).filter((c) => needs[c]);
  if (wanted.length === 0) return;
  let context: PullRequestContext | undefined;
  let failure: string | undefined;
  try {
    context = await load(needs);
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  for (const which of wanted) {
    const output: PolicyCheck = context
      ? which === "codeOwners"
        ? codeOwnersCheck(context, config.codeOwners)
        : signedCommitsCheck(context, config.signedCommits)
      : {
          conclusion: "failure",
          title: "Portcullis could not complete this check",
          summary: `The check stopped with an error, so nothing was verified:\n\n> ${escapeMarkdown(failure ?? "unknown error")}\n\nRe-run the check to try again.`,
          annotations: [],
        };
    await publisher.postCompletedCheck(
      which === "codeOwners" ? CODE_OWNERS_CHECK : SIGNED_COMMITS_CHECK,
      headSha,
      output,
    );
  }
}
