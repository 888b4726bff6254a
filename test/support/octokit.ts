// An Octokit for tests that talk to mocks: no retries, no throttling. Probot merges its own throttle
// options over an object given to `defaults`, so the options are set in a function, after Probot's.
import { ProbotOctokit } from "probot";
import type { Octokit, PullRequestRef } from "../../src/adapters/github/github-source.js";

type Options = { throttle?: Record<string, unknown> } & Record<string, unknown>;

export const TestOctokit = ProbotOctokit.defaults((options: Options) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...options.throttle, enabled: false },
})) as typeof ProbotOctokit;

/** An installation's Octokit for adapter tests against nock: a token, no retries, no pacing. */
export function mockedOctokit(): Octokit {
  return new ProbotOctokit({
    auth: "test-token",
    throttle: { enabled: false },
    retry: { enabled: false },
  }) as Octokit;
}

/** A pull request of acme/fleet, as the handlers describe one to the adapters. */
export function pullRequestRef(overrides: Partial<PullRequestRef> = {}): PullRequestRef {
  return {
    owner: "acme",
    repo: "fleet",
    number: 3,
    baseSha: "b".repeat(40),
    headSha: "h".repeat(40),
    changedFiles: 1,
    headBranch: "feature",
    sameRepository: true,
    author: "dev",
    commitCount: 1,
    ...overrides,
  };
}
