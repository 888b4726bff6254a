// Where a review's results go, in domain words: a check run that starts and always ends, and one review.
import type { PolicyCheck } from "../render/check-run.js";
import type { ReviewComment } from "../render/review-comments.js";

export interface CheckHandle {
  readonly id: number;
}

export interface ReviewPublisher {
  /** Creates the check run, in progress, on the head commit. */
  startCheck(name: string, headSha: string): Promise<CheckHandle>;
  /** Creates a check run already completed (for checks whose answer is quick: one write, not two). */
  postCompletedCheck(name: string, headSha: string, output: PolicyCheck): Promise<void>;
  /** Completes it with its conclusion, output and every annotation (in batches the platform accepts). */
  completeCheck(check: CheckHandle, output: PolicyCheck): Promise<void>;
  /**
   * Posts one review with inline comments on the head commit, leaving out comments whose
   * fingerprint is already on the pull request, and resolves the threads of earlier comments whose
   * finding is gone (`stillOpen` holds "path\u0000fingerprint" of every open finding).
   */
  postReview(
    headSha: string,
    body: string,
    comments: readonly ReviewComment[],
    stillOpen: ReadonlySet<string>,
  ): Promise<{ posted: number; resolved: number }>;
}
