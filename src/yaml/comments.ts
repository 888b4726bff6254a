// The comments of a file by line, for waivers written as comments (src/core/findings.ts).
import { Parser } from "yaml";
import { lineIndex } from "../core/lines.js";

/** Comments by line (1-based): read from the YAML token stream, so `#` inside strings is not one. */
export function commentsByLine(text: string): Map<number, string> {
  const comments = new Map<number, string>();
  const lineAt = lineIndex(text);
  const visit = (token: unknown): void => {
    if (Array.isArray(token)) {
      for (const t of token) visit(t);
      return;
    }
    if (token === null || typeof token !== "object") return;
    const t = token as { type?: string; offset?: number; source?: string };
    if (t.type === "comment" && typeof t.offset === "number" && typeof t.source === "string") {
      comments.set(lineAt(t.offset), t.source.replace(/^#\s?/, ""));
      return;
    }
    for (const value of Object.values(token)) if (value && typeof value === "object") visit(value);
  };
  try {
    for (const token of new Parser().parse(text)) visit(token);
  } catch {
    // A file that does not lex has no trustworthy comments; waivers then simply do not apply.
  }
  return comments;
}
