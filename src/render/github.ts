// GitHub Actions workflow commands: one annotation per finding on its file and lines.
import type { Finding, Severity } from "../core/types.js";
import type { EvaluationReport } from "../core/report.js";
import { isCatalogueRule, ruleHelpUri } from "./links.js";

const COMMAND: Record<Severity, string> = { error: "error", warning: "warning", notice: "notice" };

function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function annotation(f: Finding, title: string): string {
  const waived = f.status.kind === "waived" ? f.status.waiver : undefined;
  const command = waived ? "notice" : COMMAND[f.severity];
  const text = waived
    ? `[waived: ${waived.reason}] ${f.message}`
    : `${f.message}${f.note ? ` (${f.note})` : ""}${isCatalogueRule(f.rule) ? `\n${ruleHelpUri(f.rule)}` : f.policy ? `\ndefined at ${f.policy.file}:${f.policy.line}` : ""}`;
  const props = [
    `file=${escapeProperty(f.file)}`,
    `line=${f.lines.start}`,
    `endLine=${f.lines.end}`,
    `title=${escapeProperty(title)}`,
  ];
  return `::${command} ${props.join(",")}::${escapeData(text)}`;
}

export function renderGithub(
  report: EvaluationReport,
  titles: ReadonlyMap<string, string>,
): string {
  const lines = report.findings.map((f) =>
    annotation(f, `${f.rule} ${titles.get(f.rule) ?? ""}`.trim()),
  );
  for (const e of report.errors) {
    lines.push(
      `::error file=${escapeProperty(e.file)},line=${e.line},title=Portcullis::${escapeData(e.message)}`,
    );
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}
