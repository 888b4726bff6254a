// Contents at commit SHAs are cached across reviews: a second read of the same files asks GitHub
// only for what it has not seen; branch names are never cached; the byte budget evicts the oldest.
import nock from "nock";
import { mockedOctokit, pullRequestRef } from "../support/octokit.js";
import { ContentCache } from "../../src/adapters/github/content-cache.js";
import { GitHubPullRequestSource } from "../../src/adapters/github/github-source.js";

const SHA = "a".repeat(40);
const ref = pullRequestRef({ baseSha: SHA, headSha: "b".repeat(40) });
const octokit = mockedOctokit;

describe("ContentCache", () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("answers a second review's reads of the same commit without asking GitHub again", async () => {
    const cache = new ContentCache();
    const api = nock("https://api.github.com")
      .post("/graphql")
      .reply(200, {
        data: {
          repository: {
            f0: { oid: "1", isBinary: false, isTruncated: false, text: "kind: A\n" },
            f1: null,
          },
        },
      })
      .post("/graphql", (body: { variables: Record<string, string> }) => {
        // Only what was not read before is asked for; "absent" is asked again (never cached).
        return Object.keys(body.variables).filter((k) => k.startsWith("e")).length === 2;
      })
      .reply(200, {
        data: {
          repository: {
            f0: null,
            f1: { oid: "2", isBinary: false, isTruncated: false, text: "kind: C\n" },
          },
        },
      })
      .get(`/repos/acme/fleet/git/trees/${SHA}`)
      .query({ recursive: "true" })
      .reply(200, { sha: SHA, truncated: false, tree: [{ path: "a.yaml", type: "blob" }] });
    const first = new GitHubPullRequestSource(octokit(), ref, cache);
    await first.readFiles([
      { commit: SHA, path: "a.yaml" },
      { commit: SHA, path: "gone.yaml" },
    ]);
    await first.listPaths(SHA);
    const second = new GitHubPullRequestSource(octokit(), ref, cache);
    const [a, gone, c] = await second.readFiles([
      { commit: SHA, path: "a.yaml" },
      { commit: SHA, path: "gone.yaml" },
      { commit: SHA, path: "c.yaml" },
    ]);
    expect(await second.listPaths(SHA)).toEqual(["a.yaml"]);
    expect(await second.readFile(SHA, "a.yaml")).toEqual(a); // cached: no request
    expect(api.pendingMocks()).toEqual([]);
    expect(Buffer.from(a!).toString()).toBe("kind: A\n");
    expect(gone).toBeUndefined();
    expect(Buffer.from(c!).toString()).toBe("kind: C\n");
  });

  it("never caches a branch name, and evicts the least recently used beyond its budget", () => {
    const cache = new ContentCache(80);
    cache.setFile("r", "main", "x", new Uint8Array(5));
    expect(cache.getFile("r", "main", "x")).toBeUndefined();
    cache.setFile("r", SHA, "one", new Uint8Array(10));
    cache.setFile("r", SHA, "two", new Uint8Array(10));
    cache.getFile("r", SHA, "one"); // used: two is now the oldest
    for (let i = 0; i < 7; i++) cache.setFile("r", SHA, `f${i}`, new Uint8Array(10));
    expect(cache.getFile("r", SHA, "two")).toBeUndefined();
    expect(cache.getFile("r", SHA, "one")).toHaveLength(10);
  });
});
