// What the Git-layer checks (src/owners/) read about a pull request, as the platform adapters give it.
import type { Review } from "../owners/approvals.js";
import type { CodeownersError } from "../owners/codeowners.js";
import type { CommitVerification } from "../owners/signatures.js";

/** What the Git-layer checks read about a pull request (all from the base repository). */
export interface PullRequestContext {
  readonly author: string;
  readonly headSha: string;
  readonly changedPaths: readonly string[];
  /** false when the platform listed fewer changed files than the pull request has. */
  readonly changedPathsComplete?: boolean;
  readonly reviews: readonly Review[];
  /** CODEOWNERS from the base commit (the first of .github/, root, docs/), when there is one. */
  readonly codeowners?: { readonly path: string; readonly text: string };
  /** Problems GitHub itself reports for that file (its `codeowners/errors` endpoint), when asked. */
  readonly codeownersErrors?: readonly CodeownersError[];
  readonly teamMembers: ReadonlyMap<string, ReadonlySet<string>>;
  readonly emailLogins: ReadonlyMap<string, string>;
  readonly commits: readonly CommitVerification[];
  /** false when GitHub listed fewer commits than the pull request has (its cap is 250). */
  readonly commitsComplete: boolean;
  readonly commitCount: number;
}
