// The parts of the policies check about a change to the policies themselves (their own tests, the
// change's impact) and about the base branch's protection: markdown sections within a byte budget
// of their own, so that they never push the findings out of the summary, and annotations.
import type {
  ImpactItem,
  PolicyChangeReport,
  PolicyImpact,
  PolicyTestResult,
  PolicyTestRun,
} from "../core/policy-change.js";
import type { BranchAudit } from "../ports/branch-protection.js";
import type { Annotation } from "./check-run.js";
import { fitSections, fitLine, GITHUB_LIMITS, type Section } from "./github-limits.js";
import { codeSpan, escapeMarkdown, markdownLink, truncateUtf8 } from "./markdown.js";

/** Bytes of the summary the tests may take, and the impact. */
export const POLICY_TESTS_BUDGET = 12 * 1024;
export const POLICY_IMPACT_BUDGET = 20 * 1024;
/** Items listed per policy and kind before "N more". */
export const IMPACT_ITEMS_PER_POLICY = 10;
const SEE_ALL = "run `portcullis review` locally to see them all";

const clip = (text: string) => escapeMarkdown(truncateUtf8(text.replace(/\s+/g, " "), 300, "…"));

/** A link to `file` line `line` at the head, or the plain place when there is no web URL. */
function at(file: string, line: number, blobUrl?: string): string {
  const label = `${clip(file)}:${line}`;
  if (!blobUrl) return label;
  const path = file.split("/").map(encodeURIComponent).join("/");
  return markdownLink(`${file}:${line}`, `${blobUrl}${path}#L${line}`);
}

const failing = (r: PolicyTestResult) => r.outcome === "fail" || r.outcome === "error";

function testsSection(run: PolicyTestRun, blobUrl?: string): Section {
  if (run.results.length === 0 && run.problems.length === 0)
    return {
      head: [
        "### The policies have no tests of their own",
        "",
        "No Rego `test_` rule, gator suite or Kyverno test under the policy folders at the head.",
      ],
      items: [],
      noun: "test",
    };
  const count = (o: PolicyTestResult["outcome"]) =>
    run.results.filter((r) => r.outcome === o).length;
  const failed = run.results.filter(failing);
  const head = [
    failed.length > 0 || run.problems.length > 0
      ? "### ❌ The policies' own tests fail at the head"
      : "### ✅ The policies' own tests pass at the head",
    "",
    `${count("pass")} passed, ${count("fail")} failed, ${count("error")} could not be decided, ${count("skip")} skipped (run as their engines run them, on the policies this change proposes; a failing test fails this check; the findings are still judged by the base's policies).`,
  ];
  if (failed.length + run.problems.length > 0) head.push("");
  const items = [
    ...run.problems.map(
      (p) => `- ${at(p.file, p.line, blobUrl)}: tests could not run: ${clip(p.message)}`,
    ),
    ...failed.map(
      (r) =>
        `- ${at(r.file, r.line, blobUrl)} ${r.engine} ${codeSpan(truncateUtf8(r.name, 200, "…"))} ${r.outcome === "fail" ? "failed" : "could not be decided"}${r.message ? `: ${clip(r.message)}` : ""}`,
    ),
  ];
  return { head, items, noun: "failing test", seeAll: SEE_ALL };
}

function itemLine(i: ImpactItem, blobUrl?: string): string {
  const what = i.resource?.kind
    ? `${i.resource.kind} ${i.resource.namespace ? `${i.resource.namespace}/` : ""}${i.resource.name ?? ""}: `
    : "";
  return `  - ${at(i.file, i.line, blobUrl)} ${clip(`${what}${i.message}`)}`;
}

function impactItems(impact: PolicyImpact, blobUrl?: string): string[] {
  const lines: string[] = [];
  for (const e of impact.entries) {
    const name =
      e.policy && blobUrl
        ? markdownLink(e.rule, `${blobUrl}${e.policy.file}#L${e.policy.line}`)
        : codeSpan(e.rule);
    lines.push(
      `- **${name}**: ${e.newlyFlagged.length} newly flagged, ${e.noLongerFlagged.length} no longer flagged, ${e.failsToEvaluate.length} not evaluated`,
    );
    for (const [label, list] of [
      ["newly flagged", e.newlyFlagged],
      ["no longer flagged", e.noLongerFlagged],
      ["fails to evaluate", e.failsToEvaluate],
    ] as const) {
      for (const i of list.slice(0, IMPACT_ITEMS_PER_POLICY))
        lines.push(itemLine(i, blobUrl).replace("  - ", `  - ${label}: `));
      if (list.length > IMPACT_ITEMS_PER_POLICY)
        lines.push(`  - _… ${list.length - IMPACT_ITEMS_PER_POLICY} more ${label}: ${SEE_ALL}._`);
    }
  }
  return lines;
}

