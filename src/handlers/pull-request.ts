// Webhook events -> a review trigger: which pull request, at which head. No business rules here.
import type { Context } from "probot";
import { GitHubReviewPublisher } from "../adapters/github/github-publisher.js";
import { readDefaultBranchConfig } from "../adapters/github/github-config.js";
import {
  GitHubPullRequestSource,
  type Octokit,
  type PullRequestRef,
} from "../adapters/github/github-source.js";
import { WasmPolicyEngine } from "../adapters/opa/wasm-policy-engine.js";
import type { PolicyBundle } from "../adapters/fs/policy-bundle.js";
import { publishReview } from "../review/publish-review.js";
import type { ReviewQueue } from "../review/review-queue.js";

export interface ReviewTriggerDeps {
  readonly bundle: PolicyBundle;
  /** Reviews run from here; the webhook is answered as soon as the job is queued. */
  readonly queue: ReviewQueue;
  /** YYYY-MM-DD for waiver expiry. */
  readonly today: () => string;
}

interface PullRequestPayload {
  readonly number: number;
  readonly changed_files?: number;
  readonly base: { readonly sha: string };
  readonly head: { readonly sha: string };
}

export function refOf(owner: string, repo: string, pr: PullRequestPayload): PullRequestRef {
  return {
    owner,
    repo,
    number: pr.number,
    baseSha: pr.base.sha,
    headSha: pr.head.sha,
    changedFiles: pr.changed_files ?? 0,
  };
}

/**
 * Queues the review of one pull request of the repository the event came from (the base
 * repository, also for forks); the webhook is answered as soon as it is queued.
 */
export function queueReview(
  octokit: Octokit,
  log: Context["log"],
  ref: PullRequestRef,
  deps: ReviewTriggerDeps,
  deliveryId: string,
): void {
  const child = log.child({
    delivery: deliveryId,
    repo: `${ref.owner}/${ref.repo}`,
    pr: ref.number,
    head: ref.headSha,
  });
  const outcome = deps.queue.enqueue({
    key: `${ref.owner}/${ref.repo}#${ref.number}`,
    headSha: ref.headSha,
    deliveryId,
    run: async (isCurrent) => {
      try {
        await reviewPullRequest(octokit, child, ref, deps, isCurrent);
      } catch (err) {
        // Only a failure to create the check lands here; after that, the check carries the error.
        child.error({ err }, "review could not start");
      }
    },
  });
  child.info({ outcome }, "review queued");
}

async function reviewPullRequest(
  octokit: Octokit,
  child: Context["log"],
  ref: PullRequestRef,
  deps: ReviewTriggerDeps,
  isCurrent: () => boolean,
): Promise<void> {
  const engine = new WasmPolicyEngine(deps.bundle.wasm);
  const result = await publishReview(
    new GitHubPullRequestSource(octokit, ref),
    new GitHubReviewPublisher(octokit, ref),
    {
      engine,
      rules: deps.bundle.rules,
      configContext: {
        settingDefaults: deps.bundle.settingDefaults,
        ruleIds: new Set(deps.bundle.rules.keys()),
      },
      today: deps.today(),
      extendsFrom: { owner: ref.owner, repo: ref.repo, read: readDefaultBranchConfig(octokit) },
    },
    isCurrent,
  );
  if (result.error) child.error({ err: result.error }, "review failed; check completed as failure");
  else child.info({ conclusion: result.conclusion, comments: result.comments }, "review published");
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
  queueReview(
    context.octokit,
    context.log,
    refOf(owner, repo, context.payload.pull_request),
    deps,
    context.id,
  );
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
    queueReview(
      context.octokit,
      context.log,
      refOf(owner, repo, pr),
      deps,
      `${context.id}#${pull_number}`,
    );
  }
}
