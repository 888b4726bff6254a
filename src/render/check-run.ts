// The "Portcullis / policies" check run: conclusion, title, markdown summary and details, and
// annotations, all within GitHub's limits (UTF-8 bytes, 50 annotations per request).
import type { ConfigError, FailLevel } from "../config/config.js";
import {
  SEVERITY_RANK,
  type Finding,
  type RuleMetadata,
  type Severity,
  type SkippedFile,
} from "../core/types.js";
import type { RenderedChange, RenderedTargetDiff } from "../core/rendered-diff.js";
import { MAX_DIFF_ITEMS_PER_TARGET } from "../core/render-limits.js";
import type { EvaluationError } from "../core/report.js";
import { findingHelpUri } from "./links.js";
import { codeSpan, escapeMarkdown, markdownLink, truncateUtf8, utf8Length } from "./markdown.js";
import { isFailing, plural } from "./summary.js";
import { GITHUB_LIMITS, fitLine, fitSections, fitText, type Section } from "./github-limits.js";
import { compareText } from "../core/compare-text.js";

export const POLICY_CHECK_NAME = "Portcullis / policies";
/** `output.summary` and `output.text`: 65,535, counted in UTF-8 bytes to be safe. */
export const MAX_OUTPUT_BYTES = GITHUB_LIMITS.checkOutputText;
/** Annotation `message` and `raw_details`: 64 KB each; kept below 65,535 bytes. */
export const MAX_ANNOTATION_FIELD_BYTES = GITHUB_LIMITS.annotationField;
/** Annotation `title`: 255. */
export const MAX_ANNOTATION_TITLE_BYTES = GITHUB_LIMITS.annotationTitle;
/** Annotations per check run: each batch of 50 is one update request (10 at most). */
export const MAX_ANNOTATIONS = 500;
/** The Checks API refuses more than 50 annotations in one request. */
export const ANNOTATIONS_PER_REQUEST = GITHUB_LIMITS.annotationsPerRequest;
/** Attacker-controlled text (messages, reasons, paths) is clipped to this many bytes in a line. */
const MAX_ITEM_TEXT_BYTES = 500;

export type AnnotationLevel = "failure" | "warning" | "notice";

/** A check run annotation, in the shape of the GitHub API. */
export interface Annotation {
  readonly path: string;
  readonly start_line: number;
  readonly end_line: number;
  readonly annotation_level: AnnotationLevel;
  readonly message: string;
  readonly title: string;
  readonly raw_details?: string;
}

export interface PolicyCheckInput {
  readonly findings: readonly Finding[];
  readonly skipped: readonly SkippedFile[];
  readonly errors: readonly EvaluationError[];
  readonly failOn: FailLevel;
  /** Findings also present on the base branch fail the check too. */
  readonly failOnExisting: boolean;
  readonly rules: ReadonlyMap<string, RuleMetadata>;
  /** Errors of the configuration this pull request proposes: shown, never used. */
  readonly configErrors: readonly ConfigError[];
  readonly headSha: string;
  /** Kustomizations rendered for this change, with what the change does to each output. */
  readonly rendered?: readonly RenderedTargetDiff[];
  /** The renderer that produced them ("kustomize v5.8.2, without network"). */
  readonly renderer?: string;
  /** Kubernetes documents the policies saw: 0 is said in the title, never a bare "No findings". */
  readonly documentsEvaluated?: number;
  /** `https://<host>/<owner>/<repo>/blob/<base sha>/`: repository policies' findings link there. */
  readonly policyBlobUrl?: string;
  /** Reasons besides findings that fail the check (the policies' own tests failing), one line each. */
  readonly otherFailures?: readonly string[];
}

/** A button on the check run (GitHub: at most 3; label <= 20, description <= 40, identifier <= 20 chars). */
export interface CheckAction {
  readonly label: string;
  readonly description: string;
  readonly identifier: string;
}

export interface PolicyCheck {
  readonly conclusion: "success" | "failure" | "neutral" | "cancelled";
  readonly title: string;
  readonly summary: string;
  readonly text?: string;
  readonly annotations: Annotation[];
  readonly actions?: readonly CheckAction[];
}

