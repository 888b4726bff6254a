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
import { FIX_COMMITS_OFF, type FixCommitOffer } from "../review/review-output.js";
import { loadReviewConfig, reviewChanges, type ReviewDeps } from "../review/review-changes.js";
import { publishGitChecks } from "../review/git-checks.js";
import { defaultConfig, type Config } from "../config/config.js";
import { instrumentOctokit, type Metrics } from "../ops/metrics.js";
import { PullRequestFacts } from "../adapters/github/github-pr-context.js";
import { parsePolicyData } from "../adapters/opa/user-policies.js";
import type { RepositoryPolicyCompiler } from "../ports/policy-compiler.js";
import { policyPullRequestOf } from "../review/policy-context.js";
import { policiesReadPullRequest } from "../review/repository-policies.js";
import { APPLY_FIXES, fixCommitMessage, planFixCommit } from "../review/fix-commit.js";
import { GitHubCommitWriter } from "../adapters/github/github-commit-writer.js";
import type { ReviewQueue } from "../review/review-queue.js";

export interface ReviewTriggerDeps {
  readonly bundle: PolicyBundle;
  /** The app was granted `contents: write` and may offer "Apply fixes" (PORTCULLIS_FIX_COMMITS=true). */
  readonly fixCommits: boolean;
  /** Prometheus metrics, when the server exposes them. */
  readonly metrics?: Metrics;
  /** Reviews run from here; the webhook is answered as soon as the job is queued. */
  readonly queue: ReviewQueue;
  /** YYYY-MM-DD for waiver expiry. */
  readonly today: () => string;
  /** Compiles the repository's own policies (from the base commit); without it they are not run. */
  readonly policyCompiler?: RepositoryPolicyCompiler;
}

interface PullRequestPayload {
  readonly number: number;
  readonly changed_files?: number;
  readonly commits?: number;
  readonly user?: { readonly login: string } | null;
  readonly base: { readonly sha: string; readonly repo?: { readonly full_name: string } | null };
  readonly head: {
    readonly sha: string;
    readonly ref: string;
    readonly repo?: { readonly full_name: string } | null;
  };
}

