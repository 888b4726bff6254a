// Waivers as code: a resource annotation or an inline comment that waives named rules, with a reason.
import type { Waiver, WaiverSource } from "./types.js";

export const WAIVER_ANNOTATION = "portcullis.dev/ignore";
export const WAIVER_COMMENT = "portcullis:ignore";

/** A waiver as written, before it is checked against the date. */
export interface ParsedWaiver {
  readonly waiver?: Waiver;
  /** Why the text is not a usable waiver (no rules, no reason, a bad date). */
  readonly error?: string;
  /** The error is in the rule list (no rule, not a rule id): it concerns every finding covered. */
  readonly anyRule?: boolean;
  readonly rules: readonly string[];
}

const RULE_ID = /^[A-Z][A-Z0-9_-]*[0-9]+$/;

/**
 * Parses `PCK007,PCK012 until=2027-03-01 -- the reason`. The reason is required; `until` is
 * optional and inclusive (the waiver works through that day, UTC).
 */
export function parseWaiverText(text: string, source: WaiverSource, line: number): ParsedWaiver {
  const [head = "", ...rest] = text.split("--");
  const reason = rest.join("--").trim();
  const tokens = head.trim().split(/\s+/).filter(Boolean);
  const rules: string[] = [];
  let expires: string | undefined;
  for (const token of tokens) {
    const until = /^until=(.*)$/.exec(token);
    if (until) {
      expires = until[1];
      continue;
    }
    for (const id of token
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean))
      rules.push(id.toUpperCase());
  }
  const bad = rules.find((r) => !RULE_ID.test(r));
  if (rules.length === 0) return { rules, error: "waiver names no rule", anyRule: true };
  if (bad) return { rules, error: `waiver names "${bad}", which is not a rule id`, anyRule: true };
  if (expires !== undefined && !isIsoDate(expires)) {
    return { rules, error: `waiver expiry "${expires}" is not a date (YYYY-MM-DD)` };
  }
  if (reason === "") return { rules, error: "waiver has no reason (write it after `--`)" };
  return { rules, waiver: { rules, reason, expires, source, line } };
}

function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

/** True when the waiver's last day is before `today` (YYYY-MM-DD, UTC). */
export function isExpired(waiver: Waiver, today: string): boolean {
  return waiver.expires !== undefined && waiver.expires < today;
}

/** Waiver clauses of a resource annotation value (one per line or separated by `;`). */
export function annotationWaivers(value: unknown, line: number): ParsedWaiver[] {
  if (typeof value !== "string") return [];
  return value
    .split(/[;\n]/)
    .map((clause) => clause.trim())
    .filter(Boolean)
    .map((clause) => parseWaiverText(clause, "annotation", line));
}

/** The waiver in a comment, when the comment is one (`portcullis:ignore ...`). */
export function commentWaiver(comment: string, line: number): ParsedWaiver | undefined {
  const at = comment.indexOf(WAIVER_COMMENT);
  if (at < 0) return undefined;
  return parseWaiverText(comment.slice(at + WAIVER_COMMENT.length), "comment", line);
}
