// The pull-request port over GitHub's REST API: paginated file list, contents by commit, the tree.
import type { ProbotOctokit } from "probot";
import type { ChangedFile, ChangeList, ChangeStatus, PullRequestSource } from "../../ports/pull-request-source.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;

const PER_PAGE = 100;

export interface PullRequestRef {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly baseSha: string;
  readonly headSha: string;
  /** `changed_files` of the pull request, to detect a cut list. */
  readonly changedFiles: number;
}

function statusOf(status: string): ChangeStatus {
  switch (status) {
    case "added":
    case "removed":
    case "renamed":
    case "copied":
      return status;
    default:
      return "modified"; // "modified", "changed" (mode only), "unchanged"
  }
}

function isNotFound(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { status?: number }).status === 404;
}

export class GitHubPullRequestSource implements PullRequestSource {
  readonly base: string;
  readonly head: string;

  constructor(
    private readonly octokit: Octokit,
    private readonly pr: PullRequestRef,
  ) {
    this.base = pr.baseSha;
    this.head = pr.headSha;
  }

  async changedFiles(): Promise<ChangeList> {
    const files: ChangedFile[] = [];
    for await (const page of this.octokit.paginate.iterator(this.octokit.rest.pulls.listFiles, {
      owner: this.pr.owner,
      repo: this.pr.repo,
      pull_number: this.pr.number,
      per_page: PER_PAGE,
    })) {
      for (const f of page.data) {
        files.push({
          path: f.filename,
          previousPath: f.previous_filename,
          status: statusOf(f.status),
          patch: f.patch,
        });
      }
    }
    // GitHub stops listing at 3,000 files; the pull request still says how many changed.
    const total = Math.max(this.pr.changedFiles, files.length);
    return { files, complete: files.length >= total, total };
  }

  async readFile(commit: string, path: string): Promise<Uint8Array | undefined> {
    try {
      const { data } = await this.octokit.rest.repos.getContent({ owner: this.pr.owner, repo: this.pr.repo, path, ref: commit });
      if (Array.isArray(data) || data.type !== "file") return undefined;
      if (data.encoding === "base64" && data.content !== "") return Buffer.from(data.content, "base64");
      // Above 1 MB the contents API leaves `content` empty; the blob API serves up to 100 MB.
      const blob = await this.octokit.rest.git.getBlob({ owner: this.pr.owner, repo: this.pr.repo, file_sha: data.sha });
      return Buffer.from(blob.data.content, "base64");
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async listPaths(commit: string): Promise<readonly string[]> {
    const { data } = await this.octokit.rest.git.getTree({
      owner: this.pr.owner,
      repo: this.pr.repo,
      tree_sha: commit,
      recursive: "true",
    });
    return data.tree.filter((e) => e.type === "blob" && e.path !== undefined).map((e) => e.path!);
  }
}
