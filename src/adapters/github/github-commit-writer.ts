// One commit through the Git data API: a tree on top of the head's, a commit, a fast-forward ref update.
import type { CommitWriter, FileChange } from "../../ports/commit-writer.js";
import type { Octokit } from "./github-source.js";

export class GitHubCommitWriter implements CommitWriter {
  constructor(
    private readonly octokit: Octokit,
    private readonly repo: { owner: string; repo: string },
  ) {}

  async commitFiles(
    branch: string,
    headSha: string,
    message: string,
    files: readonly FileChange[],
  ): Promise<string> {
    const { owner, repo } = this.repo;
    const head = await this.octokit.rest.git.getCommit({ owner, repo, commit_sha: headSha });
    const tree = await this.octokit.rest.git.createTree({
      owner,
      repo,
      base_tree: head.data.tree.sha,
      tree: files.map((f) => ({
        path: f.path,
        mode: "100644" as const,
        type: "blob" as const,
        content: f.text,
      })),
    });
    const commit = await this.octokit.rest.git.createCommit({
      owner,
      repo,
      message,
      tree: tree.data.sha,
      parents: [headSha],
    });
    // Not forced: if the branch moved since the review, GitHub refuses and nothing is lost.
    await this.octokit.rest.git.updateRef({
      owner,
      repo,
      ref: `heads/${branch}`,
      sha: commit.data.sha,
      force: false,
    });
    return commit.data.sha;
  }
}
