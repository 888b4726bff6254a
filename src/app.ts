// The Probot app: every webhook this app handles is registered here, once.
import type { ApplicationFunction } from "probot";
import { opsHandler, type Lifecycle } from "./ops/ops-handler.js";
import {
  onApplyFixes,
  onPullRequest,
  onPullRequestReview,
  onRerequest,
} from "./handlers/pull-request.js";
import { giveUpHandler, taskProcessor, type ReviewTriggerDeps } from "./jobs/review-jobs.js";
import type { Octokit } from "./adapters/github/github-source.js";

export interface AppDeps extends ReviewTriggerDeps {
  /** Whether the server takes webhooks (false once shutdown began; /readyz answers 503). */
  readonly lifecycle?: Lifecycle;
}

export function createApp(deps: AppDeps): ApplicationFunction {
  return (app, options) => {
    // Queued jobs are plain data: each gets its installation's Octokit where it runs.
    const octokitFor = (id: number) => app.auth(id) as Promise<Octokit>;
    deps.queue.process(
      taskProcessor(octokitFor, app.log, deps),
      giveUpHandler(octokitFor, app.log),
    );
    if (deps.metrics && options?.addHandler) {
      options.addHandler(opsHandler(deps.metrics, deps.lifecycle ?? { ready: () => true }));
    }
    app.on(
      [
        "pull_request.opened",
        "pull_request.synchronize",
        "pull_request.reopened",
        "pull_request.ready_for_review",
      ],
      (context) => onPullRequest(context, deps),
    );
    // An edit matters only when it retargets the pull request: the base (and so the config) changed.
    app.on("pull_request.edited", async (context) => {
      if (context.payload.changes?.base) await onPullRequest(context, deps);
    });
    app.on("check_run.rerequested", (context) =>
      onRerequest(
        context,
        context.payload.check_run.head_sha,
        context.payload.check_run.pull_requests,
        deps,
      ),
    );
    app.on("check_run.requested_action", (context) => onApplyFixes(context, deps));
    // Approvals change only the code-owners check: no policy run.
    app.on(
      [
        "pull_request_review.submitted",
        "pull_request_review.dismissed",
        "pull_request_review.edited",
      ],
      (context) => onPullRequestReview(context, deps),
    );
    app.on("check_suite.rerequested", (context) =>
      onRerequest(
        context,
        context.payload.check_suite.head_sha,
        context.payload.check_suite.pull_requests,
        deps,
      ),
    );
  };
}
