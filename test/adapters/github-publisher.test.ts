// The publisher against strict nock mocks: one review without repeats, stale threads resolved.
import nock from "nock";
import { ProbotOctokit } from "probot";
import { GitHubReviewPublisher } from "../../src/adapters/github/github-publisher.js";
import type { Octokit } from "../../src/adapters/github/github-source.js";

const marker = (fp: string) => `finding text\n\n<!-- portcullis:fingerprint=${fp} -->`;
const thread = (id: string, path: string, body: string, isResolved = false) => ({
  id,
  isResolved,
  path,
  comments: { nodes: [{ body }] },
});

describe("GitHubReviewPublisher.postReview", () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("skips comments already on the PR, posts the rest once, and resolves threads whose finding is gone", async () => {
    const octokit = new ProbotOctokit({
      auth: "test-token",
      throttle: { enabled: false },
      retry: { enabled: false },
    }) as Octokit;
    const publisher = new GitHubReviewPublisher(octokit, {
      owner: "acme",
      repo: "fleet",
      number: 9,
    });
    const resolved: string[] = [];
    let review: { comments: { path: string; body: string }[] } | undefined;
    const api = nock("https://api.github.com")
      .get("/repos/acme/fleet/pulls/9/comments")
      .query({ per_page: 100 })
      .reply(200, [
        { path: "a.yaml", body: marker("aaaa") },
        { path: "a.yaml", body: marker("bbbb") },
        { path: "a.yaml", body: marker("cccc") },
        { path: "a.yaml", body: "a human's comment" },
      ])
      .post("/graphql", (b: { query: string }) => b.query.includes("reviewThreads"))
      .reply(200, {
        data: {
          repository: {
            pullRequest: {
              reviewThreads: {
                pageInfo: { hasNextPage: false, endCursor: null },
                nodes: [
                  thread("T1", "a.yaml", marker("aaaa")), // still open: kept, and not posted again
                  thread("T2", "a.yaml", marker("bbbb")), // fixed by this push: resolved
                  thread("T3", "a.yaml", marker("cccc"), true), // already resolved: left alone
                  thread("T4", "a.yaml", "a human's comment"), // not ours: left alone
                ],
              },
            },
          },
        },
      })
      .post("/graphql", (b: { query: string; variables: { threadId: string } }) => {
        if (!b.query.includes("resolveReviewThread")) return false;
        resolved.push(b.variables.threadId);
        return true;
      })
      .reply(200, { data: { resolveReviewThread: { thread: { id: "T2" } } } })
      .post("/repos/acme/fleet/pulls/9/reviews", (b) => ((review = b), true))
      .reply(200, { id: 1 });

    const result = await publisher.postReview(
      "f".repeat(40),
      "body",
      [
        { path: "a.yaml", line: 3, side: "RIGHT", body: marker("aaaa") },
        { path: "a.yaml", line: 7, side: "RIGHT", body: marker("dddd") },
      ],
      new Set(["a.yaml\u0000aaaa", "a.yaml\u0000dddd", "a.yaml\u0000cccc"]),
    );

    expect(api.pendingMocks()).toEqual([]);
    expect(resolved).toEqual(["T2"]);
    expect(review!.comments.map((c) => c.body)).toEqual([marker("dddd")]);
    expect(result).toEqual({ posted: 1, resolved: 1 });
  });

  it("gives up the review, not the check, when GitHub refuses it (422)", async () => {
    const octokit = new ProbotOctokit({
      auth: "test-token",
      throttle: { enabled: false },
      retry: { enabled: false },
    }) as Octokit;
    const publisher = new GitHubReviewPublisher(octokit, {
      owner: "acme",
      repo: "fleet",
      number: 9,
    });
    nock("https://api.github.com")
      .get("/repos/acme/fleet/pulls/9/comments")
      .query({ per_page: 100 })
      .reply(200, [])
      .post("/repos/acme/fleet/pulls/9/reviews")
      .reply(422, { message: "Pull request review thread line must be part of the diff" });
    const result = await publisher.postReview(
      "f".repeat(40),
      "body",
      [{ path: "a.yaml", line: 3, side: "RIGHT", body: marker("eeee") }],
      new Set(),
    );
    expect(result).toEqual({ posted: 0, resolved: 0 });
  });
});
