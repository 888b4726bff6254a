// OPA's `sprintf` as its Go implementation formats: Go fmt verbs over Rego values.
// The wasm SDK's own sprintf (sprintf-js) prints arrays as "a,b", objects as "[object Object]"
// and throws on %q; policy messages must read the same as under `opa eval`.
import { entriesOf, RegoNumber, RegoSet, type RegoValue } from "./rego-value.js";

type Value = unknown;

/** Rego's text form of a value (ast.Term.String()): what `%v` prints for composites. */
export function regoString(v: Value): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return goQuote(v);
  if (typeof v === "number") return numberText(v);
  if (typeof v === "boolean") return String(v);
  if (v instanceof RegoNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(regoString).join(", ")}]`;
  if (v instanceof RegoSet)
    return v.items.length ? `{${v.items.map(regoString).join(", ")}}` : "set()";
  const entries = entriesOf(v as RegoValue).map(([k, x]) => `${regoString(k)}: ${regoString(x)}`);
  return `{${entries.join(", ")}}`;
}

const INT64_LIMIT = 2 ** 63;

/** OPA hands fmt an int64 when the number is one, else a float64. */
function isInt64(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < INT64_LIMIT;
}

function numberText(n: number): string {
  return isInt64(n) ? BigInt(n).toString() : goFloat(n, "g");
}

/** strconv.FormatFloat(f, 'g' | 'e' | 'f', -1, 64): shortest representation, Go's layout. */
function goFloat(f: number, verb: "g" | "e" | "f"): string {
  if (Number.isNaN(f)) return "NaN";
  if (!Number.isFinite(f)) return f > 0 ? "+Inf" : "-Inf";
  if (verb === "f") return shortestFixed(f);
  const [mantissa, expText] = f.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const digits = mantissa.replace("-", "").replace(".", "");
  const sign = f < 0 ? "-" : "";
  // Shortest 'g' switches to exponent form below 1e-4 and from 1e6 on (strconv's eprec = 6).
  if (verb === "e" || exp < -4 || exp >= 6) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const e = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${digits[0]}${frac}e${exp < 0 ? "-" : "+"}${e}`;
  }
  return shortestFixed(f);
}

function shortestFixed(f: number): string {
  const s = String(f);
  if (!/e/i.test(s)) return s;
  // Expand JS exponent notation into plain digits.
  const [mantissa, expText] = f.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  const neg = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  let out: string;
  if (exp >= 0) {
    out =
      digits.length <= exp + 1
        ? digits + "0".repeat(exp + 1 - digits.length)
        : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    out = `0.${"0".repeat(-exp - 1)}${digits}`;
  }
  return (neg ? "-" : "") + out;
}

/** strconv.Quote: a double-quoted Go string literal. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\u0007") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\v") out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** What fmt receives: a string, an int64 (or *big.Int), or a float64. */
type GoArg =
  | { readonly k: "string"; readonly s: string }
  | { readonly k: "int"; readonly i: bigint }
  | { readonly k: "float"; readonly f: number };

/** The Go value fmt sees for a Rego argument (topdown's builtinSprintf conversion). */
function asGo(v: Value): GoArg {
  if (typeof v === "string") return { k: "string", s: v };
  if (typeof v === "number") return isInt64(v) ? { k: "int", i: BigInt(v) } : { k: "float", f: v };
  if (v instanceof RegoNumber) {
    // The text decides: a fraction or an exponent makes a float64, else an integer.
    if (/[.eE]/.test(v.text))
      return Number.isFinite(v.value) ? { k: "float", f: v.value } : { k: "string", s: v.text };
    return { k: "int", i: BigInt(v.text) };
  }
  // Composites, booleans and null reach fmt as their Rego text.
  return { k: "string", s: regoString(v) };
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function goType(a: GoArg): string {
  if (a.k === "string") return "string";
  if (a.k === "float") return "float64";
  return a.i >= INT64_MIN && a.i <= INT64_MAX ? "int64" : "*big.Int";
}

function goValueText(a: GoArg): string {
  return a.k === "string" ? a.s : a.k === "int" ? a.i.toString() : goFloat(a.f, "g");
}

function pad(text: string, width: number | undefined, left: boolean, zero: boolean): string {
  if (width === undefined || text.length >= width) return text;
  if (left) return text + " ".repeat(width - text.length);
  if (zero) {
    const sign = /^[+-]/.test(text) ? text[0]! : "";
    return sign + "0".repeat(width - text.length) + text.slice(sign.length);
  }
  return " ".repeat(width - text.length) + text;
}

function formatOne(verb: string, raw: Value, flags: string, precision: number | undefined): string {
  const a = asGo(raw);
  const bad = () => `%!${verb}(${goType(a)}=${goValueText(a)})`;
  const plus = (negative: boolean) => (flags.includes("+") && !negative ? "+" : "");
  switch (verb) {
    case "v":
      return goValueText(a);
    case "s":
      if (a.k !== "string") return bad();
      return precision !== undefined ? [...a.s].slice(0, precision).join("") : a.s;
    case "q":
      return a.k === "string" ? goQuote(a.s) : bad();
    case "d":
      if (a.k !== "int") return bad();
      return plus(a.i < 0n) + a.i.toString();
    case "f":
    case "F":
      if (a.k !== "float") return a.k === "int" ? `%!${verb}(${goType(a)}=${a.i})` : bad();
      return plus(a.f < 0) + a.f.toFixed(precision ?? 6);
    case "e":
    case "E": {
      if (a.k !== "float") return bad();
      // %e is 6 digits after the point unless told; only %v and %g are shortest.
      const text = plus(a.f < 0) + goExp(a.f.toExponential(precision ?? 6));
      return verb === "E" ? text.toUpperCase() : text;
    }
    case "g":
    case "G": {
      if (a.k !== "float") return bad();
      const text = plus(a.f < 0) + goFloat(a.f, "g");
      return verb === "G" ? text.toUpperCase() : text;
    }
    case "o":
    case "b":
      if (a.k !== "int") return bad();
      return plus(a.i < 0n) + a.i.toString(verb === "o" ? 8 : 2);
    case "c":
      return a.k === "int" ? String.fromCodePoint(Number(a.i)) : bad();
    case "x":
    case "X": {
      const hex =
        a.k === "int"
          ? (a.i < 0n ? "-" : "") + (a.i < 0n ? -a.i : a.i).toString(16)
          : a.k === "string"
            ? Buffer.from(a.s, "utf8").toString("hex")
            : undefined;
      if (hex === undefined) return bad();
      return verb === "X" ? hex.toUpperCase() : hex;
    }
    default:
      return bad();
  }
}

function goExp(jsExp: string): string {
  return jsExp.replace(/e([+-])(\d)$/, "e$10$2");
}

/** fmt.Sprintf(format, args...) with OPA's argument conversion. */
export function goSprintf(format: string, args: readonly Value[]): string {
  let out = "";
  let argIndex = 0;
  const re = /%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g;
  let last = 0;
  for (let m = re.exec(format); m !== null; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = "", widthText, precText, verb = ""] = m;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const text = formatOne(
      verb,
      args[argIndex++],
      flags,
      precText !== undefined ? Number(precText) : undefined,
    );
    out += pad(
      text,
      widthText !== undefined ? Number(widthText) : undefined,
      flags.includes("-"),
      flags.includes("0"),
    );
  }
  out += format.slice(last);
  if (argIndex < args.length) {
    const extra = args.slice(argIndex).map((a) => `${goType(asGo(a))}=${goValueText(asGo(a))}`);
    out += `%!(EXTRA ${extra.join(", ")})`;
  }
  return out;
}
