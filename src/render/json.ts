// Machine-readable output: the whole report with counts and the verdict.
import type { FailLevel } from "../config/config.js";
import type { EvaluationReport } from "../review/evaluate-files.js";
import { isCatalogueRule, ruleHelpUri } from "./links.js";
import { countFindings, isFailing } from "./summary.js";

export function renderJson(report: EvaluationReport, failOn: FailLevel): string {
  const counts = countFindings(report.findings, failOn);
  return `${JSON.stringify(
    {
      summary: {
        failOn,
        ...counts,
        filesEvaluated: report.filesEvaluated,
        documentsEvaluated: report.documentsEvaluated,
        skipped: report.skipped.length,
        errors: report.errors.length,
      },
      findings: report.findings.map((f) => ({
        ...f,
        status: f.status.kind,
        ...(f.status.kind === "waived" ? { waiver: f.status.waiver } : {}),
        failing: isFailing(f, failOn),
        ...(isCatalogueRule(f.rule) ? { helpUri: ruleHelpUri(f.rule) } : {}),
      })),
      skipped: report.skipped,
      errors: report.errors,
    },
    null,
    2,
  )}\n`;
}
