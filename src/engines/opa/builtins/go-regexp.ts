// Go's RE2 syntax (what OPA's regex builtins compile) as a JavaScript RegExp, where the two agree.
// What JavaScript would read differently is refused with Unsupported, which stops the evaluation:
// a policy whose regex Portcullis cannot read exactly is not evaluated, never passed.
import { Unsupported } from "./operands.js";

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};
/** Perl classes as Go has them: ASCII only (JavaScript's \s also takes Unicode spaces). */
const PERL: Record<string, string> = { s: "\\t\\n\\f\\r ", d: "0-9", w: "0-9A-Za-z_" };
const JS_SYNTAX = new Set([..."^$\\.*+?()[]{}|/-"]);

/** Go's messages for the malformed patterns a policy is most likely to hold. */
function goParseError(pattern: string): Error {
  const depth = [...pattern.replace(/\\./g, "")].reduce(
    (d, c) => (d < 0 ? d : c === "(" ? d + 1 : c === ")" ? d - 1 : d),
    0,
  );
  if (depth > 0) return new Error(`error parsing regexp: missing closing ): \`${pattern}\``);
  if (depth < 0) return new Error(`error parsing regexp: unexpected ): \`${pattern}\``);
  const nested = /(?<!\\)[*+?][*+]/.exec(pattern);
  if (nested)
    return new Error(`error parsing regexp: invalid nested repetition operator: \`${nested[0]}\``);
  const bare = /^[*+?]|(?<=[(|])[*+?]/.exec(pattern);
  if (bare)
    return new Error(
      `error parsing regexp: missing argument to repetition operator: \`${bare[0]}\``,
    );
  const open = pattern.replace(/\\./g, "").lastIndexOf("[");
  if (open >= 0 && !pattern.slice(open).includes("]"))
    return new Error(
      `error parsing regexp: missing closing ]: \`${pattern.slice(pattern.lastIndexOf("["))}\``,
    );
  return new Unsupported(
    `regular expression ${JSON.stringify(pattern)} is not one Portcullis can run as Go does`,
  );
}

/** Translates the pattern; throws Go's parse error, or Unsupported. */
// eslint-disable-next-line max-lines-per-function -- one left-to-right pass over the pattern: each Go syntax case (escape, POSIX class, bracket, group) reads ahead, moves the shared index and reads or sets whether it is inside a character class, so the cases stay together in one loop
export function goRegExp(pattern: string, global = false): RegExp {
  let flags = "u" + (global ? "g" : "");
  let rest = pattern;
  const lead = /^\(\?([imsU]+)\)/.exec(rest);
  if (lead) {
    if (lead[1]!.includes("U")) throw new Unsupported("the (?U) flag is not supported");
    flags += [...new Set(lead[1])].join("");
    rest = rest.slice(lead[0].length);
  }
  let out = "";
  let inClass = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (c === "\\") {
      const n = rest[i + 1];
      if (n === undefined)
        throw new Error("error parsing regexp: trailing backslash at end of expression: ``");
      i++;
      if (n in PERL) out += inClass ? PERL[n] : `[${PERL[n]}]`;
      else if (n.toUpperCase() in PERL && n !== n.toLowerCase() && !inClass)
        out += `[^${PERL[n.toLowerCase()]}]`;
      else if (n === "A") out += "(?<![\\s\\S])";
      else if (n === "z") out += "(?![\\s\\S])";
      else if (n === "a") out += "\\x07";
      else if ((n === "p" || n === "P") && rest[i + 1] !== "{") out += `\\${n}{${rest[++i]}}`;
      else if (n === "x" && rest[i + 1] === "{") {
        const end = rest.indexOf("}", i);
        out += `\\u{${rest.slice(i + 2, end)}}`;
        i = end;
      } else if (n === "Q") {
        const end = rest.indexOf("\\E", i);
        const literal = rest.slice(i + 1, end < 0 ? undefined : end);
        out += literal.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
        i = end < 0 ? rest.length : end + 1;
      } else if (/[A-Za-z0-9]/.test(n)) {
        if (!"bBfnrtv".includes(n) && !/[pP]/.test(n))
          throw new Unsupported(`the escape \\${n} is not supported`);
        out += `\\${n}`;
      } else
        out += JS_SYNTAX.has(n) ? `\\${n}` : `\\x${n.charCodeAt(0).toString(16).padStart(2, "0")}`;
      continue;
    }
    if (inClass && c === "[" && rest[i + 1] === ":") {
      const end = rest.indexOf(":]", i);
      const name = rest.slice(i + 2, end);
      const negated = name.startsWith("^");
      const set = POSIX[negated ? name.slice(1) : name];
      if (end < 0 || !set || negated)
        throw new Unsupported(`the class [:${name}:] is not supported`);
      out += set;
      i = end + 1;
      continue;
    }
    if (c === "[" && !inClass) {
      inClass = true;
      out += c;
      if (rest[i + 1] === "^") out += rest[++i];
      if (rest[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "]" && inClass) inClass = false;
    else if (inClass && "[/{}()|".includes(c)) {
      out += `\\${c}`;
      continue;
    } else if (c === "(" && rest[i + 1] === "?") {
      if (rest.startsWith("(?P<", i)) {
        out += "(?<";
        i += 3;
        continue;
      }
      if (!rest.startsWith("(?:", i))
        throw new Unsupported("inline flags inside a pattern are not supported");
    }
    out += c;
  }
  try {
    return new RegExp(out, flags);
  } catch {
    throw goParseError(pattern);
  }
}

/** regexp.Expand's template: $1, ${1}, $name, ${name}, $$ (a name is the longest run of word characters). */
export function goExpand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{(\w+)\}|(\w+))?/g, (all, _x, braced?: string, bare?: string) => {
    if (all === "$$") return "$";
    const name = braced ?? bare;
    if (name === undefined) return all === "$" ? "$" : all;
    if (/^\d+$/.test(name)) return match[Number(name)] ?? "";
    return match.groups?.[name] ?? "";
  });
}

/** Go's successive non-overlapping matches: an empty match right after a match is skipped. */
export function goFindAll(re: RegExp, text: string): RegExpExecArray[] {
  const found: RegExpExecArray[] = [];
  let prevEnd = -1;
  for (let pos = 0; pos <= text.length; ) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) break;
    const end = m.index + m[0].length;
    let accept = true;
    if (end === pos) {
      if (m.index === prevEnd) accept = false;
      pos += pos < text.length ? String.fromCodePoint(text.codePointAt(pos)!).length : 1;
    } else pos = end;
    prevEnd = end;
    if (accept) found.push(m);
  }
  return found;
}

/** regexp.ReplaceAllString: no replacement for an empty match right after another match. */
export function goReplaceAll(
  re: RegExp,
  text: string,
  replace: (m: RegExpExecArray) => string,
): string {
  let out = "";
  let lastEnd = 0;
  for (let pos = 0; pos <= text.length; ) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) break;
    const end = m.index + m[0].length;
    out += text.slice(lastEnd, m.index);
    if (end > lastEnd || m.index === 0) out += replace(m);
    lastEnd = end;
    const width = pos < text.length ? String.fromCodePoint(text.codePointAt(pos)!).length : 1;
    pos = pos + width > end ? pos + width : end;
  }
  return out + text.slice(lastEnd);
}