function impactSection(impact: PolicyImpact, blobUrl?: string): Section {
  const changed = impact.entries.length;
  const head = [
    "### Impact of the policy change",
    "",
    `The repository's manifests (${impact.filesEvaluated} files, ${impact.documentsEvaluated} documents) evaluated under the base's and the head's policies: ${changed === 0 ? "no difference." : `${changed} ${changed === 1 ? "policy judges" : "policies judge"} differently.`} Informational: the verdict uses the base's policies.`,
  ];
  if (impact.partial) head.push("", `**Partial:** ${clip(impact.partial)}.`);
  for (const p of impact.problems)
    head.push(
      "",
      `The head's policies do not load: ${at(p.file, p.line, blobUrl)} ${clip(p.message)}`,
    );
  if (changed > 0) head.push("");
  return { head, items: impactItems(impact, blobUrl), noun: "line", seeAll: SEE_ALL };
}

/** The tests and impact sections, each within its own budget. */
export function renderPolicyChange(change: PolicyChangeReport): string {
  const parts = [
    fitSections([], [testsSection(change.tests, change.headBlobUrl)], POLICY_TESTS_BUDGET),
  ];
  if (change.impact)
    parts.push(
      fitSections([], [impactSection(change.impact, change.headBlobUrl)], POLICY_IMPACT_BUDGET),
    );
  return parts.map((p) => p.trim()).join("\n\n");
}

/** An annotation at each failing test's line (at most `max`). */
export function policyTestAnnotations(run: PolicyTestRun, max: number): Annotation[] {
  const failures = [
    ...run.problems.map((p) => ({
      file: p.file,
      line: p.line,
      title: "Policy tests could not run",
      message: p.message,
    })),
    ...run.results.filter(failing).map((r) => ({
      file: r.file,
      line: r.line,
      title: `Policy test ${r.outcome === "fail" ? "failed" : "not decided"}: ${r.name}`,
      message: r.message ?? r.outcome,
    })),
  ];
  return failures.slice(0, max).map((f) => ({
    path: f.file,
    start_line: Math.max(1, f.line),
    end_line: Math.max(1, f.line),
    annotation_level: "failure",
    title: fitLine(f.title, GITHUB_LIMITS.annotationTitle),
    message: truncateUtf8(f.message, GITHUB_LIMITS.annotationField, "…"),
  }));
}

/**
 * The base branch's protection: what is missing, with links to fix it, and what could not be read;
 * nothing when the branch requires all of it (the summary speaks only when there is something to do).
 */
export function renderBranchAudit(audit: BranchAudit): string {
  const branch = codeSpan(audit.branch);
  const gaps: string[] = [];
  if (audit.missingChecks.length > 0)
    gaps.push(
      `- It does not require ${audit.missingChecks.map((c) => codeSpan(c)).join(", ")}: a change can merge while ${audit.missingChecks.length === 1 ? "it fails" : "they fail"}. Add ${audit.missingChecks.length === 1 ? "it" : "them"} as required status checks (${markdownLink("rulesets", audit.settingsUrls.rulesets)} or ${markdownLink("branch protection", audit.settingsUrls.branches)}).`,
    );
  if (audit.codeOwnerReviews === false)
    gaps.push(
      `- It does not require a review from code owners: turn on "Require review from Code Owners" (${markdownLink("rulesets", audit.settingsUrls.rulesets)}).`,
    );
  if (audit.signedCommits === false)
    gaps.push(
      `- It does not require signed commits: turn on "Require signed commits" (${markdownLink("rulesets", audit.settingsUrls.rulesets)}).`,
    );
  const unknown = [
    ...(audit.codeOwnerReviews === undefined ? ["code owners' reviews"] : []),
    ...(audit.signedCommits === undefined ? ["signed commits"] : []),
  ];
  if (gaps.length === 0 && unknown.length === 0) return "";
  const lines =
    gaps.length > 0
      ? [`### ⚠️ The base branch ${branch} is not fully protected`, "", ...gaps]
      : [`### The base branch ${branch} requires Portcullis's checks`];
  if (unknown.length > 0)
    lines.push(
      "",
      `Whether it requires ${unknown.join(" and ")} could not be read: ${audit.unreadable.map(clip).join("; ")}.`,
    );
  return lines.join("\n");
}
