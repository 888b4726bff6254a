// Types for the loopback GitHub stand-in (scripts/github-stand-in.mjs), used by tests and the app bench.
// @ts-expect-error: a plain ES module (scripts/ shares it with the app benchmark)
import * as standIn from "../../scripts/github-stand-in.mjs";

const { githubRefusals: refusals, startGitHubStandIn: start } = standIn as {
  githubRefusals: unknown;
  startGitHubStandIn: unknown;
};

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** Answered with an injected fault. */
  readonly fault?: boolean;
  /** When it arrived (ms since the epoch). */
  readonly at?: number;
  /** Why the stand-in refused it with 422, as GitHub would (its schema, its limits). */
  readonly refused?: string[];
  /** Where the stand-in's answer differs from GitHub's response schema (when validated). */
  readonly responseErrors?: string[];
  /** For a check run's update: the run's name and head commit. */
  readonly checkRun?: { readonly name: string; readonly head_sha: string };
}

/** The repository the stand-in serves: files by commit, and the pull request's changed files. */
export interface StandInRepo {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly files: Record<string, Record<string, string>>; // commit -> path -> text
  readonly changed: { filename: string; status: string; patch?: string }[];
  readonly reviews?: unknown[];
  readonly commits?: unknown[];
  /** What GET /pulls/{number} answers for `number` (404 without it). */
  readonly pullRequest?: unknown;
  /** Members of each team, by "org/slug" (a team not listed answers 404). */
  readonly teams?: Record<string, string[]>;
  /** Errors of a request body against GitHub's schema (test/support/openapi.ts): answered 422. */
  readonly validate?: (method: string, path: string, body: unknown) => string[];
  /** GET /rules/branches/{branch}: the rules of the rulesets in force ([] when not given). */
  readonly branchRules?: unknown[];
  /** GET /branches/{branch}/protection: the protected-branch object, "forbidden" (403), or none (404). */
  readonly classicProtection?: Record<string, unknown> | "forbidden";
  /** The branch's required checks as GET /branches/{branch} shows them, without classic protection read. */
  readonly branchRequiredChecks?: { contexts?: string[] };
  /** Errors of the stand-in's answer against GitHub's response schema (recorded, not refused). */
  readonly validateResponse?: (
    method: string,
    path: string,
    status: number,
    body: unknown,
  ) => string[];
  /** Injected faults: the first `times` (default 1) requests matching method and path (a regex). */
  readonly faults?: {
    readonly method: string;
    readonly path: string;
    readonly times?: number;
    /** Only requests whose body contains this text. */
    readonly body?: string;
    readonly status?: number;
    readonly headers?: Record<string, string>;
    readonly message?: string;
    /** Close the connection without an answer. */
    readonly reset?: boolean;
    /** Never answer. */
    readonly hang?: boolean;
  }[];
}

export interface GitHubStandIn {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Check runs by id, as they stand. */
  readonly checkRuns: Map<
    number,
    { name: string; head_sha: string; status: string; conclusion: string | null }
  >;
  /** What "Apply fixes" wrote through the Git data API: trees, commits, and branches moved. */
  readonly created: {
    trees: Map<string, { base_tree: string; tree: { path: string; content: string }[] }>;
    commits: Map<string, { message: string; tree: string; parents: string[] }>;
    refs: Map<string, string>;
  };
  close(): Promise<void>;
  /** Resolves when a request matching `predicate` has been answered (or rejects after `ms`). */
  waitFor(predicate: (r: RecordedRequest) => boolean, ms?: number): Promise<RecordedRequest>;
}

export const startGitHubStandIn = start as (repo: StandInRepo) => Promise<GitHubStandIn>;
/** Why GitHub would refuse this request body with 422 (its limits on texts, annotations, actions). */
export const githubRefusals = refusals as (method: string, path: string, body: unknown) => string[];

/**
 * The body of the last request that completed the check run `name` (a create or an update: an
 * update names its run through `checkRun`), as the caller types it; undefined when none did.
 */
export function lastCompletedCheck<T>(
  requests: readonly RecordedRequest[],
  name: string,
): T | undefined {
  const completed = requests.filter((r) => {
    const b = r.body as { name?: string; status?: string } | undefined;
    return b?.status === "completed" && (b.name ?? r.checkRun?.name) === name;
  });
  return completed.at(-1)?.body as T | undefined;
}
