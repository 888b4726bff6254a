// Machine-readable output: the whole report with counts and the verdict.
import type { FailLevel } from "../config/config.js";
import { fixSafety } from "../fixes/fix-safety.js";
import type { EvaluationReport } from "../core/report.js";
import { isCatalogueRule, ruleHelpUri } from "./links.js";
import { countFindings, isFailing } from "./summary.js";
import { jsonText, LazyArray, writeJson, type TextSink } from "./json-stream.js";

/**
 * The report format's version: raised when a field changes meaning or goes away (adding one
 * does not). Its JSON Schema is schemas/report.schema.json in the package.
 */
export const JSON_REPORT_VERSION = 1;
export const JSON_REPORT_SCHEMA =
  "https://raw.githubusercontent.com/portcullis-dev/portcullis/main/schemas/report.schema.json";

export function renderJson(report: EvaluationReport, failOn: FailLevel): string {
  return jsonText(jsonReport(report, failOn));
}

/** renderJson's text handed to `sink` a piece at a time (a large report is never one string). */
export function writeJsonReport(report: EvaluationReport, failOn: FailLevel, sink: TextSink): void {
  writeJson(jsonReport(report, failOn), sink);
}

function jsonReport(report: EvaluationReport, failOn: FailLevel) {
  const counts = countFindings(report.findings, failOn);
  return {
    $schema: JSON_REPORT_SCHEMA,
    version: JSON_REPORT_VERSION,
    summary: {
      failOn,
      ...counts,
      filesEvaluated: report.filesEvaluated,
      documentsEvaluated: report.documentsEvaluated,
      skipped: report.skipped.length,
      errors: report.errors.length,
    },
    findings: new LazyArray(report.findings, (f) => ({
      ...f,
      status: f.status.kind,
      ...(f.status.kind === "waived" ? { waiver: f.status.waiver } : {}),
      failing: isFailing(f, failOn),
      ...(f.fix ? { fixSafety: fixSafety(f.rule) } : {}),
      ...(isCatalogueRule(f.rule) ? { helpUri: ruleHelpUri(f.rule) } : {}),
    })),
    skipped: report.skipped,
    errors: report.errors,
  };
}