const LEVEL: Record<Severity, AnnotationLevel> = {
  error: "failure",
  warning: "warning",
  notice: "notice",
};
const STATUS_ORDER = { open: 0, existing: 1, waived: 2 } as const;
const STATUS_LABEL = { open: "new", existing: "pre-existing", waived: "waived" } as const;

/** Whether a finding fails the check: the same rule as every other output. */
export const failsCheck = isFailing;

/** The check run output for a pull request's policy findings. */
export function renderPolicyCheck(input: PolicyCheckInput): PolicyCheck {
  const failing = input.findings.filter((f) =>
    failsCheck(f, input.failOn, input.failOnExisting),
  ).length;
  const conclusion =
    failing > 0 || input.errors.length > 0 || (input.otherFailures ?? []).length > 0
      ? "failure"
      : "success";
  const all = annotationsOf(input);
  const annotations = all.slice(0, MAX_ANNOTATIONS);
  const text = renderDetails(input);
  return {
    conclusion,
    title: titleOf(input),
    summary: renderSummary(input, failing, all.length - annotations.length),
    ...(text === undefined ? {} : { text }),
    annotations,
  };
}

/** Splits annotations into the batches of one request each (50 for the Checks API). */
export function annotationBatches<T>(
  annotations: readonly T[],
  size: number = ANNOTATIONS_PER_REQUEST,
): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be >= 1, got ${size}`);
  const batches: T[][] = [];
  for (let i = 0; i < annotations.length; i += size) batches.push(annotations.slice(i, i + size));
  return batches;
}

// --- title -------------------------------------------------------------------------------------

function titleOf(input: PolicyCheckInput): string {
  const c = { error: 0, warning: 0, notice: 0 };
  let fresh = 0;
  let waived = 0;
  for (const f of input.findings) {
    if (f.status.kind === "waived") {
      waived++;
      continue;
    }
    c[f.severity]++;
    if (f.status.kind === "open") fresh++;
  }
  const parts: string[] = [];
  const total = c.error + c.warning + c.notice;
  if (total === 0 && input.documentsEvaluated === 0)
    parts.push("No findings: no Kubernetes document was evaluated");
  else if (total === 0) parts.push("No findings");
  else {
    const bySeverity = (["error", "warning", "notice"] as const)
      .filter((s) => c[s] > 0)
      .map((s) => plural(c[s], s));
    parts.push(`${bySeverity.join(", ")} (${fresh} new)`);
  }
  if (waived > 0) parts.push(`${waived} waived`);
  if (input.errors.length > 0)
    parts.push(`${plural(input.errors.length, "document")} not evaluated`);
  return parts.join(" · ");
}

// --- summary -----------------------------------------------------------------------------------

function clip(text: string): string {
  return escapeMarkdown(truncateUtf8(text, MAX_ITEM_TEXT_BYTES, "…"));
}

function where(file: string, line?: number): string {
  return line === undefined ? clip(file) : `${clip(file)} line ${line}`;
}

function ruleLink(f: Pick<Finding, "rule" | "policy">, policyBlobUrl?: string): string {
  const name = truncateUtf8(f.rule, 100, "…");
  const url = findingHelpUri(f, policyBlobUrl);
  return url ? markdownLink(name, url) : escapeMarkdown(name);
}

function renderSummary(input: PolicyCheckInput, failing: number, unannotated: number): string {
  const head = verdictLines(input, failing, unannotated);
  const sections: Section[] = [
    ruleTable(input),
    renderedSection(input),
    notEvaluated(input),
    configSection(input),
    waivedSection(input),
  ].filter((s): s is Section => s !== undefined);
  return fitSections(head, sections, MAX_OUTPUT_BYTES);
}

function verdictLines(input: PolicyCheckInput, failing: number, unannotated: number): string[] {
  const failed = failing > 0 || input.errors.length > 0 || (input.otherFailures ?? []).length > 0;
  const lines = [`## ${failed ? "❌ Policy check failed" : "✅ Policy check passed"}`, ""];
  const sha = /^[0-9a-f]{7,64}$/i.test(input.headSha) ? input.headSha.slice(0, 12) : input.headSha;
  const scope =
    input.failOn === "never"
      ? "Report only (`failOn: never`): findings do not fail this check."
      : `Fails on new findings at **${input.failOn}** and above${input.failOnExisting ? ", pre-existing ones included (`failOnExisting`)" : ""}.`;
  lines.push(`${scope} Commit ${codeSpan(truncateUtf8(sha, 64, "…"))}.`);
  const reasons: string[] = [];
  if (failing > 0)
    reasons.push(`- **${failing}** ${failing === 1 ? "finding fails" : "findings fail"} the check`);
  if (input.errors.length > 0)
    reasons.push(
      `- **${input.errors.length}** ${input.errors.length === 1 ? "document" : "documents"} could not be evaluated`,
    );
  for (const other of input.otherFailures ?? []) reasons.push(`- ${other}`);
  if (reasons.length > 0) lines.push("", ...reasons);
  if (unannotated > 0)
    lines.push(
      "",
      `${unannotated} more ${unannotated === 1 ? "finding has" : "findings have"} no annotation (at most ${MAX_ANNOTATIONS} per check run); the details list every finding.`,
    );
  return lines;
}

