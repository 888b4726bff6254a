// String builtins the wasm runtime lacks, as OPA's topdown/strings.go and encoding builtins have them.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { RegoValue } from "../rego-value.js";
import { RegoSet } from "../rego-value.js";
import { goExpand, goFindAll, goRegExp, goReplaceAll } from "./go-regexp.js";
import { num, str, strings, typeError, Unsupported } from "./operands.js";

type Fn = (...args: RegoValue[]) => RegoValue | undefined;

/** A string, or an array or set of strings, as a list. */
function oneOrMany(v: RegoValue, pos: number): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v) || v instanceof RegoSet) return strings(v, pos);
  throw typeError(pos, v, "string", "set", "array");
}

/** strings.any_prefix_match / any_suffix_match: whether any search string has any base as affix. */
function anyAffix(suffix: boolean): Fn {
  return (a, b) => {
    const search = oneOrMany(a!, 1);
    const bases = oneOrMany(b!, 2);
    return search.some((s) => bases.some((x) => (suffix ? s.endsWith(x) : s.startsWith(x))));
  };
}

/** Go's strings.Count: non-overlapping; an empty substring counts runes + 1. */
function count(s: RegoValue, sub: RegoValue): number {
  const text = str(s!, 1);
  const search = str(sub!, 2);
  if (search === "") return [...text].length + 1;
  let n = 0;
  for (let at = text.indexOf(search); at >= 0; at = text.indexOf(search, at + search.length)) n++;
  return n;
}

/** indexof_n: every rune index where `search` starts (overlapping). */
function indexOfN(s: RegoValue, sub: RegoValue): number[] {
  const base = [...str(s!, 1)];
  const search = [...str(sub!, 2)];
  if (search.length === 0) throw new Error("empty search character");
  const out: number[] = [];
  for (let i = 0; i + search.length <= base.length; i++)
    if (search.every((c, j) => base[i + j] === c)) out.push(i);
  return out;
}

/** glob.quote_meta: escapes the characters gobwas/glob treats as special. */
function quoteMeta(s: RegoValue): string {
  return str(s!, 1).replace(/[*?\\[\]{}]/g, (c) => `\\${c}`);
}

function hash(algorithm: string): Fn {
  return (s) => createHash(algorithm).update(str(s!, 1), "utf8").digest("hex");
}

function hmac(algorithm: string): Fn {
  return (x, key) => createHmac(algorithm, str(key!, 2)).update(str(x!, 1), "utf8").digest("hex");
}

function hmacEqual(a: RegoValue, b: RegoValue): boolean {
  const x = Buffer.from(str(a!, 1), "utf8");
  const y = Buffer.from(str(b!, 2), "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** hex.decode: Go's hex.DecodeString (odd length or a bad byte is an error). */
function hexDecode(s: RegoValue): string {
  const text = str(s!, 1);
  const bad = /[^0-9a-fA-F]/.exec(text);
  if (bad)
    throw new Error(
      `encoding/hex: invalid byte: U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")} ${goQuoteRune(bad[0])}`,
    );
  if (text.length % 2 !== 0) throw new Error("encoding/hex: odd length hex string");
  const bytes = Buffer.from(text, "hex");
  return decodeUtf8(bytes);
}

function goQuoteRune(c: string): string {
  return `'${c === "'" ? "\\'" : c}'`;
}

/** Bytes as a Rego string: OPA keeps invalid UTF-8 as is; JSON cannot, so it is refused. */
function decodeUtf8(bytes: Buffer): string {
  const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  return text;
}

function regexReplace(s: RegoValue, p: RegoValue, v: RegoValue): string {
  const [text, pattern, template] = [str(s!, 1), str(p!, 2), str(v!, 3)];
  return goReplaceAll(goRegExp(pattern, true), text, (m) => goExpand(template, m));
}

function regexFindN(p: RegoValue, s: RegoValue, n: RegoValue): string[] {
  const [pattern, text, count] = [str(p!, 1), str(s!, 2), num(n!, 3)];
  const found = goFindAll(goRegExp(pattern, true), text).map((m) => m[0]);
  return count < 0 ? found : found.slice(0, count);
}

/** url.QueryEscape: all but letters, digits and -_.~ percent-encoded (upper case), space as +. */
function queryEscape(s: string): string {
  return [...Buffer.from(s, "utf8")]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      return c === " " ? "+" : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("");
}

/** url.QueryUnescape. */
function queryUnescape(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex))
        throw new Error(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === "+") bytes.push(0x20);
    else bytes.push(...Buffer.from(c, "utf8"));
  }
  try {
    return decodeUtf8(Buffer.from(bytes));
  } catch {
    throw new Unsupported(`${JSON.stringify(s)} decodes to bytes that are not UTF-8`);
  }
}

