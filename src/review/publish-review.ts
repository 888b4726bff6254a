// Runs a pull request's review end to end: the check starts at once and always ends with a conclusion.
import { POLICY_CHECK_NAME, type PolicyCheck } from "../render/check-run.js";
import { escapeMarkdown } from "../render/markdown.js";
import type { PullRequestSource } from "../ports/pull-request-source.js";
import type { CheckHandle, ReviewPublisher } from "../ports/review-publisher.js";
import { reviewChanges, type ChangeReview, type ReviewDeps } from "./review-changes.js";
import { buildReviewOutput, type FixCommitOffer } from "./review-output.js";

export interface PublishedReview {
  readonly conclusion: PolicyCheck["conclusion"];
  /** The review, when it completed (the Git-layer checks reuse its config and changed files). */
  readonly review?: ChangeReview;
  readonly comments: number;
  /** Why the review could not be completed, when it could not. */
  readonly error?: string;
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === "string" ? err : JSON.stringify(err);
}

export interface ReviewRun {
  /** False once a newer push of the pull request was queued: the results are then dropped. */
  readonly isCurrent?: () => Promise<boolean>;
  readonly fixCommits?: FixCommitOffer;
  /** The check run an earlier attempt started before it died: completed here, not left running. */
  readonly resumeCheck?: CheckHandle;
  /** Told the check run as soon as it exists (the queue keeps it for a retry). */
  readonly onCheckStarted?: (check: CheckHandle) => Promise<void>;
}

/**
 * Starts the policy check, reviews, completes the check and posts the inline comments. Any
 * failure after the check started completes it as a failure with the reason: never left in
 * progress, never a silent success.
 */
export async function publishReview(
  source: PullRequestSource,
  publisher: ReviewPublisher,
  deps: ReviewDeps,
  run: ReviewRun = {},
): Promise<PublishedReview> {
  const check = run.resumeCheck ?? (await publisher.startCheck(POLICY_CHECK_NAME, source.head));
  try {
    await run.onCheckStarted?.(check);
    const review = await reviewChanges(source, deps);
    const output = buildReviewOutput(
      review,
      deps.rules,
      source.head,
      run.fixCommits,
      policyBlobUrlOf(source),
    );
    if (run.isCurrent && !(await run.isCurrent())) {
      // A newer push arrived while this one was reviewed: its results are dropped, its check ends.
      await publisher.completeCheck(check, {
        conclusion: "cancelled",
        title: "Superseded by a newer push",
        summary: `A newer commit was pushed while \`${source.head.slice(0, 12)}\` was being reviewed; the review of the newer commit replaces this one.`,
        annotations: [],
      });
      return { conclusion: "cancelled", comments: 0 };
    }
    await publisher.completeCheck(check, output.check);
    const body = `Portcullis found ${output.check.title.toLowerCase()}. The check run "${POLICY_CHECK_NAME}" lists every finding.`;
    const stillOpen = new Set(
      review.report.findings
        .filter((f) => f.status.kind === "open")
        .map((f) => `${f.file}\u0000${f.fingerprint}`),
    );
    // Always called: besides posting, it resolves the threads of findings this push fixed.
    const { posted: comments } = await publisher.postReview(
      source.head,
      body,
      output.comments.comments,
      stillOpen,
    );
    return { conclusion: output.check.conclusion, comments, review };
  } catch (err) {
    const reason = describe(err);
    await publisher.completeCheck(check, {
      conclusion: "failure",
      title: "Portcullis could not complete the review",
      summary: `The review stopped with an error, so this change was not checked:\n\n> ${escapeMarkdown(reason)}\n\nRe-run the check to try again.`,
      annotations: [],
    });
    return { conclusion: "failure", comments: 0, error: reason };
  }
}

/**
 * Where the base's files are shown on the web (`https://<host>/<owner>/<repo>/blob/<base>/`), so a
 * repository policy's finding links to the constraint that found it; none for a non-web remote.
 */
function policyBlobUrlOf(source: PullRequestSource): string | undefined {
  const web = source.repositoryUrls?.find((u) => /^https:\/\//.test(u));
  return web ? `${web.replace(/\.git$/, "").replace(/\/+$/, "")}/blob/${source.base}/` : undefined;
}
