// Safe GitHub markdown for attacker-controlled text (image names, labels, file paths, messages):
// nothing pings, links, renders HTML or breaks out of a table cell, code span or fence.

/** U+200D ZERO WIDTH JOINER: placed after `@` and `#` so GitHub sees no mention or reference. */
export const ZWJ = "\u200d";

export interface EscapeOptions {
  /**
   * Keep line breaks (as `\n`) and escape block syntax at the start of every line. The default
   * collapses every line break to one space, which is what a table cell or a list item needs.
   */
  readonly keepNewlines?: boolean;
}

/** Backslash-escaped anywhere: emphasis, strikethrough, code, links and images, tables, math. */
const BACKSLASHED = new Set(["\\", "`", "*", "_", "~", "[", "]", "(", ")", "|", "$"]);
const ENTITIES: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;" };
/** Bidirectional overrides and isolates ("Trojan Source"): shown, never obeyed. */
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LINE_BREAK = /\r\n|[\r\n\u2028\u2029\u0085]/;

function escapeLine(line: string): string {
  let out = "";
  const chars = Array.from(line);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const next = chars[i + 1];
    if (BACKSLASHED.has(c)) out += `\\${c}`;
    else if (c in ENTITIES) out += ENTITIES[c];
    else if (c === "@") out += `@${ZWJ}`;
    else if (c === "#") out += next !== undefined && /[0-9]/.test(next) ? `#${ZWJ}` : "\\#";
    else if (c === "\t") out += " ";
    else if (BIDI.test(c) || CONTROL.test(c)) out += "\ufffd";
    else out += c;
  }
  // `GH-123` is an issue reference too.
  out = out.replace(/\b(GH-)(?=[0-9])/gi, `$1${ZWJ}`);
  // Block syntax only counts at the start of a line: lists, setext and thematic breaks, headings.
  out = out.replace(/^(\s*)([-+=])/, "$1\\$2");
  out = out.replace(/^(\s*[0-9]{1,9})\./, "$1\\.");
  return out;
}

/**
 * Escapes text for GitHub markdown: `@team` and `#123` do not ping or link (a zero-width joiner
 * follows `@` and `#`), HTML is shown as text, backticks cannot open or close code, `|` cannot end
 * a table cell, `[`/`]`/`(`/`)` make no link, `*`/`_`/`~`/`$` no emphasis or math, and leading
 * `#`/`>`/`-`/`+`/`1.` no block. Bidirectional and control characters become U+FFFD.
 */
export function escapeMarkdown(text: string, options: EscapeOptions = {}): string {
  const lines = text.split(LINE_BREAK);
  if (options.keepNewlines) return lines.map(escapeLine).join("\n");
  return escapeLine(lines.join(" "));
}

/**
 * An inline code span that the text cannot close: the fence is one backtick longer than the
 * longest run inside. In a table cell (`table: true`) pipes are escaped, which GFM honours there.
 */
export function codeSpan(text: string, options: { readonly table?: boolean } = {}): string {
  let body = text.split(LINE_BREAK).join(" ");
  if (options.table) body = body.replace(/\|/g, "\\|");
  const fence = "`".repeat(longestRun(body, "`") + 1);
  const pad = body.startsWith("`") || body.endsWith("`") || body.trim() === "" ? " " : "";
  return `${fence}${pad}${body}${pad}${fence}`;
}

/** A code fence the given lines cannot close: at least three backticks, longer than any run. */
export function fenceFor(lines: readonly string[]): string {
  const longest = lines.reduce((max, l) => Math.max(max, longestRun(l, "`")), 0);
  return "`".repeat(Math.max(3, longest + 1));
}

function longestRun(text: string, char: string): number {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

/** Percent-encodes what could end a markdown link destination or start markup in it. */
export function safeUrl(url: string): string {
  return Array.from(url)
    .map((c) =>
      /[A-Za-z0-9\-._~:/?#@!$&*+,;=%]/.test(c)
        ? c
        : Array.from(
            new TextEncoder().encode(c),
            (b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`,
          ).join(""),
    )
    .join("");
}

/** `[text](url)` with the text escaped and the URL percent-encoded. */
export function markdownLink(text: string, url: string): string {
  return `[${escapeMarkdown(text)}](${safeUrl(url)})`;
}

const encoder = new TextEncoder();

/** Size of a string in UTF-8 bytes (GitHub measures its text limits in bytes). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * `text` when it fits in `maxBytes` UTF-8 bytes; otherwise its longest prefix that ends on a
 * character boundary and leaves room for `suffix` (e.g. "… 12 more not shown"), then the suffix.
 * The result never exceeds `maxBytes`, even when the suffix alone does not fit (it is cut too).
 */
export function truncateUtf8(text: string, maxBytes: number, suffix = "…"): string {
  const limit = Math.max(0, Math.floor(maxBytes));
  if (utf8Length(text) <= limit) return text;
  const suffixBytes = utf8Length(suffix);
  if (suffixBytes > limit) return prefixWithin(suffix, limit);
  return prefixWithin(text, limit - suffixBytes) + suffix;
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes, never splitting a character. */
function prefixWithin(text: string, maxBytes: number): string {
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  let cut = maxBytes;
  // Back off over continuation bytes (10xxxxxx) to the first byte of the character.
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  return new TextDecoder().decode(bytes.subarray(0, cut));
}
