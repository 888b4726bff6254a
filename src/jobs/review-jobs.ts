// The review jobs: what a queued job does in whichever process takes it (a review, a re-check
// of the code owners, "Apply fixes"), and how it gives up. Events become jobs in src/handlers/.
import type { Context } from "probot";
import { GitHubReviewPublisher } from "../adapters/github/github-publisher.js";
import { readDefaultBranchConfig } from "../adapters/github/github-config.js";
import {
  GitHubPullRequestSource,
  type Octokit,
  type PullRequestRef,
} from "../adapters/github/github-source.js";
import { WasmPolicyEngine } from "../engines/opa/wasm-policy-engine.js";
import type { PolicyBundle } from "../adapters/fs/policy-bundle.js";
import { publishReview } from "../review/publish-review.js";
import { FIX_COMMITS_OFF, type FixCommitOffer } from "../review/review-output.js";
import {
  loadReviewConfig,
  reviewChanges,
  type ChangeReview,
  type ReviewDeps,
} from "../review/review-changes.js";
import { CODE_OWNERS_CHECK, publishGitChecks, SIGNED_COMMITS_CHECK } from "../owners/git-checks.js";
import { defaultConfig, type Config } from "../config/config.js";
import { instrumentOctokit, type Metrics } from "../ops/metrics.js";
import { PullRequestFacts } from "../adapters/github/github-pr-context.js";
import { GitHubBranchProtection } from "../adapters/github/branch-protection.js";
import type { ContentCache } from "../adapters/github/content-cache.js";
import type { ManifestRenderer } from "../ports/manifest-renderer.js";
import type { EngineDescriptor } from "../engines/engine.js";
import { parsePolicyData } from "../engines/opa/user-policies.js";
import type { RepositoryPolicyCompiler } from "../ports/policy-compiler.js";
import { policyPullRequestOf } from "../review/policy-context.js";
import { policiesReadPullRequest } from "../review/repository-policies.js";
import { fixCommitMessage, planFixCommit } from "../review/fix-commit.js";
import { GitHubCommitWriter } from "../adapters/github/github-commit-writer.js";
import {
  PermanentJobError,
  type GiveUp,
  type JobControl,
  type TaskProcessor,
  type TaskQueue,
} from "../review/review-queue.js";
import { httpStatus } from "../adapters/github/http-status.js";
import { failFastAfterOutage } from "../adapters/github/octokit.js";
import { POLICY_CHECK_NAME } from "../render/check-run.js";
import { escapeMarkdown } from "../render/markdown.js";
import { messageOf } from "../core/errors.js";

export interface ReviewTriggerDeps {
  readonly bundle: PolicyBundle;
  /** The app was granted `contents: write` and may offer "Apply fixes" (PORTCULLIS_FIX_COMMITS=true). */
  readonly fixCommits: boolean;
  /** Prometheus metrics, when the server exposes them. */
  readonly metrics?: Metrics;
  /** Reviews run from here; the webhook is answered as soon as the job is queued. */
  readonly queue: TaskQueue<ReviewTask>;
  /** YYYY-MM-DD for waiver expiry. */
  readonly today: () => string;
  /** Compiles the repository's own policies (from the base commit); without it they are not run. */
  readonly policyCompiler?: RepositoryPolicyCompiler;
  /** Contents at commit SHAs kept across reviews (fewer GitHub requests); none in tests. */
  readonly contentCache?: ContentCache;
  /** Renders the kustomizations a change affects (config `render`); without it none is rendered. */
  readonly renderer?: ManifestRenderer;
  /** The engine registry (src/engines/registry.ts unless a test adds an engine). */
  readonly engines?: readonly EngineDescriptor[];
}

/** What one review needs (the GitHub Action runs one without a queue). */
export type ReviewRunDeps = Omit<ReviewTriggerDeps, "queue">;

export interface PullRequestPayload {
  readonly number: number;
  readonly changed_files?: number;
  readonly commits?: number;
  readonly user?: { readonly login: string } | null;
  readonly base: {
    readonly sha: string;
    readonly ref?: string;
    readonly repo?: { readonly full_name: string } | null;
  };
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
    ...(pr.base.ref ? { baseBranch: pr.base.ref } : {}),
    // A deleted fork has no head repository: treat it as a fork.
    sameRepository:
      pr.head.repo?.full_name !== undefined && pr.head.repo.full_name === pr.base.repo?.full_name,
  };
}
/** A queued job's data
: plain values, so that any process (or replica) can run it. */
export type ReviewTask = {
  readonly kind: "review" | "owners" | "fixes";
  readonly installationId: number;
  readonly ref: PullRequestRef;
  readonly deliveryId: string;
  /** When the webhook was received (ms since the epoch), for the queue-wait metric. */
  readonly queuedAt: number;
};

