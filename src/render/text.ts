// Human output: findings grouped by file with the offending source line, colour on a terminal.
import type { FailLevel } from "../config/config.js";
import { fixSafety } from "../fixes/fix-safety.js";
import type { Finding } from "../core/types.js";
import type { EvaluationReport } from "../core/report.js";
import { isCatalogueRule, ruleHelpUri } from "./links.js";
import { countFindings, plural } from "./summary.js";
import { compareText } from "../core/compare-text.js";

export interface TextOptions {
  readonly failOn: FailLevel;
  readonly color: boolean;
  /** The text of a line of a file (1-based), when known. */
  readonly sourceLine: (file: string, line: number) => string | undefined;
  /** List every skipped file, not only their count. */
  readonly verbose?: boolean;
}

const CODES = { red: 31, yellow: 33, blue: 34, gray: 90, bold: 1, green: 32 } as const;

/**
 * Text from a repository (messages, file names, source lines) with control characters shown as
 * `\xNN`: a manifest must not be able to move the cursor, recolour or rewrite a terminal.
 */
export function terminalSafe(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

type Paint = (code: keyof typeof CODES, s: string) => string;

export function renderText(report: EvaluationReport, options: TextOptions): string {
  const paint: Paint = (code, s) => (options.color ? `\u001b[${CODES[code]}m${s}\u001b[0m` : s);
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  for (const [file, findings] of byFile) {
    out.push(paint("bold", terminalSafe(file)));
    for (const f of findings) out.push(...findingLines(f, file, options, paint));
    out.push("");
  }
  if (options.verbose)
    for (const s of report.skipped)
      out.push(paint("gray", terminalSafe(`skipped ${s.file}: ${s.reason}`)));
  const verdict = verdictLine(report, options, paint);
  out.push(...ruleLinks(report, paint));
  // What could not be evaluated comes last, next to the verdict it fails.
  for (const e of report.errors)
    out.push(paint("red", terminalSafe(`${e.file}:${e.line}: could not evaluate: ${e.message}`)));
  out.push(verdict);
  return `${out.join("\n")}\n`;
}

/** One finding: where, how severe, rule and message; its source line, waiver or note, and fix. */
function findingLines(f: Finding, file: string, options: TextOptions, paint: Paint): string[] {
  const out: string[] = [];
  const where = String(f.lines.start).padStart(5);
  const resource = f.resource?.kind
    ? paint("gray", terminalSafe(` [${f.resource.kind}/${f.resource.name ?? "?"}]`))
    : "";
  out.push(
    `${where}  ${level(f, paint)}  ${paint("bold", terminalSafe(f.rule))}  ${terminalSafe(f.message)}${resource}`,
  );
  const source = options.sourceLine(file, f.lines.start);
  if (source !== undefined)
    out.push(
      paint(
        "gray",
        `       ${String(f.lines.start).padStart(5)} | ${terminalSafe(source.replace(/\t/g, "  "))}`,
      ),
    );
  if (f.status.kind === "waived") {
    const w = f.status.waiver;
    out.push(
      paint(
        "gray",
        terminalSafe(
          `         waived by ${w.source} on line ${w.line}: ${w.reason}${w.expires ? ` (until ${w.expires})` : ""}`,
        ),
      ),
    );
  } else if (f.note) out.push(paint("yellow", terminalSafe(`         ${f.note}`)));
  if (f.fix) {
    const what = `(${f.fix.op} ${f.fix.path.join(".")})`;
    const safety = fixSafety(f.rule);
    out.push(
      safety.safe
        ? paint("green", `         auto-fix available ${what}`)
        : paint("yellow", terminalSafe(`         fix needs a look ${what}: ${safety.reason}`)),
    );
  }
  return out;
}

function level(f: Finding, paint: Paint): string {
  if (f.status.kind === "waived") return paint("gray", "waived ");
  if (f.severity === "error") return paint("red", "error  ");
  if (f.severity === "warning") return paint("yellow", "warning");
  return paint("blue", "notice ");
}

/** The last line: the counts, what was evaluated or skipped, and what fails the run. */
function verdictLine(report: EvaluationReport, options: TextOptions, paint: Paint): string {
  const c = countFindings(report.findings, options.failOn);
  const total = c.error + c.warning + c.notice;
  const parts = [
    plural(c.error, "error"),
    plural(c.warning, "warning"),
    plural(c.notice, "notice"),
  ];
  const head =
    total === 0 && report.documentsEvaluated === 0
      ? paint("yellow", "! nothing evaluated: no Kubernetes document was found")
      : total === 0
        ? paint("green", "✔ no findings")
        : `${c.failing > 0 ? paint("red", "✖") : paint("yellow", "!")} ${plural(total, "finding")} (${parts.join(", ")})`;
  const tail = [
    report.errors.length > 0
      ? paint("red", `${report.errors.length} could not be evaluated`)
      : undefined,
    c.waived > 0 ? `${c.waived} waived` : undefined,
    `${plural(report.filesEvaluated, "file")}, ${plural(report.documentsEvaluated, "document")} evaluated`,
    report.skipped.length > 0
      ? `${report.skipped.length} skipped${options.verbose ? "" : " (--verbose lists them)"}`
      : undefined,
    options.failOn === "never"
      ? "report only (--fail-on never)"
      : `failing at ${options.failOn} and above: ${c.failing}`,
  ].filter(Boolean);
  return `${head} · ${tail.join(" · ")}`;
}

/** Every rule that has an open finding links to its page; a repository policy (a Gatekeeper
 * constraint) to where it is defined instead. */
function ruleLinks(report: EvaluationReport, paint: Paint): string[] {
  const out: string[] = [];
  const rules = [
    ...new Set(report.findings.filter((f) => f.status.kind === "open").map((f) => f.rule)),
  ].sort();
  for (const r of rules.filter(isCatalogueRule)) out.push(paint("gray", `${r}: ${ruleHelpUri(r)}`));
  const defined = new Map(
    report.findings.flatMap((f) =>
      f.policy && f.status.kind === "open" ? [[f.rule, f.policy]] : [],
    ),
  );
  for (const [r, p] of [...defined].sort(([a], [b]) => compareText(a, b)))
    out.push(paint("gray", terminalSafe(`${r}: ${p.file}:${p.line}`)));
  return out;
}
