// JSON with comments (JSONC), read as VS Code, TypeScript and devcontainers read their own
// settings files: `//` and `/* */` comments and trailing commas allowed, nothing else.

/** `text` without comments and trailing commas (strings kept as written); undefined when unterminated. */
export function stripJsonComments(text: string): string | undefined {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      out += text.slice(i, end);
      i = end;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) return undefined;
      // Newlines are kept, so a parse error still names the right line.
      out += text.slice(i, end + 2).replace(/[^\n]/g, " ");
      i = end + 2;
    } else {
      out += c;
      i++;
    }
  }
  // A comma before a closing bracket, outside strings, is dropped.
  return dropTrailingCommas(out);
}

/** The index after the string that starts at `start` (a `"`), or -1 when it never ends. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
  return i >= text.length ? -1 : i + 1;
}

function dropTrailingCommas(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (c === ",") {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j]!)) j++;
      if (text[j] === "}" || text[j] === "]") {
        out += " ";
        i++;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

/** The value of a JSONC text, or undefined when it is not JSONC either. */
export function parseJsonc(text: string): { value: unknown } | undefined {
  const plain = stripJsonComments(text);
  if (plain === undefined) return undefined;
  try {
    return { value: JSON.parse(plain) as unknown };
  } catch {
    return undefined;
  }
}