export function refOf(owner: string, repo: string, pr: PullRequestPayload): PullRequestRef {
  return {
    owner,
    repo,
    number: pr.number,
    baseSha: pr.base.sha,
    headSha: pr.head.sha,
    changedFiles: pr.changed_files ?? 0,
    headBranch: pr.head.ref,
    author: pr.user?.login ?? "",
    commitCount: pr.commits ?? 0,
    // A deleted fork has no head repository: treat it as a fork.
    sameRepository:
      pr.head.repo?.full_name !== undefined && pr.head.repo.full_name === pr.base.repo?.full_name,
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
  const queuedAt = Date.now();
  const outcome = deps.queue.enqueue({
    key: `${ref.owner}/${ref.repo}#${ref.number}`,
    headSha: ref.headSha,
    deliveryId,
    run: async (isCurrent) => {
      deps.metrics?.queueWaitSeconds.observe((Date.now() - queuedAt) / 1000);
      const started = Date.now();
      if (deps.metrics) instrumentOctokit(octokit, deps.metrics);
      try {
        await reviewPullRequest(octokit, child, ref, deps, isCurrent);
        deps.metrics?.reviewSeconds.observe((Date.now() - started) / 1000);
      } catch (err) {
        // Only a failure to create the check lands here; after that, the check carries the error.
        child.error({ err }, "review could not start");
      }
    },
  });
  child.info({ outcome }, "review queued");
}

/**
 * What a review of `ref` needs: a fresh engine (one per review), the rules, config defaults,
 * `_extends`, and the repository's policies with the pull request's facts (read once, in `facts`).
 */
function reviewDepsOf(
  deps: ReviewTriggerDeps,
  ref: PullRequestRef,
  octokit: Octokit,
  facts: PullRequestFacts,
): ReviewDeps {
  return {
    engine: new WasmPolicyEngine(deps.bundle.wasm),
    rules: deps.bundle.rules,
    configContext: {
      settingDefaults: deps.bundle.settingDefaults,
      ruleIds: new Set(deps.bundle.rules.keys()),
    },
    today: deps.today(),
    extendsFrom: { owner: ref.owner, repo: ref.repo, read: readDefaultBranchConfig(octokit) },
    ...(deps.policyCompiler
      ? {
          repositoryPolicies: {
            compiler: deps.policyCompiler,
            parseData: parsePolicyData,
            pullRequest: async (teams) =>
              policyPullRequestOf(
                await facts.load({ codeOwners: true, signedCommits: true, teams }),
                { number: ref.number, baseSha: ref.baseSha },
              ),
          },
        }
      : {}),
  };
}

async function reviewPullRequest(
  octokit: Octokit,
  child: Context["log"],
  ref: PullRequestRef,
  deps: ReviewTriggerDeps,
  isCurrent: () => boolean,
): Promise<void> {
  const source = new GitHubPullRequestSource(octokit, ref);
  const publisher = new GitHubReviewPublisher(octokit, ref);
  const facts = new PullRequestFacts(octokit, ref, source);
  const reviewDeps = reviewDepsOf(deps, ref, octokit, facts);
  const result = await publishReview(
    source,
    publisher,
    reviewDeps,
    isCurrent,
    fixOfferFor(ref, deps),
  );
  deps.metrics?.reviews.inc({ conclusion: result.conclusion });
  if (result.review) deps.metrics?.recordFindings(result.review.report.findings);
  if (result.error) child.error({ err: result.error }, "review failed; check completed as failure");
  else child.info({ conclusion: result.conclusion, comments: result.comments }, "review published");
  if (!isCurrent()) return;
  const review = result.review;
  // Without a readable config the checks still run, with the defaults, and fail with the reason.
  let config: Config = defaultConfig(reviewDeps.configContext);
  let configError: unknown;
  try {
    config = review?.config ?? (await loadReviewConfig(source, reviewDeps)).config;
  } catch (err) {
    configError = err;
  }
  await publishGitChecks(publisher, ref.headSha, config, async (needs) => {
    if (configError !== undefined) throw configError;
    return facts.load(needs);
  });
}

/** A review was submitted, dismissed or edited: only the code-owners check changes. */
export async function onPullRequestReview(
  context: Context<
    "pull_request_review.submitted" | "pull_request_review.dismissed" | "pull_request_review.edited"
  >,
  deps: ReviewTriggerDeps,
): Promise<void> {
  const { owner, repo } = context.repo();
  const ref = refOf(owner, repo, context.payload.pull_request as unknown as PullRequestPayload);
  const octokit = context.octokit;
  const log = context.log.child({ delivery: context.id, repo: `${owner}/${repo}`, pr: ref.number });
  deps.queue.enqueue({
    key: `${owner}/${repo}#${ref.number}:owners`,
    headSha: ref.headSha,
    deliveryId: context.id,
    run: async () => {
      try {
        const source = new GitHubPullRequestSource(octokit, ref);
        const facts = new PullRequestFacts(octokit, ref, source);
        const { config } = await loadReviewConfig(source, reviewDepsOf(deps, ref, octokit, facts));
        await publishGitChecks(
          new GitHubReviewPublisher(octokit, ref),
          ref.headSha,
          config,
          (needs) => facts.load(needs),
          "codeOwners",
        );
        // Policies that read approvals (data.portcullis.pull_request) may judge differently now.
        if (deps.policyCompiler && (await policiesReadPullRequest(source, config.policies)))
          queueReview(octokit, context.log, ref, deps, `${context.id}#policies`);
      } catch (err) {
        log.error({ err }, "code-owners check could not start");
      }
    },
  });
}

function fixOfferFor(ref: PullRequestRef, deps: ReviewTriggerDeps): FixCommitOffer {
  if (!deps.fixCommits) return FIX_COMMITS_OFF;
  if (!ref.sameRepository)
    return { enabled: false, reason: "the branch is in a fork, which the app cannot push to" };
  return { enabled: true };
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
    const octokit = context.octokit;
    deps.queue.enqueue({
      key: `${owner}/${repo}#${number}:fixes`,
      headSha,
      deliveryId: `${context.id}#${number}`,
      run: async () => {
        try {
          const source = new GitHubPullRequestSource(octokit, ref);
          const review = await reviewChanges(
            source,
            reviewDepsOf(deps, ref, octokit, new PullRequestFacts(octokit, ref, source)),
          );
          const plan = planFixCommit(review.report.findings, review.headTexts);
          if (plan.files.length === 0) return;
          const sha = await new GitHubCommitWriter(octokit, { owner, repo }).commitFiles(
            ref.headBranch,
            headSha,
            fixCommitMessage(plan),
            plan.files,
          );
          log.info({ pr: number, commit: sha, files: plan.files.length }, "fixes committed");
        } catch (err) {
          log.error({ err, pr: number }, "apply-fixes failed");
        }
      },
    });
  }
}
