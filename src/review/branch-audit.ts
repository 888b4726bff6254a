// The base branch's protection judged against what Portcullis needs of it: its checks required,
// code owners' reviews required, signed commits required. Pure: the facts come from the adapter.
import type { Config } from "../config/config.js";
import type { BranchAudit, BranchProtection } from "../ports/branch-protection.js";
import { POLICY_CHECK_NAME } from "../render/check-run.js";
import { CODE_OWNERS_CHECK, SIGNED_COMMITS_CHECK } from "../owners/git-checks.js";

/** The check names this repository's configuration has Portcullis post. */
export function checksOf(config: Config): string[] {
  return [
    POLICY_CHECK_NAME,
    ...(config.codeOwners.enabled ? [CODE_OWNERS_CHECK] : []),
    ...(config.signedCommits.enabled ? [SIGNED_COMMITS_CHECK] : []),
  ];
}

/** A rule either source requires; undefined when neither requires it and one could not tell. */
function either(a: boolean | undefined, b: boolean | undefined): boolean | undefined {
  if (a === true || b === true) return true;
  return a === undefined || b === undefined ? undefined : false;
}

export function auditBranch(p: BranchProtection, config: Config): BranchAudit {
  const required = new Set([...p.rulesets.requiredChecks, ...p.classic.requiredChecks]);
  return {
    branch: p.branch,
    missingChecks: checksOf(config).filter((c) => !required.has(c)),
    codeOwnerReviews: either(p.rulesets.codeOwnerReviews, p.classic.codeOwnerReviews),
    signedCommits: either(p.rulesets.signedCommits, p.classic.signedCommits),
    unreadable: [p.rulesets, p.classic]
      .filter((s) => !s.readable && s.reason !== undefined)
      .map((s) => s.reason!),
    settingsUrls: p.settingsUrls,
  };
}
