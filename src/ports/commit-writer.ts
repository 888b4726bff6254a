// Writing a commit on a pull request's branch ("Apply fixes").

export interface FileChange {
  readonly path: string;
  readonly text: string;
}

/** Writes a commit with the changed files on top of `headSha` and moves the branch to it. */
export interface CommitWriter {
  commitFiles(
    branch: string,
    headSha: string,
    message: string,
    files: readonly FileChange[],
  ): Promise<string>;
}
