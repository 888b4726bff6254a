// An Octokit for tests that talk to mocks: no retries, no throttling. Probot merges its own throttle
// options over an object given to `defaults`, so the options are set in a function, after Probot's.
import { ProbotOctokit } from "probot";

type Options = { throttle?: Record<string, unknown> } & Record<string, unknown>;

export const TestOctokit = ProbotOctokit.defaults((options: Options) => ({
  ...options,
  retry: { enabled: false },
  throttle: { ...options.throttle, enabled: false },
})) as typeof ProbotOctokit;
