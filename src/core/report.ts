// What a run reports (the vocabulary every renderer reads): findings, skipped files, errors, counts.
import type { Problem } from "./problem.js";
import type { Finding, SkippedFile } from "./types.js";

export interface SourceFile {
  /** Repository-relative, `/`-separated. */
  readonly path: string;
  readonly content: Uint8Array;
  /**
   * Why the file was not read (a symbolic link out of the repository, a FIFO...): reported at the
   * file as refused (PCS002, failing), never skipped.
   */
  readonly refused?: string;
  /**
   * Present on a file read lazily from disk: lets its content go once the file is reported (the
   * content is read again if asked for), so memory does not grow with the repository.
   */
  readonly release?: () => void;
}

/** A document the policies could not be evaluated on: reported, and it fails the run. */
export type EvaluationError = Problem;

export interface EvaluationReport {
  readonly findings: readonly Finding[];
  readonly skipped: readonly SkippedFile[];
  readonly errors: readonly EvaluationError[];
  readonly filesEvaluated: number;
  readonly documentsEvaluated: number;
}
