// GitHub's documented limits on what the app reads and posts, in one place, and the one way text is
// fitted into them: cut at a line, with a line that says how much was left out and where to see it.
//
// Sources: GitHub's REST description (@octokit/openapi, generated/api.github.com.json):
//   checks/create and checks/update `output.summary`, `output.text`: maxLength 65535;
//   `output.annotations`: maxItems 50 a request; annotation `message`, `raw_details`: "64 KB";
//   annotation `title`: "255 characters"; `actions`: "A maximum of three", label 20, description
//   40, identifier 20 characters; pulls/list-files: "Responses include a maximum of 3000 files";
//   pulls/list-commits: "a maximum of 250 commits".
// Review and comment bodies: 65,536 characters (GitHub answers 422 "body is too long (maximum is
// 65536 characters)"; renovatebot/renovate#2032). GitHub counts some of these in bytes
// (github/rest-api-description#5399), so every text limit here is applied in UTF-8 bytes.
import { truncateUtf8, utf8Length } from "./markdown.js";

export const GITHUB_LIMITS = {
  /** `output.summary` and `output.text` of a check run. */
  checkOutputText: 65_535,
  /** `output.title` of a check run: GitHub documents no limit; kept to one line's worth. */
  checkTitle: 1_024,
  /** Annotations in one create or update request (each further update appends). */
  annotationsPerRequest: 50,
  /** Annotation `message` and `raw_details` (64 KB), kept below 65,535 bytes. */
  annotationField: 65_535,
  /** Annotation `title`. */
  annotationTitle: 255,
  /** Check run actions (buttons) and their fields. */
  actions: 3,
  actionLabel: 20,
  actionDescription: 40,
  actionIdentifier: 20,
  /** The body of a review, and of each of its comments. */
  commentBody: 65_536,
  /** Files GitHub lists for a pull request: the rest of a larger one is never listed. */
  listedFiles: 3_000,
  /** Commits GitHub lists for a pull request. */
  listedCommits: 250,
} as const;

/** Where a reader sees everything a cut list leaves out, by default. */
export const SEE_ALL_LOCALLY = "run `portcullis review` locally to see them all";

/** A part of a markdown text: fixed lines, then items, cut with "N more not shown" when over budget. */
export interface Section {
  readonly head: readonly string[];
  readonly items: readonly string[];
  readonly noun: string;
  /** Where to see the items left out (default: SEE_ALL_LOCALLY). */
  readonly seeAll?: string;
  /** What the items left out are, from index `from` on (e.g. "all approved"), when it helps. */
  readonly hidden?: (from: number) => string;
}

const cost = (lines: readonly string[]) => lines.reduce((n, l) => n + utf8Length(l) + 1, 0);

function moreLine(section: Section, n: number, from: number): string {
  const what = section.hidden?.(from);
  const noun = n === 1 ? section.noun : `${section.noun}s`;
  return `_… ${n} more ${noun} not shown${what ? ` (${what})` : ""}: ${section.seeAll ?? SEE_ALL_LOCALLY}._`;
}

/**
 * Joins the head and the sections within `budget` UTF-8 bytes, shared fairly: sections are
 * filled smallest first, each up to an equal share of what is left, so what a small section does
 * not use goes to the larger ones. A section over its share keeps its heading and ends with
 * "N more not shown": a long list never hides the next one.
 */
export function fitSections(
  head: readonly string[],
  sections: readonly Section[],
  budget: number,
): string {
  const full = sections.map((s) => cost(["", ...s.head, ...s.items]));
  const rendered: string[][] = [];
  let remaining = budget - cost(head);
  const bySize = sections.map((_, i) => i).sort((a, b) => full[a]! - full[b]!);
  bySize.forEach((index, k) => {
    const share = Math.floor(remaining / (bySize.length - k));
    const lines = renderSection(sections[index]!, share);
    rendered[index] = lines;
    remaining -= cost(lines);
  });
  return fitText([...head, ...rendered.flat()].join("\n"), budget);
}

/** A blank line, the section's head, and as many items as fit in `allowed` bytes. */
function renderSection(section: Section, allowed: number): string[] {
  const lines = ["", ...section.head];
  let size = cost(lines);
  const worstMore = cost(["", "", moreLine(section, section.items.length, 0)]);
  let shown = 0;
  for (const item of section.items) {
    const itemCost = utf8Length(item) + 1;
    const last = shown === section.items.length - 1;
    // The last item needs no room for a "more" line after it.
    if (size + itemCost + (last ? 0 : worstMore) > allowed) break;
    lines.push(item);
    size += itemCost;
    shown++;
  }
  if (shown < section.items.length) {
    // After a blank line: a table would take a following line as one more row.
    if (lines[lines.length - 1] !== "") lines.push("");
    lines.push(moreLine(section, section.items.length - shown, shown));
  }
  return lines;
}

/**
 * `text` when it fits in `maxBytes` UTF-8 bytes; otherwise its longest run of whole lines that
 * leaves room for a last line saying how many lines were left out and where to see them.
 */
export function fitText(text: string, maxBytes: number, seeAll = SEE_ALL_LOCALLY): string {
  if (utf8Length(text) <= maxBytes) return text;
  const lines = text.split("\n");
  const note = (n: number) =>
    `\n\n_… ${n} more ${n === 1 ? "line" : "lines"} cut at GitHub's size limit: ${seeAll}._`;
  const room = maxBytes - utf8Length(note(lines.length));
  let size = -1;
  let kept = 0;
  while (kept < lines.length && size + utf8Length(lines[kept]!) + 1 <= room) {
    size += utf8Length(lines[kept]!) + 1;
    kept++;
  }
  if (kept === 0) return truncateUtf8(text, maxBytes, "…"); // one enormous line
  return truncateUtf8(lines.slice(0, kept).join("\n") + note(lines.length - kept), maxBytes);
}

/** A one-line field (a title, a label) within `maxBytes`, ending in "…" when cut. */
export function fitLine(text: string, maxBytes: number): string {
  return truncateUtf8(text.replace(/[\r\n]+/g, " "), maxBytes, "…");
}