function ruleTable(input: PolicyCheckInput): Section | undefined {
  if (input.findings.length === 0) return undefined;
  interface Row {
    rule: string;
    policy?: Finding["policy"];
    severities: Set<Severity>;
    open: number;
    existing: number;
    waived: number;
  }
  const rows = new Map<string, Row>();
  for (const f of input.findings) {
    let row = rows.get(f.rule);
    if (!row) {
      row = {
        rule: f.rule,
        policy: f.policy,
        severities: new Set(),
        open: 0,
        existing: 0,
        waived: 0,
      };
      rows.set(f.rule, row);
    }
    row.severities.add(f.severity);
    row[f.status.kind]++;
  }
  const top = (r: Row) => Math.max(...[...r.severities].map((s) => SEVERITY_RANK[s]));
  const sorted = [...rows.values()].sort(
    (a, b) => top(b) - top(a) || b.open - a.open || compareText(a.rule, b.rule),
  );
  return {
    head: [
      "### Findings by rule",
      "",
      "| Rule | Title | Severity | New | Pre-existing | Waived |",
      "| --- | --- | --- | ---: | ---: | ---: |",
    ],
    items: sorted.map((r) => {
      const severities = [...r.severities]
        .sort((a, b) => SEVERITY_RANK[b] - SEVERITY_RANK[a])
        .join(", ");
      const title = clip(input.rules.get(r.rule)?.title ?? "");
      return `| ${ruleLink(r, input.policyBlobUrl)} | ${title} | ${severities} | ${r.open} | ${r.existing} | ${r.waived} |`;
    }),
    noun: "rule",
  };
}

const CHANGE_MARK = { added: "+", changed: "~", removed: "−" } as const;

function resourceName(c: RenderedChange): string {
  const r = c.resource;
  return `${r.kind ?? "?"} ${[r.namespace, r.name].filter(Boolean).join("/")}`;
}

/** Per rendered kustomization, one line: what renders it, and the resources the change adds, changes, removes. */
function renderedSection(input: PolicyCheckInput): Section | undefined {
  const diffs = input.rendered ?? [];
  if (diffs.length === 0) return undefined;
  return {
    head: [
      "### Rendered changes",
      "",
      `What the cluster would get, rendered at the base and the head${input.renderer ? ` (${clip(input.renderer)})` : ""}: \`+\` added, \`~\` changed, \`−\` removed.`,
      "",
    ],
    items: diffs.map((d) => {
      const by = d.controllers.length > 0 ? ` (${clip(d.controllers.join(", "))})` : "";
      const label = `- ${codeSpan(truncateUtf8(d.target, 200, "…"))}${by}`;
      if (d.status !== "rendered")
        return `${label}: ${d.status === "failed" ? "**could not be rendered**" : "not evaluated"}${d.reason ? `: ${clip(d.reason)}` : ""}`;
      if (d.changes.length === 0)
        return `${label}: no resource changes (${plural(d.resources, "resource")})`;
      const shown = d.changes.slice(0, MAX_DIFF_ITEMS_PER_TARGET);
      const count = (k: RenderedChange["change"]) => d.changes.filter((c) => c.change === k).length;
      const totals = (["added", "changed", "removed"] as const)
        .filter((k) => count(k) > 0)
        .map((k) => `${count(k)} ${k}`)
        .join(", ");
      const more =
        d.changes.length > shown.length ? `, … ${d.changes.length - shown.length} more` : "";
      return `${label}: ${totals}: ${shown.map((c) => `${CHANGE_MARK[c.change]} ${clip(resourceName(c))}`).join(", ")}${more}`;
    }),
    noun: "rendered kustomization",
  };
}

