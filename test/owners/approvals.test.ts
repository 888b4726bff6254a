import {
  approvalsPass,
  evaluateApprovals,
  latestReviews,
  type ApprovalContext,
  type Review,
} from "../../src/owners/approvals.js";
import { parseCodeowners } from "../../src/owners/codeowners.js";

const CODEOWNERS = parseCodeowners(
  [
    "* @acme/platform",
    "/clusters/prod/ @acme/security @acme/platform",
    "/apps/ @alice",
    "/apps/sandbox/",
    "/docs/ docs@example.com",
  ].join("\n"),
);
const HEAD = "h".repeat(40);
const review = (login: string, state: Review["state"], at: string, commitId = HEAD): Review => ({
  login,
  state,
  commitId,
  submittedAt: at,
});

function context(reviews: Review[], author = "dave"): ApprovalContext {
  return {
    author,
    headSha: HEAD,
    reviews,
    teamMembers: new Map([
      ["acme/platform", new Set(["paula", "dave"])],
      ["acme/security", new Set(["sam"])],
    ]),
    emailLogins: new Map([["docs@example.com", "dora"]]),
  };
}

const options = {
  requireAllOwners: false,
  dismissStaleApprovals: false,
  mustBeOwned: (p: string) => p.startsWith("clusters/"),
};
const verdict = (path: string, reviews: Review[], opts = options, author = "dave") =>
  evaluateApprovals([path], CODEOWNERS, context(reviews, author), opts)[0]!.verdict;

describe("code-owner approvals", () => {
  it("counts only each reviewer's latest review with a verdict", () => {
    const latest = latestReviews([
      review("alice", "APPROVED", "2026-01-01T10:00:00Z"),
      review("alice", "COMMENTED", "2026-01-01T11:00:00Z"),
      review("bob", "APPROVED", "2026-01-01T10:00:00Z"),
      review("bob", "CHANGES_REQUESTED", "2026-01-01T12:00:00Z"),
    ]);
    expect(latest.get("alice")?.state).toBe("APPROVED");
    expect(latest.get("bob")?.state).toBe("CHANGES_REQUESTED");
  });

  it("accepts an approval by a member of an owning team", () => {
    expect(verdict("README.md", [review("paula", "APPROVED", "2026-01-01T10:00:00Z")])).toEqual({
      kind: "approved",
      owners: ["@acme/platform"],
      by: ["paula"],
    });
  });

  it("does not let the author approve their own change, even as a team member", () => {
    expect(verdict("README.md", [review("dave", "APPROVED", "2026-01-01T10:00:00Z")]).kind).toBe(
      "waiting",
    );
  });

  it("ignores dismissed approvals", () => {
    expect(
      verdict("apps/web.yaml", [review("alice", "DISMISSED", "2026-01-01T10:00:00Z")]).kind,
    ).toBe("waiting");
  });

  it("can require every owning team, which GitHub cannot", () => {
    const reviews = [review("paula", "APPROVED", "2026-01-01T10:00:00Z")];
    expect(verdict("clusters/prod/apps.yaml", reviews).kind).toBe("approved");
    expect(
      verdict("clusters/prod/apps.yaml", reviews, { ...options, requireAllOwners: true }),
    ).toEqual({
      kind: "waiting",
      owners: ["@acme/security", "@acme/platform"],
      missing: ["@acme/security"],
    });
  });

  it("can treat approvals of an older commit as stale", () => {
    const old = [review("alice", "APPROVED", "2026-01-01T10:00:00Z", "0".repeat(40))];
    expect(verdict("apps/web.yaml", old).kind).toBe("approved");
    expect(verdict("apps/web.yaml", old, { ...options, dismissStaleApprovals: true }).kind).toBe(
      "waiting",
    );
  });

  it("maps an email owner to the account GitHub links it to", () => {
    expect(
      verdict("docs/guide.md", [review("dora", "APPROVED", "2026-01-01T10:00:00Z")]).kind,
    ).toBe("approved");
  });

  it("fails a path that must be owned when ownership was cleared, and passes others", () => {
    const files = evaluateApprovals(["apps/sandbox/x.yaml"], CODEOWNERS, context([]), options);
    expect(files[0]!.verdict).toEqual({ kind: "unowned", required: false });
    expect(approvalsPass(files)).toBe(true);
    const cleared = parseCodeowners("* @acme/platform\n/clusters/\n");
    const required = evaluateApprovals(["clusters/prod/apps.yaml"], cleared, context([]), options);
    expect(required[0]!.verdict).toEqual({ kind: "unowned", required: true });
    expect(approvalsPass(required)).toBe(false);
  });
});
