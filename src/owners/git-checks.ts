// The Git-layer checks of a pull request: "Portcullis / code owners" and "Portcullis / signed commits".
import picomatch from "picomatch";
import { approvalsPass, evaluateApprovals } from "./approvals.js";
import { MAX_CODEOWNERS_BYTES, parseCodeowners, type CodeownersError } from "./codeowners.js";
import { judgeCommit } from "./signatures.js";
import type { CodeOwnersConfig, Config, SignedCommitsConfig } from "../config/config.js";
import type { PullRequestContext } from "../ports/pull-request-context.js";
import type { ReviewPublisher } from "../ports/review-publisher.js";

export type { PullRequestContext } from "../ports/pull-request-context.js";
import type { PolicyCheck } from "../render/check-run.js";
import { codeSpan, escapeMarkdown } from "../render/markdown.js";
import { GITHUB_LIMITS, fitSections, type Section } from "../render/github-limits.js";
import { messageOf } from "../core/errors.js";

export const CODE_OWNERS_CHECK = "Portcullis / code owners";
export const SIGNED_COMMITS_CHECK = "Portcullis / signed commits";

const cell = (text: string) => escapeMarkdown(text);
/** Names in code spans: no mention pings inside them, and `codeSpan` keeps backticks from breaking out. */
const code = (text: string) => codeSpan(text, { table: true });