type Log = Context["log"];

/** The job key: one lane per pull request and kind of work. */
function keyOf(task: ReviewTask): string {
  const pr = `${task.ref.owner}/${task.ref.repo}#${task.ref.number}`;
  return task.kind === "review" ? pr : `${pr}:${task.kind}`;
}

/**
 * Queues work on one pull request of the repository the event came from (the base repository,
 * also for forks); the webhook is answered as soon as the job is stored.
 */
export async function queueTask(
  log: Log,
  deps: ReviewTriggerDeps,
  task: Omit<ReviewTask, "queuedAt">,
): Promise<void> {
  const outcome = await deps.queue.enqueue({
    key: keyOf({ ...task, queuedAt: 0 }),
    headSha: task.ref.headSha,
    deliveryId: task.deliveryId,
    task: { ...task, queuedAt: Date.now() },
  });
  log.info(
    { outcome, kind: task.kind, pr: task.ref.number, head: task.ref.headSha },
    "review queued",
  );
}

/** Answers that another attempt would get again. */
const PERMANENT_STATUSES = new Set([401, 403, 404, 410, 422]);

/** GitHub's rate-limit answers (403 or 429): a secondary limit, or an exhausted primary one. */
export function isRateLimit(err: unknown): boolean {
  const e = err as {
    status?: number;
    message?: string;
    response?: { headers?: Record<string, string | undefined> };
  };
  const headers = e.response?.headers ?? {};
  return (
    e.status === 429 ||
    headers["retry-after"] !== undefined ||
    headers["x-ratelimit-remaining"] === "0" ||
    /rate limit/i.test(e.message ?? "")
  );
}

/** An error another attempt would get again (a client error that is not a rate limit). */
function isPermanent(err: unknown): boolean {
  const status = httpStatus(err);
  return status !== undefined && PERMANENT_STATUSES.has(status) && !isRateLimit(err);
}

/** An installation's Octokit (Probot's `app.auth`), wherever the job runs. */
export type OctokitFor = (installationId: number) => Promise<Octokit>;

/** Runs a queued job: rebuilds what it needs from its data, in whichever process takes it. */
export function taskProcessor(
  octokitFor: OctokitFor,
  log: Log,
  deps: ReviewTriggerDeps,
): TaskProcessor<ReviewTask> {
  return async (task, control) => {
    const { ref } = task;
    const child = log.child({
      delivery: task.deliveryId,
      repo: `${ref.owner}/${ref.repo}`,
      pr: ref.number,
      head: ref.headSha,
      kind: task.kind,
      attempt: control.attempt,
    });
    try {
      const octokit = await octokitFor(task.installationId);
      failFastAfterOutage(octokit);
      if (deps.metrics) instrumentOctokit(octokit, deps.metrics);
      if (task.kind === "review") {
        deps.metrics?.queueWaitSeconds.observe((Date.now() - task.queuedAt) / 1000);
        const started = Date.now();
        await reviewPullRequest(octokit, child, ref, deps, control);
        deps.metrics?.reviewSeconds.observe((Date.now() - started) / 1000);
      } else if (task.kind === "owners") {
        await recheckOwners(octokit, child, task, deps);
      } else {
        await applyFixes(octokit, child, ref, deps);
      }
    } catch (err) {
      // A client error will not change on retry (installation suspended or removed, repository
      // gone, no permission); anything else, rate limits included (GitHub answers those with 403
      // too), is retried with backoff while attempts remain.
      if (isPermanent(err)) {
        child.error({ err, status: httpStatus(err) }, "job failed for good");
        throw new PermanentJobError(messageOf(err));
      }
      child.error({ err }, "job failed");
      throw err;
    }
  };
}

function configContextOf(deps: ReviewRunDeps) {
  return {
    settingDefaults: deps.bundle.settingDefaults,
    ruleIds: new Set(deps.bundle.rules.keys()),
  };
}

/** Why a check that a job gave up on ends as it does, for each of the three checks. */
function giveUpReason(name: string, error: string): string {
  const what =
    name === POLICY_CHECK_NAME
      ? "The review failed after every attempt, so this change was not checked"
      : "This check could not be completed after every attempt, so nothing was verified";
  return `${what}:\n\n> ${escapeMarkdown(error)}\n\nRe-run the check to try again.`;
}

/**
 * A job that will not run again: each of its checks still in progress is completed as a failure
 * with its own reason, and a review that never got to start its policy check posts it completed,
 * best effort (GitHub may be what failed). A check that already completed keeps its verdict.
 * Never a check left "in progress", never a finished one rewritten.
 */
