// What the Git-layer checks need from GitHub: CODEOWNERS at the base, reviews, team members, commits.
import type { Review, ReviewState } from "../../owners/approvals.js";
import {
  CODEOWNERS_PATHS,
  findCodeowners,
  ownersOf,
  parseCodeowners,
} from "../../owners/codeowners.js";
import { signatureTypeOf, type CommitVerification } from "../../owners/signatures.js";
import type { PullRequestContext } from "../../ports/pull-request-context.js";
import { httpStatus } from "./http-status.js";
import { GITHUB_LIMITS } from "../../render/github-limits.js";
import { GitHubPullRequestSource, type Octokit, type PullRequestRef } from "./github-source.js";

/** GitHub lists at most this many commits of a pull request. */
const MAX_LISTED_COMMITS = GITHUB_LIMITS.listedCommits;

/** A team the app cannot see or read (404, 403) has no members it knows of. */
function isMissing(err: unknown): boolean {
  const status = httpStatus(err);
  return status === 404 || status === 403;
}

/**
 * The base's CODEOWNERS. The base's tree (listed once per review, usually already by then) says
 * which of the three places hold a file, so places that do not exist cost no request; a tree
 * GitHub cannot list whole falls back to asking for each place.
 */
export async function loadCodeowners(
  source: GitHubPullRequestSource,
): Promise<{ path: string; text: string } | undefined> {
  let present: ReadonlySet<string> | undefined;
  try {
    const paths = new Set(await source.listPaths(source.base));
    present = new Set(CODEOWNERS_PATHS.filter((p) => paths.has(p)));
  } catch {
    present = undefined;
  }
  return findCodeowners((path) =>
    present !== undefined && !present.has(path)
      ? Promise.resolve(undefined)
      : source.readFile(source.base, path),
  );
}

async function loadReviews(octokit: Octokit, ref: PullRequestRef): Promise<Review[]> {
  const reviews: Review[] = [];
  for await (const page of octokit.paginate.iterator(octokit.rest.pulls.listReviews, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.number,
    per_page: 100,
  })) {
    for (const r of page.data) {
      if (!r.user?.login || !r.submitted_at) continue;
      reviews.push({
        login: r.user.login,
        state: r.state as ReviewState,
        commitId: r.commit_id ?? "",
        submittedAt: r.submitted_at,
      });
    }
  }
  return reviews;
}

