// The local git source reads many files with one `git cat-file --batch`, as exactly as one by one.
import { LocalGitSource } from "../../src/adapters/git/local-git-source.js";
import { gitRepo } from "../support/git-repo.js";

describe("LocalGitSource.readFiles", () => {
  const r = gitRepo();
  r.write("a.yaml", "kind: A\n");
  r.write("dir/b.yaml", "kind: B\nno trailing newline");
  r.write("empty.yaml", "");
  r.commit("base");
  const source = new LocalGitSource(r.dir, "HEAD");

  it("returns blobs in the order asked, and nothing for a missing path or a folder", async () => {
    const text = (b: Uint8Array | undefined) =>
      b === undefined ? undefined : Buffer.from(b).toString("utf8");
    const read = await source.readFiles(
      ["a.yaml", "missing.yaml", "dir/b.yaml", "dir", "empty.yaml", "a.yaml"].map((path) => ({
        commit: source.head,
        path,
      })),
    );
    expect(read.map(text)).toEqual([
      "kind: A\n",
      undefined,
      "kind: B\nno trailing newline",
      undefined,
      "",
      "kind: A\n",
    ]);
  });
});