export function giveUpHandler(octokitFor: OctokitFor, log: Log): GiveUp<ReviewTask> {
  return async (task, { checkRunId, error, permanent }) => {
    // Nothing to close, and no access to post with (a suspended or removed installation).
    if (task.kind !== "review" || (permanent && checkRunId === undefined)) return;
    const failed = (name: string) => ({
      conclusion: "failure" as const,
      title:
        name === POLICY_CHECK_NAME
          ? "Portcullis could not complete the review"
          : "Portcullis could not complete this check",
      summary: giveUpReason(name, error),
      annotations: [],
    });
    try {
      const octokit = await octokitFor(task.installationId);
      failFastAfterOutage(octokit);
      const publisher = new GitHubReviewPublisher(octokit, task.ref);
      const names = [POLICY_CHECK_NAME, CODE_OWNERS_CHECK, SIGNED_COMMITS_CHECK];
      // The head's checks by name; the job's own policy check is asked for directly when the list
      // cannot be read or names another run.
      const runs = await publisher
        .checksOn(task.ref.headSha, names)
        .catch(() => new Map<string, { id: number; completed: boolean }>());
      if (checkRunId !== undefined && runs.get(POLICY_CHECK_NAME)?.id !== checkRunId)
        runs.set(POLICY_CHECK_NAME, {
          id: checkRunId,
          completed: await publisher.isCompleted({ id: checkRunId }),
        });
      for (const name of names) {
        const run = runs.get(name);
        if (run && !run.completed) await publisher.completeCheck({ id: run.id }, failed(name));
      }
      // The policy check always exists once a review was asked for; the Git-layer checks only
      // when the configuration enables them, which a failed job may not have read.
      if (!runs.has(POLICY_CHECK_NAME))
        await publisher.postCompletedCheck(
          POLICY_CHECK_NAME,
          task.ref.headSha,
          failed(POLICY_CHECK_NAME),
        );
    } catch (err) {
      log.error({ err, pr: task.ref.number, head: task.ref.headSha }, "could not close the checks");
    }
  };
}

/**
 * What a review of `ref` needs: a fresh engine (one per review), the rules, config defaults,
 * `_extends`, and the repository's policies with the pull request's facts (read once, in `facts`).
 */
