// SARIF 2.1.0 for code scanning: rule metadata with help links, a region on every result.
import { fixSafety } from "../fixes/fix-safety.js";
import type { Finding, RuleMetadata, Severity } from "../core/types.js";
import type { EvaluationReport } from "../core/report.js";
import { ruleHelpUri } from "./links.js";
import { jsonText, LazyArray, writeJson, type TextSink } from "./json-stream.js";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  error: "error",
  warning: "warning",
  notice: "note",
};

/**
 * GitHub code scanning ranks security alerts by `security-severity` (0-10: 9+ critical, 7+ high,
 * 4+ medium, above 0 low); a rule's default severity maps onto high, medium and low.
 */
export const SECURITY_SEVERITY: Record<Severity, string> = {
  error: "8.0",
  warning: "5.5",
  notice: "2.0",
};

export interface SarifOptions {
  readonly version: string;
  readonly rules: ReadonlyMap<string, RuleMetadata>;
}

function ruleDescriptor(meta: RuleMetadata) {
  const helpUri = ruleHelpUri(meta.id);
  return {
    id: meta.id,
    name: meta.title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) =>
      c ? c.toUpperCase() : "",
    ),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.description },
    helpUri,
    help: {
      text: `${meta.remediation}\n\n${helpUri}`,
      markdown: `${meta.rationale}\n\n**How to fix:** ${meta.remediation}\n\n[${meta.id} documentation](${helpUri})`,
    },
    defaultConfiguration: { level: LEVEL[meta.severity] },
    properties: {
      tags: ["security", "kubernetes", meta.category],
      "problem.severity": LEVEL[meta.severity],
      "security-severity": SECURITY_SEVERITY[meta.severity],
    },
  };
}

function result(f: Finding, ruleIndex: number) {
  const out: Record<string, unknown> = {
    ruleId: f.rule,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.note ? `${f.message} (${f.note})` : f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(f.file), uriBaseId: "%SRCROOT%" },
          region: { startLine: f.lines.start, endLine: f.lines.end },
        },
        ...(f.resource?.kind
          ? {
              logicalLocations: [
                {
                  name: f.resource.name ?? "",
                  fullyQualifiedName: [f.resource.namespace, f.resource.kind, f.resource.name]
                    .filter(Boolean)
                    .join("/"),
                  kind: "resource",
                },
              ],
            }
          : {}),
      },
    ],
    partialFingerprints: { "portcullis/v1": f.fingerprint },
    properties: { path: f.path, ...(f.fix ? { fix: f.fix, fixSafety: fixSafety(f.rule) } : {}) },
  };
  if (f.status.kind === "waived") {
    const w = f.status.waiver;
    out.suppressions = [
      {
        kind: "inSource",
        status: "accepted",
        justification: `${w.reason}${w.expires ? ` (until ${w.expires})` : ""}`,
      },
    ];
  }
  return out;
}

export function renderSarif(report: EvaluationReport, options: SarifOptions): string {
  return jsonText(sarifLog(report, options));
}

/** renderSarif's text handed to `sink` a piece at a time (a large report is never one string). */
export function writeSarif(report: EvaluationReport, options: SarifOptions, sink: TextSink): void {
  writeJson(sarifLog(report, options), sink);
}

function sarifLog(report: EvaluationReport, options: SarifOptions) {
  const used = [...new Set(report.findings.map((f) => f.rule))];
  const ids = [...new Set([...options.rules.keys(), ...used])].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const descriptors = ids.map((id) => {
    const meta = options.rules.get(id);
    // A repository policy's rule has no page of ours.
    return meta
      ? ruleDescriptor(meta)
      : { id, shortDescription: { text: `repository policy ${id}` } };
  });
  const notifications = [
    ...report.errors.map((e) => ({
      level: "error",
      message: { text: e.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeURI(e.file) },
            region: { startLine: e.line },
          },
        },
      ],
    })),
    ...report.skipped.map((s) => ({
      level: "note",
      message: { text: `not evaluated: ${s.reason}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(s.file) } } }],
    })),
  ];
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "Portcullis",
            version: options.version,
            informationUri: "https://github.com/portcullis-dev/portcullis",
            rules: descriptors,
          },
        },
        invocations: [
          {
            executionSuccessful: report.errors.length === 0,
            toolExecutionNotifications: notifications,
          },
        ],
        results: new LazyArray(report.findings, (f) => result(f, index.get(f.rule)!)),
      },
    ],
  };
}
