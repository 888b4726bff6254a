// Code-owner approval of a pull request: who owns each changed file, and whether its owners approved.
import { ownerText, ownersOf, type Codeowners, type Owner } from "./codeowners.js";
import { compareText } from "../core/compare-text.js";

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";

export interface Review {
  readonly login: string;
  readonly state: ReviewState;
  /** The commit the review was submitted on. */
  readonly commitId: string;
  /** ISO time; reviews are read in this order. */
  readonly submittedAt: string;
}

export interface ApprovalOptions {
  /** Every owning team (and user) of a file must approve, not just one of them. */
  readonly requireAllOwners: boolean;
  /** Approvals submitted on an older commit than the head do not count. */
  readonly dismissStaleApprovals: boolean;
  /** Globs (already compiled) of paths that must have an owner: an unowned file there fails. */
  readonly mustBeOwned: (path: string) => boolean;
}

export interface ApprovalContext {
  readonly author: string;
  readonly headSha: string;
  readonly reviews: readonly Review[];
  /** Members of each team owner, keyed "org/slug" (lower case); a team not listed has none known. */
  readonly teamMembers: ReadonlyMap<string, ReadonlySet<string>>;
  /** Login of each email owner that GitHub could map to an account. */
  readonly emailLogins: ReadonlyMap<string, string>;
}

export type FileVerdict =
  | {
      readonly kind: "approved";
      readonly owners: readonly string[];
      readonly by: readonly string[];
    }
  | {
      readonly kind: "waiting";
      readonly owners: readonly string[];
      readonly missing: readonly string[];
    }
  | { readonly kind: "unowned"; readonly required: boolean };

export interface FileApproval {
  readonly path: string;
  /** The CODEOWNERS line that decided, when one matched. */
  readonly line?: number;
  readonly verdict: FileVerdict;
}

/** Each reviewer's latest review that has a verdict (comments neither grant nor revoke approval). */
export function latestReviews(reviews: readonly Review[]): Map<string, Review> {
  const latest = new Map<string, Review>();
  for (const r of [...reviews].sort((a, b) => compareText(a.submittedAt, b.submittedAt))) {
    if (r.state === "COMMENTED" || r.state === "PENDING") continue;
    latest.set(r.login.toLowerCase(), r);
  }
  return latest;
}

/** Logins whose approval counts: latest review APPROVED, not the author, not stale if so configured. */
export function approvers(context: ApprovalContext, options: ApprovalOptions): Set<string> {
  const out = new Set<string>();
  for (const [login, review] of latestReviews(context.reviews)) {
    if (review.state !== "APPROVED") continue;
    if (login === context.author.toLowerCase()) continue;
    if (options.dismissStaleApprovals && review.commitId !== context.headSha) continue;
    out.add(login);
  }
  return out;
}

function approvedBy(
  owner: Owner,
  approved: ReadonlySet<string>,
  context: ApprovalContext,
): string[] {
  if (owner.kind === "user") return approved.has(owner.login.toLowerCase()) ? [owner.login] : [];
  if (owner.kind === "email") {
    const login = context.emailLogins.get(owner.email.toLowerCase());
    return login && approved.has(login.toLowerCase()) ? [login] : [];
  }
  const members =
    context.teamMembers.get(`${owner.org}/${owner.slug}`.toLowerCase()) ?? new Set<string>();
  return [...approved].filter((login) => members.has(login));
}

/** The verdict for every changed path. */
export function evaluateApprovals(
  paths: readonly string[],
  codeowners: Codeowners,
  context: ApprovalContext,
  options: ApprovalOptions,
): FileApproval[] {
  const approved = approvers(context, options);
  return paths.map((path) => {
    const match = ownersOf(codeowners, path);
    if (!match || match.owners.length === 0) {
      return {
        path,
        line: match?.line,
        verdict: { kind: "unowned", required: options.mustBeOwned(path) },
      };
    }
    const byOwner = match.owners.map((o) => ({
      owner: ownerText(o),
      by: approvedBy(o, approved, context),
    }));
    const satisfied = options.requireAllOwners
      ? byOwner.every((o) => o.by.length > 0)
      : byOwner.some((o) => o.by.length > 0);
    const owners = byOwner.map((o) => o.owner);
    if (satisfied) {
      return {
        path,
        line: match.line,
        verdict: { kind: "approved", owners, by: [...new Set(byOwner.flatMap((o) => o.by))] },
      };
    }
    return {
      path,
      line: match.line,
      verdict: {
        kind: "waiting",
        owners,
        missing: byOwner.filter((o) => o.by.length === 0).map((o) => o.owner),
      },
    };
  });
}

/** The check passes when no file waits for an owner and no file that must be owned is unowned. */
export function approvalsPass(files: readonly FileApproval[]): boolean {
  return files.every(
    (f) => f.verdict.kind === "approved" || (f.verdict.kind === "unowned" && !f.verdict.required),
  );
}
