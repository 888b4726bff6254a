// Inline review comments for open findings, anchored only where GitHub accepts them (inside a
// hunk of the file's patch), each with a hidden fingerprint so a later push can update it.
import { fixSafety } from "../fixes/fix-safety.js";
import { canComment, sameHunk, type Hunk } from "../core/diff.js";
import { SEVERITY_RANK, type Finding, type RuleMetadata } from "../core/types.js";
import { findingHelpUri } from "./links.js";
import { GITHUB_LIMITS } from "./github-limits.js";
import { escapeMarkdown, fenceFor, markdownLink, truncateUtf8, utf8Length } from "./markdown.js";
import { compareText } from "../core/compare-text.js";

/** GitHub's limit for a review comment body is 65,536 characters; kept in UTF-8 bytes. */
export const MAX_COMMENT_BODY_BYTES = GITHUB_LIMITS.commentBody;
/** The part of a body given to the (escaped) finding message. */
const MAX_MESSAGE_BYTES = 8_192;

/** A comment of `POST /pulls/{n}/reviews`, always on the new file. */
export interface ReviewComment {
  readonly path: string;
  readonly line: number;
  readonly start_line?: number;
  readonly start_side?: "RIGHT";
  readonly side: "RIGHT";
  readonly body: string;
}

/** Replacement lines for a finding, on the new file's lines `startLine..endLine`. */
export interface Suggestion {
  readonly startLine: number;
  readonly endLine: number;
  readonly lines: readonly string[];
}

export interface ReviewCommentOptions {
  /** At most this many comments; the rest are counted in `omitted`. */
  readonly max: number;
  /** By finding fingerprint. Used only when the whole range lies inside one hunk. */
  readonly suggestions?: ReadonlyMap<string, Suggestion>;
  /** For the rule title next to its id. */
  readonly rules?: ReadonlyMap<string, RuleMetadata>;
  /** `https://<host>/<owner>/<repo>/blob/<base sha>/`: repository policies' findings link there. */
  readonly policyBlobUrl?: string;
}

export interface ReviewComments {
  readonly comments: ReviewComment[];
  /** Commentable findings left out by `max`. */
  readonly omitted: number;
  /** Open findings on lines outside the diff (or in a file without a patch): no comment. */
  readonly outsideDiff: number;
}

const MARKER = /<!-- portcullis:fingerprint=([A-Za-z0-9._:+/=-]{1,200}) -->/;

/** The hidden marker a comment carries; only characters that cannot end an HTML comment. */
function marker(fingerprint: string): string {
  const safe = /^[A-Za-z0-9._:+/=-]{1,200}$/.test(fingerprint)
    ? fingerprint
    : encodeURIComponent(fingerprint).replace(/%/g, "_").slice(0, 200);
  return `<!-- portcullis:fingerprint=${safe} -->`;
}

/** The fingerprint in a comment body written by `renderReviewComments`, if any. */
export function fingerprintOfComment(body: string): string | undefined {
  return MARKER.exec(body)?.[1];
}

interface Anchor {
  readonly line: number;
  readonly start_line?: number;
}

function anchorOf(hunks: readonly Hunk[], start: number, end: number): Anchor | undefined {
  if (start < end && sameHunk(hunks, start, end)) return { start_line: start, line: end };
  if (canComment(hunks, start)) return { line: start };
  return undefined;
}

function suggestionBlock(s: Suggestion): string {
  const fence = fenceFor(s.lines);
  return [`${fence}suggestion`, ...s.lines, fence].join("\n");
}

function bodyOf(f: Finding, options: ReviewCommentOptions, suggestion?: Suggestion): string {
  const title = options.rules?.get(f.rule)?.title;
  const url = findingHelpUri(f, options.policyBlobUrl);
  const rule = url ? markdownLink(f.rule, url) : escapeMarkdown(f.rule);
  const heading = `**${escapeMarkdown(f.severity)}** · ${rule}${title ? ` · ${escapeMarkdown(title)}` : ""}`;
  const note = f.note ? `\n\n${escapeMarkdown(truncateUtf8(f.note, 1_000, "…"))}` : "";
  const message = escapeMarkdown(truncateUtf8(f.message, MAX_MESSAGE_BYTES, "…"));
  const end = `\n\n${marker(f.fingerprint)}`;
  const text = `${heading}\n\n${message}${note}`;
  if (suggestion) {
    // A fix that can stop the workload from starting says so above the button (docs/fixes.md).
    const safety = fixSafety(f.rule);
    const look = safety.safe
      ? ""
      : `\n\n⚠️ **This fix needs a look before you apply it:** ${escapeMarkdown(safety.reason)}.`;
    const withSuggestion = `${text}${look}\n\n${suggestionBlock(suggestion)}${end}`;
    if (utf8Length(withSuggestion) <= MAX_COMMENT_BODY_BYTES) return withSuggestion;
  }
  return `${text}${end}`;
}

/**
 * One comment per open finding whose first line lies in a hunk of its file's patch: a range
 * (`start_line` < `line`) when both ends lie in the same hunk, else the first line alone. With a
 * suggestion whose range lies in one hunk, the comment covers exactly that range and carries a
 * ```suggestion block. Most severe first; at most `max`.
 */
export function renderReviewComments(
  findings: readonly Finding[],
  patches: ReadonlyMap<string, readonly Hunk[]>,
  options: ReviewCommentOptions,
): ReviewComments {
  const max = Number.isFinite(options.max) ? Math.max(0, Math.floor(options.max)) : 0;
  const seen = new Set<string>();
  const open = findings
    .filter((f) => f.status.kind === "open")
    .filter((f) => (seen.has(f.fingerprint) ? false : (seen.add(f.fingerprint), true)))
    .sort(
      (a, b) =>
        SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
        compareText(a.file, b.file) ||
        a.lines.start - b.lines.start ||
        compareText(a.rule, b.rule),
    );
  const candidates: ReviewComment[] = [];
  let outsideDiff = 0;
  for (const f of open) {
    const hunks = patches.get(f.file) ?? [];
    const s = options.suggestions?.get(f.fingerprint);
    const fits =
      s !== undefined &&
      Number.isInteger(s.startLine) &&
      Number.isInteger(s.endLine) &&
      s.startLine <= s.endLine &&
      sameHunk(hunks, s.startLine, s.endLine);
    const anchor: Anchor | undefined = fits
      ? s.startLine < s.endLine
        ? { start_line: s.startLine, line: s.endLine }
        : { line: s.startLine }
      : anchorOf(hunks, f.lines.start, f.lines.end);
    if (!anchor) {
      outsideDiff++;
      continue;
    }
    const body = bodyOf(f, options, fits ? s : undefined);
    candidates.push({
      path: f.file,
      line: anchor.line,
      ...(anchor.start_line === undefined
        ? {}
        : { start_line: anchor.start_line, start_side: "RIGHT" as const }),
      side: "RIGHT",
      body,
    });
  }
  return {
    comments: candidates.slice(0, max),
    omitted: Math.max(0, candidates.length - max),
    outsideDiff,
  };
}
