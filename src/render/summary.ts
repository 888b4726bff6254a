// Counts and the verdict of a run: what fails it, what is only reported.
import type { FailLevel } from "../config/config.js";
import type { Finding, Severity } from "../core/types.js";
import type { EvaluationReport } from "../review/evaluate-files.js";

const RANK: Record<Severity, number> = { error: 3, warning: 2, notice: 1 };

export function isFailing(finding: Finding, failOn: FailLevel): boolean {
  if (failOn === "never" || finding.status.kind !== "open") return false;
  return RANK[finding.severity] >= RANK[failOn];
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
