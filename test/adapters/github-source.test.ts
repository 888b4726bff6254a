// The GitHub source against strict nock mocks: pagination, a cut file list, contents by GraphQL.
import nock from "nock";
import { mockedOctokit, pullRequestRef } from "../support/octokit.js";
import { GitHubPullRequestSource } from "../../src/adapters/github/github-source.js";

const ref = pullRequestRef({ changedFiles: 3500 });

const octokit = mockedOctokit;

describe("GitHubPullRequestSource", () => {
  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  it("reads every page of the file list and says so when GitHub cut it (3,500 changed, fewer listed)", async () => {
    const page = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ filename: `f${i}.yaml`, status: "changed" }));
    const api = nock("https://api.github.com")
      .get("/repos/acme/fleet/pulls/3/files")
      .query({ per_page: 100 })
      .reply(200, page(100), {
        link: '<https://api.github.com/repos/acme/fleet/pulls/3/files?per_page=100&page=2>; rel="next"',
      })
      .get("/repos/acme/fleet/pulls/3/files")
      .query({ per_page: 100, page: 2 })
      .reply(200, page(50));
    const list = await new GitHubPullRequestSource(octokit(), ref).changedFiles();
    expect(api.pendingMocks()).toEqual([]);
    expect(list.files).toHaveLength(150);
    expect(list.files[0]!.status).toBe("modified");
    expect(list).toMatchObject({ complete: false, total: 3500 });
  });

  it("asks once per commit for a file, also one that does not exist there", async () => {
    const api = nock("https://api.github.com")
      .get("/repos/acme/fleet/contents/CODEOWNERS")
      .query({ ref: ref.baseSha })
      .once()
      .reply(404, { message: "Not Found" });
    const source = new GitHubPullRequestSource(octokit(), ref);
    expect(await source.readFile(ref.baseSha, "CODEOWNERS")).toBeUndefined();
    expect(await source.readFile(ref.baseSha, "CODEOWNERS")).toBeUndefined();
    expect(api.pendingMocks()).toEqual([]);
  });

  it("reads contents in one GraphQL query, exact bytes of binary or truncated blobs from the blob API", async () => {
    const api = nock("https://api.github.com")
      .post("/graphql")
      .reply(200, {
        data: {
          repository: {
            f0: { oid: "1", isBinary: false, isTruncated: false, text: "kind: A\n" },
            f1: null,
            f2: { oid: "2", isBinary: true, isTruncated: false, text: null },
          },
        },
      })
      .get("/repos/acme/fleet/git/blobs/2")
      .reply(200, { content: Buffer.from([0, 1, 2]).toString("base64"), encoding: "base64" });
    const [a, missing, binary] = await new GitHubPullRequestSource(octokit(), ref).readFiles([
      { commit: ref.headSha, path: "a.yaml" },
      { commit: ref.headSha, path: "gone.yaml" },
      { commit: ref.headSha, path: "bin.yaml" },
    ]);
    expect(api.pendingMocks()).toEqual([]);
    expect(Buffer.from(a!).toString()).toBe("kind: A\n");
    expect(missing).toBeUndefined();
    expect([...binary!]).toEqual([0, 1, 2]);
  });

  it("refuses a tree GitHub truncated rather than review with files missing", async () => {
    const api = nock("https://api.github.com")
      .get(`/repos/acme/fleet/git/trees/${ref.baseSha}`)
      .query({ recursive: "true" })
      .reply(200, { sha: ref.baseSha, truncated: true, tree: [{ path: "a.yaml", type: "blob" }] });
    await expect(
      new GitHubPullRequestSource(octokit(), ref).listPaths(ref.baseSha),
    ).rejects.toThrow(/too large for GitHub to list/);
    expect(api.pendingMocks()).toEqual([]);
  });

  it("names the tree's symbolic links (mode 120000) from the same tree listing", async () => {
    const api = nock("https://api.github.com")
      .get(`/repos/acme/fleet/git/trees/${ref.headSha}`)
      .query({ recursive: "true" })
      .reply(200, {
        sha: ref.headSha,
        truncated: false,
        tree: [
          { path: "apps/pod.yaml", type: "blob", mode: "120000" },
          { path: "apps/web.yaml", type: "blob", mode: "100644" },
          { path: "apps", type: "tree", mode: "040000" },
        ],
      });
    const source = new GitHubPullRequestSource(octokit(), ref);
    expect(await source.listPaths(ref.headSha)).toEqual(["apps/pod.yaml", "apps/web.yaml"]);
    expect([...(await source.symbolicLinks(ref.headSha))]).toEqual(["apps/pod.yaml"]);
    expect(api.pendingMocks()).toEqual([]);
  });
});