/** Members of each team that owns one of the changed paths (a team the app cannot read has none). */
async function loadTeamMembers(
  octokit: Octokit,
  teams: ReadonlySet<string>,
): Promise<Map<string, Set<string>>> {
  const members = new Map<string, Set<string>>();
  for (const team of teams) {
    const [org, slug] = team.split("/") as [string, string];
    const logins = new Set<string>();
    try {
      for await (const page of octokit.paginate.iterator(octokit.rest.teams.listMembersInOrg, {
        org,
        team_slug: slug,
        per_page: 100,
      })) {
        for (const m of page.data) logins.add(m.login.toLowerCase());
      }
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    members.set(team.toLowerCase(), logins);
  }
  return members;
}

/**
 * The account of each email owner, found through user search (`in:email`). GitHub matches
 * CODEOWNERS emails against verified emails it does not expose; the API only finds public ones,
 * so an email that maps to no account, or to several, stays unmapped and cannot approve.
 */
async function loadEmailLogins(
  octokit: Octokit,
  emails: ReadonlySet<string>,
): Promise<Map<string, string>> {
  const logins = new Map<string, string>();
  for (const email of emails) {
    try {
      const { data } = await octokit.rest.search.users({ q: `${email} in:email`, per_page: 2 });
      const hit = data.total_count === 1 ? data.items[0] : undefined;
      if (!hit) continue;
      // Search matches loosely: only an account whose public email is exactly this one counts.
      const { data: user } = await octokit.rest.users.getByUsername({ username: hit.login });
      if (user.email?.toLowerCase() === email) logins.set(email, hit.login);
    } catch (err) {
      if (!isMissing(err) && httpStatus(err) !== 422) throw err;
    }
  }
  return logins;
}

/** GitHub's own errors for the base's CODEOWNERS (unknown users and teams among them). */
async function loadCodeownersErrors(
  octokit: Octokit,
  ref: PullRequestRef,
): Promise<{ line: number; message: string }[]> {
  try {
    const { data } = await octokit.rest.repos.codeownersErrors({
      owner: ref.owner,
      repo: ref.repo,
      ref: ref.baseSha,
    });
    return data.errors.map((e) => ({
      line: e.line,
      message: `GitHub: ${e.message.split("\n")[0]}${e.suggestion ? ` (${e.suggestion})` : ""}`,
    }));
  } catch (err) {
    // Not available (GitHub Enterprise Server before 3.4, no access): our own parse still reports.
    if (isMissing(err)) return [];
    throw err;
  }
}

async function loadCommits(octokit: Octokit, ref: PullRequestRef): Promise<CommitVerification[]> {
  const commits: CommitVerification[] = [];
  for await (const page of octokit.paginate.iterator(octokit.rest.pulls.listCommits, {
    owner: ref.owner,
    repo: ref.repo,
    pull_number: ref.number,
    per_page: 100,
  })) {
    for (const c of page.data) {
      const verification = c.commit.verification;
      commits.push({
        sha: c.sha,
        verified: verification?.verified === true,
        reason: verification?.reason ?? "unsigned",
        author: c.author?.login,
        authorIsBot: c.author?.type === "Bot" || (c.author?.login ?? "").endsWith("[bot]"),
        parents: c.parents.length,
        signatureType: signatureTypeOf(verification?.signature),
      });
    }
  }
  return commits;
}

export interface ContextNeeds {
  readonly codeOwners: boolean;
  readonly signedCommits: boolean;
  /** More teams (`org/slug`) whose members to read, beyond those owning a changed file. */
  readonly teams?: readonly string[];
}

export async function loadPullRequestContext(
  octokit: Octokit,
  ref: PullRequestRef,
  changedPaths: readonly string[],
  needs: ContextNeeds,
  source = new GitHubPullRequestSource(octokit, ref),
): Promise<PullRequestContext> {
  const codeowners = needs.codeOwners ? await loadCodeowners(source) : undefined;
  const teams = new Set<string>((needs.teams ?? []).map((t) => t.replace(/^@/, "")));
  const emails = new Set<string>();
  if (codeowners) {
    const parsed = parseCodeowners(codeowners.text);
    for (const path of changedPaths) {
      for (const o of ownersOf(parsed, path)?.owners ?? []) {
        if (o.kind === "team") teams.add(`${o.org}/${o.slug}`);
        if (o.kind === "email") emails.add(o.email.toLowerCase());
      }
    }
  }
  const commits = needs.signedCommits ? await loadCommits(octokit, ref) : [];
  return {
    author: ref.author,
    headSha: ref.headSha,
    changedPaths,
    reviews: needs.codeOwners ? await loadReviews(octokit, ref) : [],
    codeowners,
    codeownersErrors: codeowners ? await loadCodeownersErrors(octokit, ref) : [],
    teamMembers: await loadTeamMembers(octokit, teams),
    emailLogins: await loadEmailLogins(octokit, emails),
    commits,
    commitsComplete:
      commits.length >= Math.min(ref.commitCount, MAX_LISTED_COMMITS) &&
      ref.commitCount <= MAX_LISTED_COMMITS,
    commitCount: Math.max(ref.commitCount, commits.length),
  };
}

/**
 * The pull request's Git-layer facts, read once per review and shared by the repository policies
 * (`data.portcullis.pull_request`) and the code-owners and signed-commits checks.
 */
export class PullRequestFacts {
  #loaded: { needs: ContextNeeds; context: Promise<PullRequestContext> } | undefined;

  constructor(
    private readonly octokit: Octokit,
    private readonly ref: PullRequestRef,
    private readonly source: GitHubPullRequestSource,
  ) {}

  load(needs: ContextNeeds): Promise<PullRequestContext> {
    const had = this.#loaded?.needs;
    const covered =
      had !== undefined &&
      (had.codeOwners || !needs.codeOwners) &&
      (had.signedCommits || !needs.signedCommits) &&
      (needs.teams ?? []).every((t) => (had.teams ?? []).includes(t));
    if (!covered) {
      const union: ContextNeeds = {
        codeOwners: needs.codeOwners || (had?.codeOwners ?? false),
        signedCommits: needs.signedCommits || (had?.signedCommits ?? false),
        teams: [...new Set([...(had?.teams ?? []), ...(needs.teams ?? [])])],
      };
      const context = this.source.changedFiles().then(async (changes) => ({
        ...(await loadPullRequestContext(
          this.octokit,
          this.ref,
          changes.files.map((f) => f.path),
          union,
          this.source,
        )),
        changedPathsComplete: changes.complete,
      }));
      this.#loaded = { needs: union, context };
      context.catch(() => (this.#loaded = undefined));
    }
    return this.#loaded!.context;
  }
}
