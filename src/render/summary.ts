// Counts and the verdict of a run: what fails it, what is only reported.
import type { FailLevel } from "../config/config.js";
import { SEVERITY_RANK, type Finding } from "../core/types.js";
import type { EvaluationReport } from "../core/report.js";

/**
 * Whether a finding fails: open (or, with `failOnExisting`, pre-existing) at or above `failOn`.
 * Waived findings never fail.
 */
export function isFailing(finding: Finding, failOn: FailLevel, failOnExisting = false): boolean {
  if (failOn === "never") return false;
  const kind = finding.status.kind;
  if (kind === "waived" || (kind === "existing" && !failOnExisting)) return false;
  return SEVERITY_RANK[finding.severity] >= SEVERITY_RANK[failOn];
}

export interface Counts {
  readonly error: number;
  readonly warning: number;
  readonly notice: number;
  readonly waived: number;
  readonly failing: number;
}

export function countFindings(findings: readonly Finding[], failOn: FailLevel): Counts {
  const counts = { error: 0, warning: 0, notice: 0, waived: 0, failing: 0 };
  for (const f of findings) {
    if (f.status.kind === "waived") counts.waived++;
    else counts[f.severity]++;
    if (isFailing(f, failOn)) counts.failing++;
  }
  return counts;
}

/** 0: nothing at or above the fail level; 1: failing findings; 2: documents the policies could not evaluate. */
export function exitCodeOf(report: EvaluationReport, failOn: FailLevel): 0 | 1 | 2 {
  if (report.errors.length > 0) return 2;
  return report.findings.some((f) => isFailing(f, failOn)) ? 1 : 0;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