/** url.Values.Encode: keys sorted, each value escaped, joined by &. */
function encodeObject(o: RegoValue): string {
  if (!o || typeof o !== "object" || Array.isArray(o) || o instanceof RegoSet)
    throw typeError(1, o!, "object");
  const fail = () => new Error("operand 1 values must be string, array[string], or set[string]");
  return Object.keys(o)
    .sort()
    .flatMap((k) => {
      const v = (o as Record<string, RegoValue>)[k]!;
      const values =
        typeof v === "string"
          ? [v]
          : Array.isArray(v) || v instanceof RegoSet
            ? Array.isArray(v)
              ? v
              : v.items
            : undefined;
      if (!values) throw fail();
      return values.map((x) => {
        if (typeof x !== "string") throw fail();
        return `${queryEscape(k)}=${queryEscape(x)}`;
      });
    })
    .join("&");
}

/** url.ParseQuery: the first malformed pair is the error. */
function decodeObject(q: RegoValue): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let first: Error | undefined;
  for (const part of str(q!, 1).split("&")) {
    if (part === "") continue;
    if (part.includes(";")) {
      first ??= new Error("invalid semicolon separator in query");
      continue;
    }
    const eq = part.indexOf("=");
    try {
      const key = queryUnescape(eq < 0 ? part : part.slice(0, eq));
      const value = queryUnescape(eq < 0 ? "" : part.slice(eq + 1));
      (out[key] ??= []).push(value);
    } catch (err) {
      if (err instanceof Unsupported) throw err;
      first ??= err as Error;
    }
  }
  if (first) throw first;
  return out;
}

/** Go's strings.SplitN (an empty separator splits into characters). */
function goSplitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  const parts = sep === "" ? [...s] : s.split(sep);
  if (n < 0 || parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** strings.split_n: the first n parts (the rest dropped), or the last -n. */
function splitN(s: RegoValue, d: RegoValue, n: RegoValue): string[] {
  const [text, sep] = [str(s!, 1), str(d!, 2)];
  const count = num(n!, 3);
  if (!Number.isInteger(count))
    throw new Error("operand 3 must be integer number but got floating-point number");
  if (count >= 0) return goSplitN(text, sep, count + 1).slice(0, count);
  const parts = goSplitN(text, sep, -1);
  return parts.slice(Math.max(parts.length + count, 0));
}

/** regexp.QuoteMeta: Go's special characters escaped. */
const goQuoteMeta = (s: string) => s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");

/** regex.template_match: literal text around delimited patterns, the whole anchored. */
function templateMatch(t: RegoValue, v: RegoValue, s: RegoValue, e: RegoValue): boolean {
  const [template, value, start, end] = [str(t!, 1), str(v!, 2), str(s!, 3), str(e!, 4)];
  const bytes = (x: string) => Buffer.byteLength(x, "utf8");
  if (bytes(start) !== 1)
    throw new Error(
      `start delimiter has to be exactly one character long but is ${bytes(start)} long`,
    );
  if (bytes(end) !== 1)
    throw new Error(
      `end delimiter has to be exactly one character long but is ${bytes(start)} long`,
    );
  const unbalanced = () => new Error(`unbalanced braces in ${JSON.stringify(template)}`);
  const spans: [number, number][] = [];
  let level = 0;
  let open = 0;
  for (let i = 0; i < template.length; i++) {
    if (template[i] === start) {
      if (++level === 1) open = i;
    } else if (template[i] === end) {
      if (--level === 0) spans.push([open, i + 1]);
      else if (level < 0) throw unbalanced();
    }
  }
  if (level !== 0) throw unbalanced();
  let pattern = "^";
  let at = 0;
  for (const [from, to] of spans) {
    const inner = template.slice(from + 1, to - 1);
    goRegExp(`^${inner}$`);
    pattern += `${goQuoteMeta(template.slice(at, from))}(${inner})`;
    at = to;
  }
  pattern += `${goQuoteMeta(template.slice(at))}$`;
  return goRegExp(pattern).test(value);
}

export const TEXT_BUILTINS: Record<string, Fn> = {
  "strings.any_prefix_match": anyAffix(false),
  "strings.any_suffix_match": anyAffix(true),
  "strings.count": count,
  indexof_n: indexOfN,
  "glob.quote_meta": quoteMeta,
  "crypto.md5": hash("md5"),
  "crypto.sha1": hash("sha1"),
  "crypto.sha256": hash("sha256"),
  "crypto.hmac.md5": hmac("md5"),
  "crypto.hmac.sha1": hmac("sha1"),
  "crypto.hmac.sha256": hmac("sha256"),
  "crypto.hmac.sha512": hmac("sha512"),
  "crypto.hmac.equal": hmacEqual,
  "hex.encode": (s) => Buffer.from(str(s!, 1), "utf8").toString("hex"),
  "hex.decode": hexDecode,
  "base64url.encode_no_pad": (s) => Buffer.from(str(s!, 1), "utf8").toString("base64url"),
  "strings.split_n": splitN,
  "regex.replace": regexReplace,
  "regex.find_n": regexFindN,
  "regex.template_match": templateMatch,
  "urlquery.encode": (s) => queryEscape(str(s!, 1)),
  "urlquery.decode": (s) => queryUnescape(str(s!, 1)),
  "urlquery.encode_object": encodeObject,
  "urlquery.decode_object": decodeObject,
};
