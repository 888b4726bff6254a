// The pull request as repository policies read it (`data.portcullis.pull_request`): who wrote it,
// who approved it (and their teams), who owns each changed file, and how each commit is signed.
// In `data`, not `input`, because a conftest policy's input is the manifest itself.
import { latestReviews } from "../owners/approvals.js";
import { ownersOf, ownerText, parseCodeowners } from "../owners/codeowners.js";
import type { PullRequestContext } from "../owners/git-checks.js";

export interface PolicyApproval {
  readonly login: string;
  /** The commit the approval was given on. */
  readonly commit_id: string;
  /** Given on an older commit than the head. */
  readonly stale: boolean;
  /** Teams (`org/slug`, lower case) the approver belongs to, among those the app looked up. */
  readonly teams: readonly string[];
}

export interface PolicyCommit {
  readonly sha: string;
  readonly author: string | null;
  readonly verified: boolean;
  /** GitHub's `verification.reason` (`valid`, `unsigned`, ...); locally `valid`, `unsigned`, `bad` or `unverifiable_locally`. */
  readonly reason: string;
  readonly signature_type: string | null;
}

export interface PolicyPullRequest {
  /** `github` in the app; `local` in `portcullis review`, where nobody has approved anything. */
  readonly source: "github" | "local";
  readonly number: number | null;
  readonly author: string;
  readonly base_sha: string;
  readonly head_sha: string;
  readonly changed_files: readonly string[];
  /** false when GitHub listed fewer files than changed (it lists 3,000 at most). */
  readonly changed_files_complete: boolean;
  readonly approvals: readonly PolicyApproval[];
  /** Reviewers whose latest review requests changes. */
  readonly changes_requested: readonly string[];
  /** The owners (`@user`, `@org/team`, email) of each changed file, from the base's CODEOWNERS. */
  readonly owners: Readonly<Record<string, readonly string[]>>;
  readonly commits: readonly PolicyCommit[];
  /** false when GitHub listed fewer commits than the pull request has (it lists 250 at most). */
  readonly commits_complete: boolean;
  /** Teams looked up for `approvals[].teams`. */
  readonly teams_checked: readonly string[];
}

function ownersByFile(
  codeownersText: string | undefined,
  paths: readonly string[],
): Record<string, string[]> {
  const codeowners = parseCodeowners(codeownersText ?? "");
  return Object.fromEntries(
    paths.map((p) => [p, (ownersOf(codeowners, p)?.owners ?? []).map(ownerText)]),
  );
}

/** From what the app read from GitHub (the same reads the Git-layer checks use). */
export function policyPullRequestOf(
  context: PullRequestContext,
  pr: { readonly number: number; readonly baseSha: string },
): PolicyPullRequest {
  const latest = [...latestReviews(context.reviews).values()];
  const author = context.author.toLowerCase();
  const approvals = latest
    .filter((r) => r.state === "APPROVED" && r.login.toLowerCase() !== author)
    .map((r) => ({
      login: r.login,
      commit_id: r.commitId,
      stale: r.commitId !== context.headSha,
      teams: [...context.teamMembers]
        .filter(([, members]) => members.has(r.login.toLowerCase()))
        .map(([team]) => team)
        .sort(),
    }));
  return {
    source: "github",
    number: pr.number,
    author: context.author,
    base_sha: pr.baseSha,
    head_sha: context.headSha,
    changed_files: context.changedPaths,
    changed_files_complete: context.changedPathsComplete ?? true,
    approvals,
    changes_requested: latest.filter((r) => r.state === "CHANGES_REQUESTED").map((r) => r.login),
    owners: ownersByFile(context.codeowners?.text, context.changedPaths),
    commits: context.commits.map((c) => ({
      sha: c.sha,
      author: c.author ?? null,
      verified: c.verified,
      reason: c.reason,
      signature_type: c.signatureType ?? null,
    })),
    commits_complete: context.commitsComplete,
    teams_checked: [...context.teamMembers.keys()].sort(),
  };
}

export type LocalSignatureStatus = "verified" | "unsigned" | "bad" | "unverifiable";

const LOCAL_REASONS: Record<LocalSignatureStatus, string> = {
  verified: "valid",
  unsigned: "unsigned",
  bad: "bad",
  unverifiable: "unverifiable_locally",
};

/** From a local repository: owners from CODEOWNERS at the base, signatures as git sees them, no approvals. */
export function localPolicyPullRequest(input: {
  readonly author: string;
  readonly baseSha: string;
  readonly headSha: string;
  readonly changedPaths: readonly string[];
  readonly codeownersText?: string;
  readonly commits: readonly {
    readonly sha: string;
    readonly author: string;
    readonly status: LocalSignatureStatus;
  }[];
}): PolicyPullRequest {
  return {
    source: "local",
    number: null,
    author: input.author,
    base_sha: input.baseSha,
    head_sha: input.headSha,
    changed_files: input.changedPaths,
    changed_files_complete: true,
    approvals: [],
    changes_requested: [],
    owners: ownersByFile(input.codeownersText, input.changedPaths),
    commits: input.commits.map((c) => ({
      sha: c.sha,
      author: c.author,
      verified: c.status === "verified",
      reason: LOCAL_REASONS[c.status],
      signature_type: null,
    })),
    commits_complete: true,
    teams_checked: [],
  };
}
