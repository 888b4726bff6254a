// What protects the base branch of a change, as far as the app may read it: rulesets (readable
// with `metadata: read`) and classic branch protection (in full only with `administration: read`).

/** One source of protection, as read. */
export interface ProtectionSource {
  /** Whether it could be read; when not, why (shown, never guessed). */
  readonly readable: boolean;
  readonly reason?: string;
  /** Status checks it requires, by name (context). */
  readonly requiredChecks: readonly string[];
  /** Whether it requires a review from code owners; undefined when this source cannot tell. */
  readonly codeOwnerReviews?: boolean;
  /** Whether it requires signed commits; undefined when this source cannot tell. */
  readonly signedCommits?: boolean;
}

export interface BranchProtection {
  readonly branch: string;
  readonly rulesets: ProtectionSource;
  readonly classic: ProtectionSource;
  /** Where an admin fixes it: the repository's rulesets and branches settings pages. */
  readonly settingsUrls: { readonly rulesets: string; readonly branches: string };
}

/** Reads the protection of one branch. */
export interface BranchProtectionReader {
  read(branch: string): Promise<BranchProtection>;
}

/** What the policies check says about the base branch's protection. */
export interface BranchAudit {
  readonly branch: string;
  /** Portcullis checks this repository runs that no rule requires. */
  readonly missingChecks: readonly string[];
  /** Whether a rule requires code owners' reviews (undefined: could not be read). */
  readonly codeOwnerReviews: boolean | undefined;
  /** Whether a rule requires signed commits (undefined: could not be read). */
  readonly signedCommits: boolean | undefined;
  /** Why parts could not be read. */
  readonly unreadable: readonly string[];
  readonly settingsUrls: BranchProtection["settingsUrls"];
}