function reviewDepsOf(
  deps: ReviewRunDeps,
  ref: PullRequestRef,
  octokit: Octokit,
  facts: PullRequestFacts,
): ReviewDeps {
  return {
    engine: new WasmPolicyEngine(deps.bundle.wasm),
    rules: deps.bundle.rules,
    configContext: configContextOf(deps),
    today: deps.today(),
    extendsFrom: { owner: ref.owner, repo: ref.repo, read: readDefaultBranchConfig(octokit) },
    ...(deps.metrics
      ? { onEvaluated: (seconds: number) => deps.metrics!.evaluationSeconds.observe(seconds) }
      : {}),
    ...(deps.renderer ? { renderer: deps.renderer } : {}),
    ...(deps.engines ? { engines: deps.engines } : {}),
    ...(ref.baseBranch
      ? { branchProtection: branchProtectionOf(octokit, ref, ref.baseBranch) }
      : {}),
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

/** Reads the base branch's protection for the policies check's summary (informational). */
function branchProtectionOf(octokit: Octokit, ref: PullRequestRef, branch: string) {
  const web = new GitHubPullRequestSource(octokit, ref).repositoryUrls[0]!;
  return () =>
    new GitHubBranchProtection(octokit, { owner: ref.owner, repo: ref.repo }, web).read(branch);
}

/** Reviews a pull request and publishes the check runs and the review (the app's jobs, the Action). */
export async function reviewPullRequest(
  octokit: Octokit,
  child: Log,
  ref: PullRequestRef,
  deps: ReviewRunDeps,
  control: JobControl,
): Promise<void> {
  const source = new GitHubPullRequestSource(octokit, ref, deps.contentCache);
  const publisher = new GitHubReviewPublisher(octokit, ref);
  const facts = new PullRequestFacts(octokit, ref, source);
  const reviewDeps = reviewDepsOf(deps, ref, octokit, facts);
  // A policy check that cannot be published keeps no other check from being posted: the
  // Git-layer checks go out, then the job fails (and is retried).
  let review: ChangeReview | undefined;
  let policyFailure: unknown;
  try {
    review = await policyCheck(publisher, source, reviewDeps, ref, deps, control, child);
  } catch (err) {
    // No access (suspended installation, repository gone): nothing else could be posted either.
    if (isPermanent(err)) throw err;
    policyFailure = err;
  }
  if (!(await control.isCurrent())) return;
  // Without a readable config the checks still run, with the defaults, and fail with the reason.
  let config: Config = defaultConfig(reviewDeps.configContext);
  let configError: unknown;
  try {
    config = review?.config ?? (await loadReviewConfig(source, reviewDeps)).config;
  } catch (err) {
    configError = err;
  }
  // Fresh facts: an approval dismissed while the policies ran must not be judged as given (the
  // policies' copy is as old as the review). Without repository policies nothing was read yet.
  const current = new PullRequestFacts(octokit, ref, source);
  await publishGitChecks(publisher, ref.headSha, config, async (needs) => {
    if (configError !== undefined) throw configError;
    return current.load(needs);
  });
  if (policyFailure !== undefined) throw policyFailure;
}

/**
 * The policy check of a review job: started (or resumed), reviewed, completed. A retry after it
 * completed (the Git-layer checks failed) leaves it as it is. Returns the review, when one ran.
 */
async function policyCheck(
  publisher: GitHubReviewPublisher,
  source: GitHubPullRequestSource,
  reviewDeps: ReviewDeps,
  ref: PullRequestRef,
  deps: ReviewRunDeps,
  control: JobControl,
  child: Log,
): Promise<ChangeReview | undefined> {
  const resume = control.checkRunId === undefined ? undefined : { id: control.checkRunId };
  if (resume !== undefined && (await publisher.isCompleted(resume))) return undefined;
  const result = await publishReview(source, publisher, reviewDeps, {
    isCurrent: () => control.isCurrent(),
    fixCommits: fixOfferFor(ref, deps),
    resumeCheck: resume,
    onCheckStarted: (check) => control.rememberCheckRun(check.id),
  });
  deps.metrics?.reviews.inc({ conclusion: result.conclusion });
  if (result.review) deps.metrics?.recordFindings(result.review.report.findings);
  if (result.error) child.error({ err: result.error }, "review failed; check completed as failure");
  else child.info({ conclusion: result.conclusion, comments: result.comments }, "review published");
  return result.review;
}

async function recheckOwners(
  octokit: Octokit,
  log: Log,
  task: ReviewTask,
  deps: ReviewTriggerDeps,
): Promise<void> {
  // A review event's pull request carries no file or commit counts: without them a cut list
  // would look complete. Read the pull request itself, and stop if the head moved since.
  const { data: pr } = await octokit.rest.pulls.get({
    owner: task.ref.owner,
    repo: task.ref.repo,
    pull_number: task.ref.number,
  });
  const ref = refOf(task.ref.owner, task.ref.repo, pr);
  if (ref.headSha !== task.ref.headSha) {
    log.info({ head: ref.headSha }, "review event for an older head: the newer push is reviewed");
    return;
  }
  const source = new GitHubPullRequestSource(octokit, ref, deps.contentCache);
  const facts = new PullRequestFacts(octokit, ref, source);
  let config: Config = defaultConfig(configContextOf(deps));
  let configError: unknown;
  try {
    config = (await loadReviewConfig(source, reviewDepsOf(deps, ref, octokit, facts))).config;
  } catch (err) {
    configError = err;
  }
  await publishGitChecks(
    new GitHubReviewPublisher(octokit, ref),
    ref.headSha,
    config,
    (needs) => {
      if (configError !== undefined) throw configError;
      return facts.load(needs);
    },
    "codeOwners",
  );
  if (configError !== undefined) return;
  // Policies that read approvals (data.portcullis.pull_request) may judge differently now.
  if (deps.policyCompiler && (await policiesReadPullRequest(source, config, deps.engines)))
    await queueTask(log, deps, {
      ...task,
      ref,
      kind: "review",
      deliveryId: `${task.deliveryId}#policies`,
    });
}

function fixOfferFor(ref: PullRequestRef, deps: ReviewRunDeps): FixCommitOffer {
  if (!deps.fixCommits) return FIX_COMMITS_OFF;
  if (!ref.sameRepository)
    return { enabled: false, reason: "the branch is in a fork, which the app cannot push to" };
  return { enabled: true };
}

/** Re-reviews the head and commits every safe fix to the branch (checked again when queued). */
async function applyFixes(
  octokit: Octokit,
  log: Log,
  ref: PullRequestRef,
  deps: ReviewTriggerDeps,
): Promise<void> {
  const source = new GitHubPullRequestSource(octokit, ref, deps.contentCache);
  const review = await reviewChanges(
    source,
    reviewDepsOf(deps, ref, octokit, new PullRequestFacts(octokit, ref, source)),
  );
  const plan = planFixCommit(review.report.findings, review.headTexts);
  if (plan.files.length === 0) return;
  const sha = await new GitHubCommitWriter(octokit, {
    owner: ref.owner,
    repo: ref.repo,
  }).commitFiles(ref.headBranch, ref.headSha, fixCommitMessage(plan), plan.files);
  log.info({ commit: sha, files: plan.files.length }, "fixes committed");
}
