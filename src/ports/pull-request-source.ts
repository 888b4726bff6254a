// A pull request (or a local base..head range) in domain words: what changed, and file contents at a commit.

export type ChangeStatus = "added" | "modified" | "removed" | "renamed" | "copied";

export interface ChangedFile {
  readonly path: string;
  /** The path at the base, for a renamed or copied file. */
  readonly previousPath?: string;
  readonly status: ChangeStatus;
  /** Unified diff hunks (no file header), as GitHub's list-files returns them; absent when too large. */
  readonly patch?: string;
}

export interface ChangeList {
  readonly files: readonly ChangedFile[];
  /** false when the platform stopped listing (GitHub lists at most 3,000 files). */
  readonly complete: boolean;
  /** How many files changed, when the platform says. */
  readonly total: number;
}

export interface FileAtCommit {
  readonly commit: string;
  readonly path: string;
}

export interface PullRequestSource {
  /** The commit the changes are compared with (the merge base with the target branch). */
  readonly base: string;
  /** The commit under review. */
  readonly head: string;
  changedFiles(): Promise<ChangeList>;
  /** The bytes of a file at a commit, or undefined when it does not exist there. */
  readFile(commit: string, path: string): Promise<Uint8Array | undefined>;
  /** Many files at once (as few requests as the platform allows), in the order asked. */
  readFiles(requests: readonly FileAtCommit[]): Promise<(Uint8Array | undefined)[]>;
  /** Every file path in the tree of a commit. */
  listPaths(commit: string): Promise<readonly string[]>;
  /**
   * The paths that are symbolic links (git mode 120000) in the tree of a commit: reading one
   * gives the link's target path, not a file's content. Absent: the platform stores no links.
   */
  symbolicLinks?(commit: string): Promise<ReadonlySet<string>>;
  /**
   * The URLs this repository is known by (the platform's, the git remotes'): an Argo CD source
   * whose repoURL is none of these (nor the flux-system GitRepository's) is another repository.
   */
  readonly repositoryUrls?: readonly string[];
}
