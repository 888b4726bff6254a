// The one problem type: something that could not be read, loaded or evaluated, at a file and line.

export interface Problem {
  /** Repository-relative (or as named on the command line). */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  readonly message: string;
}