function notEvaluated(input: PolicyCheckInput): Section | undefined {
  if (input.errors.length === 0 && input.skipped.length === 0) return undefined;
  const head = ["### Files not evaluated", ""];
  if (input.errors.length > 0)
    head.push("Documents the policies could not evaluate fail the check.", "");
  return {
    head,
    items: [
      ...input.errors.map(
        (e) => `- ${where(e.file, e.line)}: could not evaluate: ${clip(e.message)}`,
      ),
      ...input.skipped.map((s) => `- ${where(s.file, s.line)}: skipped: ${clip(s.reason)}`),
    ],
    noun: "file",
  };
}

function configSection(input: PolicyCheckInput): Section | undefined {
  if (input.configErrors.length === 0) return undefined;
  return {
    head: [
      "### Configuration errors in this pull request",
      "",
      "This pull request changes the Portcullis configuration, and the new version has errors. It was not used for this check; fix it before merging.",
      "",
    ],
    items: input.configErrors.map((e) => {
      const at = [
        e.path ? codeSpan(truncateUtf8(e.path, 200, "…")) : "",
        e.line ? `line ${e.line}` : "",
      ]
        .filter(Boolean)
        .join(" ");
      return `- ${at ? `${at}: ` : ""}${clip(e.message)}`;
    }),
    noun: "error",
  };
}

function waivedSection(input: PolicyCheckInput): Section | undefined {
  const waived = input.findings.filter((f) => f.status.kind === "waived");
  if (waived.length === 0) return undefined;
  return {
    head: ["### Waived findings", ""],
    items: waived.map((f) => {
      if (f.status.kind !== "waived") return "";
      const w = f.status.waiver;
      const until = w.expires ? ` (until ${clip(w.expires)})` : "";
      return `- ${ruleLink(f, input.policyBlobUrl)} ${where(f.file, f.lines.start)}: ${clip(f.message)}. Waived by ${w.source} on line ${w.line}: ${clip(w.reason)}${until}`;
    }),
    noun: "waived finding",
  };
}

// --- details (output.text) --------------------------------------------------------------------

function ordered(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      STATUS_ORDER[a.status.kind] - STATUS_ORDER[b.status.kind] ||
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity],
  );
}

function renderDetails(input: PolicyCheckInput): string | undefined {
  if (input.findings.length === 0) return undefined;
  const section: Section = {
    head: [
      "### Every finding",
      "",
      "| File | Line | Rule | Severity | Status | Message |",
      "| --- | ---: | --- | --- | --- | --- |",
    ],
    items: ordered(input.findings).map(
      (f) =>
        `| ${clip(f.file)} | ${f.lines.start} | ${ruleLink(f, input.policyBlobUrl)} | ${f.severity} | ${STATUS_LABEL[f.status.kind]} | ${clip(f.message)} |`,
    ),
    noun: "finding",
  };
  return fitSections([], [section], MAX_OUTPUT_BYTES).replace(/^\n/, "");
}

// --- annotations -------------------------------------------------------------------------------

function lineRange(start: number, end: number): { start_line: number; end_line: number } {
  const s = Number.isInteger(start) && start >= 1 ? start : 1;
  const e = Number.isInteger(end) && end >= s ? end : s;
  return { start_line: s, end_line: e };
}

function field(text: string): string {
  return truncateUtf8(text, MAX_ANNOTATION_FIELD_BYTES, "… (cut)");
}