export function codeOwnersCheck(
  context: PullRequestContext,
  config: CodeOwnersConfig,
): PolicyCheck {
  const { codeowners, files } = judgeFiles(context, config);
  // A file GitHub does not load (3 MB or more) requires no owner anywhere: that must not pass.
  const notLoaded =
    context.codeowners !== undefined &&
    Buffer.byteLength(context.codeowners.text) >= MAX_CODEOWNERS_BYTES;
  // A cut file list (GitHub lists 3,000 files at most) could hide a file that waits for its owner.
  const cut = context.changedPathsComplete === false;
  const pass = approvalsPass(files) && !notLoaded && !cut;
  const waiting = files.filter((f) => f.verdict.kind === "waiting").length;
  const unownedRequired = files.filter(
    (f) => f.verdict.kind === "unowned" && f.verdict.required,
  ).length;
  const title = notLoaded
    ? `${context.codeowners!.path} is 3 MB or larger: GitHub does not load it`
    : cut
      ? `Incomplete: GitHub listed only ${files.length} changed files, the owners of the rest are unknown`
      : pass
        ? `Code owners approved ${files.filter((f) => f.verdict.kind === "approved").length} of ${files.length} files`
        : [
            waiting > 0 ? `${waiting} file(s) wait for a code owner` : "",
            unownedRequired > 0 ? `${unownedRequired} file(s) must have an owner` : "",
          ]
            .filter(Boolean)
            .join(", ");
  const source = context.codeowners
    ? `Owners from \`${context.codeowners.path}\` on the base branch.`
    : "The base branch has no CODEOWNERS file (looked for `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS`).";
  const rule = config.requireAllOwners
    ? "every owner of a file must approve it"
    : "one owner of each file must approve it";
  const head = [
    `## ${pass ? "✅" : "❌"} ${escapeMarkdown(title)}`,
    "",
    `${source} Rule: ${rule}; the author's own approval does not count${config.dismissStaleApprovals ? "; approvals of older commits do not count" : ""}.`,
    ...(cut
      ? [
          "",
          `GitHub lists at most ${GITHUB_LIMITS.listedFiles.toLocaleString("en-US")} files of a pull request, so the files beyond them were never judged and this check cannot pass. Split the pull request.`,
        ]
      : []),
  ];
  const sections: Section[] = [filesSection(files, config)];
  const unmapped = unmappedEmailOwners(files, context);
  if (unmapped.length > 0)
    sections.push({
      head: [
        "Email owners matched to no GitHub account (only public profile emails can be looked up); their approval cannot be seen, name them as `@login` in CODEOWNERS:",
        "",
      ],
      items: unmapped.map((o) => `- ${code(o)}`),
      noun: "email owner",
    });
  const errors = errorSection(codeowners.errors);
  if (errors) sections.push(errors);
  const summary = fitSections(head, sections, GITHUB_LIMITS.checkOutputText);
  // One request's worth: the summary counts every problem.
  const annotations = context.codeowners
    ? codeowners.errors.slice(0, GITHUB_LIMITS.annotationsPerRequest).map((e) => ({
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

/** The base's CODEOWNERS (with GitHub's own errors on it) and each changed file's verdict. */
function judgeFiles(context: PullRequestContext, config: CodeOwnersConfig) {
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
  return { codeowners, files };
}

type JudgedFile = ReturnType<typeof judgeFiles>["files"][number];

/** Files that hold the merge back first (0), then unowned ones (1), then approved ones (2). */
function rank(v: JudgedFile["verdict"]): number {
  return v.kind === "waiting" || (v.kind === "unowned" && v.required)
    ? 0
    : v.kind === "unowned"
      ? 1
      : 2;
}

/** The table of files, their owners and status: files that hold the merge back first, so a cut
 * table still shows what to act on. */
function filesSection(files: readonly JudgedFile[], config: CodeOwnersConfig): Section {
  const ordered = files
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f.verdict) - rank(b.f.verdict) || a.i - b.i)
    .map((x) => x.f);
  const rows = ordered.map((f) => {
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
  const hidden = (from: number) => {
    const rest = ordered.slice(from);
    const count = (r: number) => rest.filter((f) => rank(f.verdict) === r).length;
    return [
      count(0) > 0 ? `${count(0)} waiting for an owner or unowned but required` : "",
      count(1) > 0 ? `${count(1)} without an owner` : "",
      count(2) > 0 ? `${count(2)} approved` : "",
    ]
      .filter(Boolean)
      .join(", ");
  };
  return {
    head: ["| File | Owners | Status |", "| --- | --- | ---: |"],
    items: rows,
    noun: "file",
    seeAll: "the pull request's Files changed tab shows each file's owners",
    hidden,
  };
}

/** GitHub matches email owners to accounts by verified emails; the API finds only public ones. */
function unmappedEmailOwners(files: readonly JudgedFile[], context: PullRequestContext): string[] {
  return [
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
}

function errorSection(errors: readonly CodeownersError[]): Section | undefined {
  if (errors.length === 0) return undefined;
  return {
    head: [
      "### CODEOWNERS problems (lines with `!`, `[ ]` or `\\#` are skipped, as GitHub does)",
      "",
    ],
    items: errors.map((e) => `- line ${e.line}: ${escapeMarkdown(e.message)}`),
    noun: "problem",
    seeAll: "GitHub shows every error when the CODEOWNERS file is opened on the base branch",
  };
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
    const max = GITHUB_LIMITS.listedCommits;
    const title = `Incomplete: ${context.commitCount} commits, GitHub lists at most ${max}`;
    return {
      conclusion: "failure",
      title,
      summary: `## ❌ ${title}\n\nCommits beyond the first ${max} could not be read, so their signatures were not checked. Split the pull request or squash it.`,
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
  const head = [
    `## ${conclusion === "success" ? "✅" : conclusion === "neutral" ? "⏳" : "❌"} ${title}`,
    "",
    `Accepted signatures: ${config.acceptedTypes.join(", ")}${config.allowedSigners.length > 0 ? `; signers: ${config.allowedSigners.map(code).join(", ")}` : ""}${config.exemptBots ? "; bots exempt" : ""}${config.exemptMergeCommits ? "; merge commits exempt" : ""}.`,
  ];
  const table: Section = {
    head: ["| Commit | Author | Verdict | Why |", "| --- | --- | --- | --- |"],
    items: lines,
    noun: "commit",
    seeAll: "the pull request's Commits tab shows each commit's verification",
  };
  const summary = fitSections(head, lines.length > 0 ? [table] : [], GITHUB_LIMITS.checkOutputText);
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
    failure = messageOf(err);
  }
  // Each check is posted on its own: one that GitHub refuses or fails to take never keeps the
  // other from being posted. What could not be posted at all fails the job (it is retried).
  const unposted: string[] = [];
  for (const which of wanted) {
    const name = which === "codeOwners" ? CODE_OWNERS_CHECK : SIGNED_COMMITS_CHECK;
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
    try {
      await postWithFallback(publisher, name, headSha, output);
    } catch (err) {
      unposted.push(`${name}: ${messageOf(err)}`);
    }
  }
  if (unposted.length > 0) throw new Error(`could not post ${unposted.join("; ")}`);
}

/**
 * Posts a completed check; when GitHub refuses its output (422), posts the same verdict again
 * with only the title and the reason, so the check is never missing.
 */
async function postWithFallback(
  publisher: ReviewPublisher,
  name: string,
  headSha: string,
  output: PolicyCheck,
): Promise<void> {
  try {
    await publisher.postCompletedCheck(name, headSha, output);
  } catch (err) {
    if ((err as { status?: number }).status !== 422) throw err;
    const reason = messageOf(err);
    await publisher.postCompletedCheck(name, headSha, {
      conclusion: output.conclusion,
      title: output.title,
      summary: `## ${escapeMarkdown(output.title)}\n\nThe verdict stands; GitHub refused this check's details, so they cannot be shown:\n\n> ${escapeMarkdown(reason)}`,
      annotations: [],
    });
  }
}
