// CODEOWNERS with GitHub's semantics: gitignore-like patterns minus `!`, `[ ]` and `\#`; the last
import { MAX_CODEOWNERS_BYTES } from "../core/limits.js";
export { MAX_CODEOWNERS_BYTES };
// matching line wins; a pattern without owners clears ownership; bad lines are skipped and reported.

/** Where GitHub looks, in this order; the first file found is used. */
export const CODEOWNERS_PATHS = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"] as const;

/** The CODEOWNERS file GitHub uses: the first of CODEOWNERS_PATHS that `read` finds. */
export async function findCodeowners(
  read: (path: string) => Promise<Uint8Array | undefined>,
): Promise<{ path: string; text: string } | undefined> {
  for (const path of CODEOWNERS_PATHS) {
    const content = await read(path);
    if (content) return { path, text: Buffer.from(content).toString("utf8") };
  }
  return undefined;
}

export type Owner =
  | { readonly kind: "user"; readonly login: string }
  | { readonly kind: "team"; readonly org: string; readonly slug: string }
  | { readonly kind: "email"; readonly email: string };

export interface CodeownersRule {
  readonly pattern: string;
  readonly owners: readonly Owner[];
  readonly line: number;
  readonly matches: (path: string) => boolean;
}

export interface CodeownersError {
  readonly line: number;
  readonly message: string;
}

export interface Codeowners {
  readonly rules: readonly CodeownersRule[];
  readonly errors: readonly CodeownersError[];
}

const USER = /^@([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))$/;
const TEAM = /^@([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9_.-]+)$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function parseOwner(token: string): Owner | undefined {
  const team = TEAM.exec(token);
  if (team) return { kind: "team", org: team[1]!, slug: team[2]! };
  const user = USER.exec(token);
  if (user) return { kind: "user", login: user[1]! };
  if (EMAIL.test(token)) return { kind: "email", email: token };
  return undefined;
}

export function ownerText(owner: Owner): string {
  if (owner.kind === "user") return `@${owner.login}`;
  if (owner.kind === "team") return `@${owner.org}/${owner.slug}`;
  return owner.email;
}

/** Splits a line into tokens on unescaped whitespace, stopping at an unescaped ` #` comment. */
function tokens(line: string): string[] {
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && i + 1 < line.length) {
      current += c + line[i + 1];
      i++;
    } else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]!))) {
      break;
    } else if (/\s/.test(c)) {
      if (current !== "") out.push(current);
      current = "";
    } else current += c;
  }
  if (current !== "") out.push(current);
  return out;
}

function escapeRegex(c: string): string {
  return /[.*?+^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}

/** The gitignore-like pattern as a matcher of repository-relative paths (case-sensitive). */
export function compilePattern(pattern: string): (path: string) => boolean {
  let p = pattern;
  const directoryOnly = p.endsWith("/");
  if (directoryOnly) p = p.slice(0, -1);
  // A slash at the start or in the middle anchors the pattern at the repository root.
  const anchored = p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  // `dir/*` owns the files directly in dir, not those in its subdirectories.
  const childrenOnly = p.endsWith("/*") || p === "*";
  let source = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\" && i + 1 < p.length) {
      source += escapeRegex(p[++i]!);
    } else if (c === "*" && p[i + 1] === "*") {
      const before = i === 0 || p[i - 1] === "/";
      const after = i + 2 >= p.length || p[i + 2] === "/";
      if (before && after) {
        // `**/` at any position: zero or more whole directories.
        source += i + 2 < p.length ? "(?:.*/)?" : ".*";
        i += i + 2 < p.length ? 2 : 1;
      } else {
        source += "[^/]*";
        i++;
      }
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += escapeRegex(c);
  }
  const prefix = anchored ? "^" : "^(?:.*/)?";
  const suffix =
    childrenOnly && !pattern.endsWith("/") ? "$" : directoryOnly ? "/.*$" : "(?:/.*)?$";
  const re = new RegExp(`${prefix}${source}${suffix}`);
  return (path) => re.test(path);
}

/** Parses CODEOWNERS text; lines GitHub would skip are reported, the others kept in order. */
export function parseCodeowners(text: string): Codeowners {
  const rules: CodeownersRule[] = [];
  const errors: CodeownersError[] = [];
  if (Buffer.byteLength(text) >= MAX_CODEOWNERS_BYTES) {
    return {
      rules,
      errors: [{ line: 1, message: "CODEOWNERS is 3 MB or larger, so GitHub does not load it" }],
    };
  }
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    if (trimmed.startsWith("\\#")) {
      errors.push({
        line,
        message:
          "an escaped `#` at the start of a pattern is not supported by GitHub; the line is skipped",
      });
      return;
    }
    const [pattern, ...ownerTokens] = tokens(trimmed);
    if (!pattern) return;
    if (pattern.startsWith("!")) {
      errors.push({
        line,
        message: `negation (\`${pattern}\`) is not supported by GitHub; the line is skipped`,
      });
      return;
    }
    if (/(^|[^\\])[[\]]/.test(pattern)) {
      errors.push({
        line,
        message: `character ranges (\`${pattern}\`) are not supported by GitHub; the line is skipped`,
      });
      return;
    }
    const owners: Owner[] = [];
    for (const token of ownerTokens) {
      const owner = parseOwner(token);
      if (!owner) {
        errors.push({
          line,
          message: `\`${token}\` is not an owner (@user, @org/team or an email); the line is skipped`,
        });
        return;
      }
      owners.push(owner);
    }
    rules.push({ pattern, owners, line, matches: compilePattern(pattern) });
  });
  return { rules, errors };
}

/**
 * The owners of a path: those of the last matching rule. `undefined` when no rule matches; an
 * empty list when the last match has no owners (ownership cleared).
 */
export function ownersOf(
  codeowners: Codeowners,
  path: string,
): { owners: readonly Owner[]; line: number } | undefined {
  for (let i = codeowners.rules.length - 1; i >= 0; i--) {
    const rule = codeowners.rules[i]!;
    if (rule.matches(path)) return { owners: rule.owners, line: rule.line };
  }
  return undefined;
}