function findingAnnotation(
  f: Finding,
  rules: ReadonlyMap<string, RuleMetadata>,
  policyBlobUrl?: string,
): Annotation {
  const url = findingHelpUri(f, policyBlobUrl);
  const note = f.note ? ` (${f.note})` : "";
  let level: AnnotationLevel = LEVEL[f.severity];
  let prefix = "";
  let suffix = "";
  if (f.status.kind === "waived") {
    const w = f.status.waiver;
    level = "notice";
    prefix = `Waived by ${w.source} on line ${w.line}: ${w.reason}${w.expires ? ` (until ${w.expires})` : ""}. `;
    suffix = " (waived)";
  } else if (f.status.kind === "existing") {
    level = "notice";
    prefix = "Pre-existing: also found on the base branch. ";
    suffix = " (pre-existing)";
  }
  const title = `${f.rule}${rules.get(f.rule) ? `: ${rules.get(f.rule)!.title}` : ""}`;
  const tail = url ? `\n${url}` : "";
  const details = [
    f.resource?.kind
      ? `Resource: ${[f.resource.kind, [f.resource.namespace, f.resource.name].filter(Boolean).join("/")].filter(Boolean).join(" ")}`
      : undefined,
    f.path.length > 0 ? `Field: ${f.path.map(String).join(".")}` : undefined,
    f.affects && f.affects.length > 0 ? `Rendered by: ${f.affects.join(", ")}` : undefined,
    `Fingerprint: ${f.fingerprint}`,
  ].filter((l): l is string => l !== undefined);
  return {
    path: f.file,
    ...lineRange(f.lines.start, f.lines.end),
    annotation_level: level,
    // The rule page stays even when the message is cut.
    message:
      truncateUtf8(
        `${prefix}${f.message}${note}`,
        MAX_ANNOTATION_FIELD_BYTES - utf8Length(tail),
        "… (cut)",
      ) + tail,
    title: truncateUtf8(title, MAX_ANNOTATION_TITLE_BYTES - utf8Length(suffix), "…") + suffix,
    raw_details: field(details.join("\n")),
  };
}

/** Every annotation, most important first: evaluation errors, new findings by severity, pre-existing, waived. */
function annotationsOf(input: PolicyCheckInput): Annotation[] {
  const errors: Annotation[] = input.errors.map((e) => ({
    path: e.file,
    ...lineRange(e.line, e.line),
    annotation_level: "failure",
    message: field(`The policies could not evaluate this document: ${e.message}`),
    title: "Portcullis: document not evaluated",
  }));
  return [
    ...errors,
    ...ordered(input.findings).map((f) => findingAnnotation(f, input.rules, input.policyBlobUrl)),
  ];
}

// --- GitHub's limits, for every check ------------------------------------------------------------

function fitAnnotation(a: Annotation): Annotation {
  return {
    ...a,
    ...lineRange(a.start_line, a.end_line),
    message: field(a.message),
    title: fitLine(a.title, MAX_ANNOTATION_TITLE_BYTES),
    ...(a.raw_details === undefined ? {} : { raw_details: field(a.raw_details) }),
  };
}

/**
 * Any check's output within GitHub's limits (the last guard before it is posted): title,
 * summary and text, each annotation's fields, at most three actions with their fields. Text cut
 * here says how many lines were left out; renderers cut their own lists first, with row counts.
 */
export function fitCheck(check: PolicyCheck): PolicyCheck {
  const L = GITHUB_LIMITS;
  return {
    ...check,
    title: fitLine(check.title, L.checkTitle),
    summary: fitText(check.summary, L.checkOutputText),
    ...(check.text === undefined ? {} : { text: fitText(check.text, L.checkOutputText) }),
    annotations: check.annotations.map(fitAnnotation),
    ...(check.actions === undefined
      ? {}
      : {
          actions: check.actions.slice(0, L.actions).map((a) => ({
            label: fitLine(a.label, L.actionLabel),
            description: fitLine(a.description, L.actionDescription),
            identifier: a.identifier.slice(0, L.actionIdentifier),
          })),
        }),
  };
}
