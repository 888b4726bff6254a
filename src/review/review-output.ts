// What a review publishes: the policy check (conclusion, title, summary, annotations) and inline comments.
import { parsePatch, type Hunk } from "../core/diff.js";
import type { RuleMetadata } from "../core/types.js";
import {
  MAX_ANNOTATIONS,
  MAX_OUTPUT_BYTES,
  renderPolicyCheck,
  type PolicyCheck,
} from "../render/check-run.js";
import { codeSpan, escapeMarkdown, truncateUtf8 } from "../render/markdown.js";
import { renderReviewComments, type ReviewComments } from "../render/review-comments.js";
import type { ChangeReview } from "./review-changes.js";
import { APPLY_FIXES, planFixCommit } from "./fix-commit.js";
import { suggestionsFor } from "./suggestions.js";
import { MAX_REVIEW_COMMENTS } from "../core/limits.js";
import { testsFail, type PolicyChangeReport } from "../core/policy-change.js";
import {
  policyTestAnnotations,
  renderBranchAudit,
  renderPolicyChange,
} from "../render/policy-change.js";
export { MAX_REVIEW_COMMENTS };

export interface ReviewOutput {
  readonly check: PolicyCheck;
  readonly comments: ReviewComments;
  /** Every policy test and impact item, when the change touches the policies (the summary cuts them). */
  readonly policyChange?: PolicyChangeReport;
}

/** Whether an "Apply fixes" button may be offered: the app may push, to a branch of this repository. */
export interface FixCommitOffer {
  readonly enabled: boolean;
  /** Why not, when not (shown next to the fixable findings). */
  readonly reason?: string;
}

export const FIX_COMMITS_OFF: FixCommitOffer = {
  enabled: false,
  reason: "fix commits are not enabled for this app",
};

export function buildReviewOutput(
  review: ChangeReview,
  rules: ReadonlyMap<string, RuleMetadata>,
  headSha: string,
  fixCommits: FixCommitOffer = FIX_COMMITS_OFF,
  policyBlobUrl?: string,
): ReviewOutput {
  const testsFailed = review.policyChange ? testsFail(review.policyChange.tests) : false;
  const rendered = renderPolicyCheck({
    findings: review.report.findings,
    skipped: review.report.skipped,
    errors: review.report.errors,
    failOn: review.config.failOn,
    failOnExisting: review.config.failOnExisting,
    rules,
    configErrors: review.headConfigErrors,
    headSha,
    rendered: review.rendered?.diffs,
    renderer: review.rendered?.renderer,
    documentsEvaluated: review.report.documentsEvaluated,
    policyBlobUrl,
    otherFailures: testsFailed ? ["the policies' own tests fail at the head (listed above)"] : [],
  });
  const notes = reviewNotes(review);
  const fixable = planFixCommit(review.report.findings, review.headTexts);
  const fixCount = [...fixable.rules.values()].reduce((a, b) => a + b, 0);
  if (fixCount > 0) notes.push(fixNote(fixCount, fixCommits));
  const check: PolicyCheck = {
    ...rendered,
    ...(fixCommits.enabled && fixCount > 0 ? { actions: [APPLY_FIXES] } : {}),
    // A review that could not see every file never passes.
    conclusion: review.complete ? rendered.conclusion : "failure",
    title: !review.complete
      ? `Incomplete: ${review.totalChanged} files changed, too many to review`
      : testsFailed
        ? `The policies' own tests fail · ${rendered.title}`
        : rendered.title,
    annotations: review.policyChange
      ? [
          ...policyTestAnnotations(
            review.policyChange.tests,
            Math.max(0, MAX_ANNOTATIONS - rendered.annotations.length),
          ),
          ...rendered.annotations,
        ].slice(0, MAX_ANNOTATIONS)
      : rendered.annotations,
    summary:
      notes.length > 0
        ? truncateUtf8(
            `${notes.join("\n\n")}\n\n${rendered.summary}`,
            MAX_OUTPUT_BYTES,
            "\n\n_… cut at GitHub's size limit._",
          )
        : rendered.summary,
  };
  const comments = inlineComments(review, rules, policyBlobUrl);
  return { check, comments, ...(review.policyChange ? { policyChange: review.policyChange } : {}) };
}

/** The notes above the check's summary: what limits this review, and what else the change touches. */
function reviewNotes(review: ChangeReview): string[] {
  const notes: string[] = [];
  if (!review.complete) {
    notes.push(
      `**Not reviewed completely:** the change lists ${review.totalChanged} files and only ${review.changedFiles.length} could be read, so files were never evaluated. Split the change into smaller pull requests.`,
    );
  }
  if (review.configErrors.length > 0) {
    notes.push(
      `**The base branch's configuration has errors**; defaults apply where it is wrong:\n${review.configErrors
        .map(
          (e) =>
            `- ${e.line ? `line ${e.line}: ` : ""}${escapeMarkdown(`${e.path ? `${e.path}: ` : ""}${e.message}`)}`,
        )
        .join("\n")}`,
    );
  }
  if (review.configChanged) {
    notes.push(
      "This change edits `.github/portcullis.yml`: it was reviewed under the base branch's version.",
    );
  }
  if (review.policyModules.length > 0) {
    notes.push(
      `Repository policies from the base branch ran too: ${review.policyModules
        .slice(0, 10)
        .map((m) => codeSpan(m))
        .join(
          ", ",
        )}${review.policyModules.length > 10 ? ` and ${review.policyModules.length - 10} more` : ""}.`,
    );
  }
  // The change's own policy tests and its impact, and the base branch's protection: after the
  // notes above, each within a budget of its own.
  if (review.policyChange) notes.push(renderPolicyChange(review.policyChange));
  const protection = review.branchAudit ? renderBranchAudit(review.branchAudit) : "";
  if (protection !== "") notes.push(protection);
  return notes;
}

/** The note on the findings that have a safe fix, and how to apply them. */
function fixNote(fixCount: number, fixCommits: FixCommitOffer): string {
  return fixCommits.enabled
    ? `**${fixCount}** finding(s) have a safe fix: **Apply fixes** above commits them all to the branch, or accept the suggestions one by one.`
    : `**${fixCount}** finding(s) have a safe fix: accept the suggestions on the changed lines (${fixCommits.reason}).`;
}

/** The inline comments on the changed lines, with suggestions where a fix is safe. */
function inlineComments(
  review: ChangeReview,
  rules: ReadonlyMap<string, RuleMetadata>,
  policyBlobUrl: string | undefined,
): ReviewComments {
  const patches = new Map<string, Hunk[]>(
    review.changedFiles.map((f) => [f.path, parsePatch(f.patch)]),
  );
  const suggestions = suggestionsFor(review.report.findings, review.headTexts);
  return renderReviewComments(review.report.findings, patches, {
    max: MAX_REVIEW_COMMENTS,
    rules,
    suggestions,
    policyBlobUrl,
  });
}
