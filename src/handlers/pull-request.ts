// Webhook events -> a review trigger: which pull request, at which head. No business rules here;
// the jobs they queue run in src/jobs/review-jobs.ts.
import type { Context } from "probot";
import { APPLY_FIXES } from "../review/fix-commit.js";
import {
  queueTask,
  refOf,
  type PullRequestPayload,
  type ReviewTriggerDeps,
} from "../jobs/review-jobs.js";

/** A review was submitted, dismissed or edited: only the code-owners check changes. */
export async function onPullRequestReview(
  context: Context<
    "pull_request_review.submitted" | "pull_request_review.dismissed" | "pull_request_review.edited"
  >,
  deps: ReviewTriggerDeps,
): Promise<void> {
  const { owner, repo } = context.repo();
  await queueTask(context.log, deps, {
    kind: "owners",
    installationId: installationOf(context),
    ref: refOf(owner, repo, context.payload.pull_request as unknown as PullRequestPayload),
    deliveryId: context.id,
  });
}

export async function onPullRequest(
  context: Context<
    | "pull_request.opened"
    | "pull_request.synchronize"
    | "pull_request.reopened"
    | "pull_request.ready_for_review"
    | "pull_request.edited"
  >,
  deps: ReviewTriggerDeps,
): Promise<void> {
  const { owner, repo } = context.repo();
  await queueTask(context.log, deps, {
    kind: "review",
    installationId: installationOf(context),
    ref: refOf(owner, repo, context.payload.pull_request),
    deliveryId: context.id,
  });
}

/** The installation an event came with (an app's webhooks always carry one). */
function installationOf(context: { payload: { installation?: { id: number } } }): number {
  const id = context.payload.installation?.id;
  if (id === undefined) throw new Error("the event carries no installation");
  return id;
}

/** A re-run from the GitHub UI: find the pull request of the head commit (fork PRs list none in the payload). */
export async function onRerequest(
  context: Context<"check_run.rerequested" | "check_suite.rerequested">,
  headSha: string,
  listed: readonly { number: number }[],
  deps: ReviewTriggerDeps,
): Promise<void> {
  const { owner, repo } = context.repo();
  let numbers = listed.map((p) => p.number);
  if (numbers.length === 0) {
    const { data } = await context.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner,
      repo,
      commit_sha: headSha,
    });
    numbers = data.filter((p) => p.state === "open").map((p) => p.number);
  }
  for (const pull_number of numbers) {
    const { data: pr } = await context.octokit.rest.pulls.get({ owner, repo, pull_number });
    if (pr.head.sha !== headSha) continue; // an older head: its results would be superseded anyway
    await queueTask(context.log, deps, {
      kind: "review",
      installationId: installationOf(context),
      ref: refOf(owner, repo, pr),
      deliveryId: `${context.id}#${pull_number}`,
    });
  }
}

/**
 * "Apply fixes" on the check run: re-reviews the head and commits every safe fix to the branch,
 * only for a branch of this repository, only if the head has not moved, only when enabled.
 */
export async function onApplyFixes(
  context: Context<"check_run.requested_action">,
  deps: ReviewTriggerDeps,
): Promise<void> {
  if (context.payload.requested_action?.identifier !== APPLY_FIXES.identifier) return;
  const { owner, repo } = context.repo();
  const headSha = context.payload.check_run.head_sha;
  const log = context.log.child({ delivery: context.id, repo: `${owner}/${repo}`, head: headSha });
  if (!deps.fixCommits) {
    log.warn("apply-fixes requested but fix commits are not enabled (PORTCULLIS_FIX_COMMITS)");
    return;
  }
  for (const { number } of context.payload.check_run.pull_requests) {
    const { data: pr } = await context.octokit.rest.pulls.get({ owner, repo, pull_number: number });
    const ref = refOf(owner, repo, pr);
    if (!ref.sameRepository) {
      log.warn({ pr: number }, "apply-fixes refused: the branch is in a fork");
      continue;
    }
    if (ref.headSha !== headSha) {
      log.warn({ pr: number }, "apply-fixes refused: the branch moved since the review");
      continue;
    }
    await queueTask(log, deps, {
      kind: "fixes",
      installationId: installationOf(context),
      ref,
      deliveryId: `${context.id}#${number}`,
    });
  }
}
