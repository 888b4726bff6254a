// String builtins the wasm runtime lacks, as OPA's topdown/strings.go and encoding builtins have them.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { RegoValue } from "../rego-value.js";
import { RegoSet } from "../rego-value.js";
import { str, strings, typeError } from "./operands.js";

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
};
