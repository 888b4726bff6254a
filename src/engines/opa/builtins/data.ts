// Builtins over quantities, versions and documents the wasm runtime lacks, after OPA's
// topdown/{parse_bytes,parse_units,semver,subset,numbers}.go.
import { compareRego, RegoMap, RegoNumber, RegoSet, type RegoValue } from "../rego-value.js";
import { isObject, num, str, typeError, Unsupported } from "./operands.js";

type Fn = (...args: RegoValue[]) => RegoValue | undefined;

/** extractNumAndUnit: the number (digits, '.', exponent) and the unit after it. */
function numberAndUnit(s: string): [string, string] {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const digitish = /[0-9.]/.test(c);
    if (!digitish && !"eE+-".includes(c)) return i === 0 ? ["", s] : [s.slice(0, i), s.slice(i)];
    if (c === "e" || c === "E") {
      const next = s[i + 1];
      if (next === undefined || !/[0-9+-]/.test(next))
        return i === 0 ? ["", s] : [s.slice(0, i), s.slice(i)];
      if (next === "+" || next === "-") i++;
      const digits = /^[0-9]*/.exec(s.slice(i + 1))![0];
      if (digits.length > 6) throw new Error("exponent too large");
    }
  }
  return [s, ""];
}

/** The steps units.parse and units.parse_bytes share: quotes dropped, no spaces, a number. */
function amount(text: string, fail: (m: string) => Error, noAmount: string): [string, string] {
  const s = text.replaceAll('"', "");
  if (s.includes(" ")) throw fail("spaces not allowed in resource strings");
  let parts: [string, string];
  try {
    parts = numberAndUnit(s);
  } catch {
    throw fail("exponent too large");
  }
  if (parts[0] === "") throw fail(noAmount);
  return parts;
}

/** A decimal (big.Rat.SetString's syntax, without fractions) as numerator / 10^scale. */
function decimal(text: string): { n: bigint; scale: number } | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const digits = `${m[2]}${m[3] ?? ""}`;
  let n = BigInt(digits === "" ? "0" : digits) * (m[1] === "-" ? -1n : 1n);
  let scale = (m[3] ?? "").length - Number(m[4] ?? "0");
  if (scale < 0) {
    n *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { n, scale };
}

const BINARY = ["", "k", "m", "g", "t", "p", "e"];

function parseBytes(v: RegoValue): RegoValue {
  const fail = (m: string) => new Error(`units.parse_bytes: ${m}`);
  const [number, unit] = amount(str(v!, 1).toLowerCase(), fail, "no byte amount provided");
  const m = /^(?:([kmgtpe])(b|i|ib)?)?$/.exec(unit);
  if (!m) throw fail(`byte unit ${unit} not recognized`);
  const power = BigInt(BINARY.indexOf(m[1] ?? ""));
  const factor = (m[2] ?? "").startsWith("i") ? 1024n ** power : 1000n ** power;
  const d = decimal(number);
  if (!d) throw fail("could not parse byte amount to a number");
  // big.Float's product truncated to an integer (towards zero).
  return new RegoNumber(((d.n * factor) / 10n ** BigInt(d.scale)).toString());
}

const SI: Record<string, [bigint, bigint]> = {
  m: [1n, 1000n],
  "": [1n, 1n],
  k: [1000n, 1n],
  K: [1000n, 1n],
  M: [10n ** 6n, 1n],
  g: [10n ** 9n, 1n],
  G: [10n ** 9n, 1n],
  t: [10n ** 12n, 1n],
  T: [10n ** 12n, 1n],
  p: [10n ** 15n, 1n],
  P: [10n ** 15n, 1n],
  e: [10n ** 18n, 1n],
  E: [10n ** 18n, 1n],
};
for (const [i, p] of BINARY.entries())
  if (p !== "") {
    SI[`${p}i`] = [1024n ** BigInt(i), 1n];
    SI[`${p.toUpperCase()}i`] = [1024n ** BigInt(i), 1n];
  }

function parseUnits(v: RegoValue): RegoValue {
  const fail = (m: string) => new Error(`units.parse: ${m}`);
  const [number, written] = amount(str(v!, 1), fail, "no amount provided");
  // Only the unit's first letter keeps its case: 'm' (milli) is not 'M' (mega).
  const unit = written.length > 1 ? written[0] + written.slice(1).toLowerCase() : written;
  const factor = SI[unit];
  if (!factor) throw fail(`unit ${unit} not recognized`);
  const d = decimal(number);
  if (!d) throw fail("could not parse amount to a number");
  const num = d.n * factor[0];
  const den = 10n ** BigInt(d.scale) * factor[1];
  if (num % den === 0n) return new RegoNumber((num / den).toString());
  // big.Rat.FloatString(10): rounded to 10 places, halves away from zero.
  const neg = num < 0n;
  const scaled = ((neg ? -num : num) * 10n ** 10n * 2n + den) / (2n * den);
  const text = scaled.toString().padStart(11, "0");
  return new RegoNumber(`${neg ? "-" : ""}${text.slice(0, -10)}.${text.slice(-10)}`);
}

interface Version {
  major: bigint;
  minor: bigint;
  patch: bigint;
  pre: string;
}

const META = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const allDecimals = (s: string) => /^[0-9]+$/.test(s);

/** OPA's internal/semver Parse. */
function parseVersion(text: string): Version | undefined {
  let rest = text.startsWith("v") ? text.slice(1) : text;
  const plus = rest.indexOf("+");
  if (plus >= 0) {
    if (!META.test(rest.slice(plus + 1))) return undefined;
    rest = rest.slice(0, plus);
  }
  let pre = "";
  const dash = rest.indexOf("-");
  if (dash >= 0) {
    pre = rest.slice(dash + 1);
    rest = rest.slice(0, dash);
    if (
      !META.test(pre) ||
      pre.split(".").some((id) => id.length > 1 && id[0] === "0" && allDecimals(id))
    )
      return undefined;
  }
  const parts = rest.split(".");
  if (parts.length !== 3) return undefined;
  const nums = parts.map((p) =>
    p === "" || !/^[0-9]+$/.test(p) || (p.length > 1 && p[0] === "0") || BigInt(p) >= 2n ** 63n
      ? undefined
      : BigInt(p),
  );
  if (nums.some((n) => n === undefined)) return undefined;
  return { major: nums[0]!, minor: nums[1]!, patch: nums[2]!, pre };
}

function comparePre(x: string, y: string): number {
  if (x === y) return 0;
  if (x === "") return 1;
  if (y === "") return -1;
  const a = x.split(".");
  const b = y.split(".");
  for (let i = 0; ; i++) {
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const [p, q] = [a[i]!, b[i]!];
    const [pi, qi] = [allDecimals(p), allDecimals(q)];
    if (pi !== qi) return pi ? -1 : 1;
    if (pi) {
      const d = BigInt(p) - BigInt(q);
      if (d !== 0n) return d > 0n ? 1 : -1;
    } else if (p !== q) return p > q ? 1 : -1;
  }
}

function semverCompare(a: RegoValue, b: RegoValue): number {
  const [x, y] = [str(a!, 1), str(b!, 2)];
  const v = parseVersion(x);
  if (!v) throw new Error(`operand 1: string ${JSON.stringify(x)} is not a valid SemVer`);
  const w = parseVersion(y);
  if (!w) throw new Error(`operand 2: string ${JSON.stringify(y)} is not a valid SemVer`);
  for (const k of ["major", "minor", "patch"] as const)
    if (v[k] !== w[k]) return v[k] > w[k] ? 1 : -1;
  return comparePre(v.pre, w.pre);
}

const equal = (a: RegoValue, b: RegoValue) => compareRego(a, b) === 0;
const has = (set: RegoSet, x: RegoValue) => set.items.some((i) => equal(i, x));

function objectSubset(sup: RegoValue, sub: RegoValue): boolean {
  const a = sup as Record<string, RegoValue>;
  return Object.entries(sub as Record<string, RegoValue>).every(([k, s]) => {
    if (!Object.prototype.hasOwnProperty.call(a, k)) return false;
    return subsetOf(a[k]!, s, true);
  });
}

function arraySubset(sup: readonly RegoValue[], sub: readonly RegoValue[]): boolean {
  if (sub.length > sup.length) return false;
  for (let start = 0; start + sub.length <= sup.length; start++)
    if (sub.every((x, i) => equal(sup[start + i]!, x))) return true;
  return sub.length === 0;
}

/** object.subset: objects recursively, sets, contiguous arrays, an array holding a set's members. */
function subsetOf(sup: RegoValue, sub: RegoValue, nested: boolean): boolean {
  if (nested && equal(sup, sub)) return true;
  const plain = (v: RegoValue) => isObject(v) && !(v instanceof RegoSet);
  if (plain(sup) && plain(sub)) return objectSubset(sup, sub);
  if (sup instanceof RegoSet && sub instanceof RegoSet) return sub.items.every((x) => has(sup, x));
  if (Array.isArray(sup) && Array.isArray(sub)) return arraySubset(sup, sub);
  if (!nested && Array.isArray(sup) && sub instanceof RegoSet) {
    let unmatched = sub.items.length;
    return (sup as RegoValue[]).some((x) => {
      if (has(sub, x)) unmatched--;
      return unmatched === 0;
    });
  }
  if (nested) return false;
  throw new Error("both arguments object.subset must be of the same type or array and set");
}

/** numbers.range_step: from a to b (inclusive) by step, either direction. */
function rangeStep(a: RegoValue, b: RegoValue, s: RegoValue): number[] {
  const integer = (v: RegoValue, pos: number) => {
    if (typeof v !== "number" && !(v instanceof RegoNumber)) throw typeError(pos, v, "integer");
    const n = num(v, pos);
    if (!Number.isInteger(n))
      throw new Error(`operand ${pos} must be integer number but got floating-point number`);
    return n;
  };
  const [x, y, step] = [integer(a!, 1), integer(b!, 2), integer(s!, 3)];
  if (step <= 0) throw new Error("numbers.range_step: step must be a positive integer");
  const out: number[] = [];
  if (x <= y) for (let i = x; i <= y; i += step) out.push(i);
  else for (let i = x; i >= y; i -= step) out.push(i);
  return out;
}

/** graph.reachable_paths: every path from the given nodes until a leaf, a missing node or a cycle. */
function reachablePaths(g: RegoValue, initial: RegoValue): RegoSet {
  if (!isObject(g) || g instanceof RegoSet) throw typeError(1, g!, "object");
  const graph = g as Record<string, RegoValue>;
  const start = Array.isArray(initial)
    ? initial
    : initial instanceof RegoSet
      ? initial.items
      : undefined;
  if (!start) throw typeError(2, initial!, "{array, set}");
  const edgesOf = (node: RegoValue): RegoValue[] | undefined => {
    if (typeof node !== "string" || !Object.prototype.hasOwnProperty.call(graph, node))
      return undefined;
    const e = graph[node]!;
    return Array.isArray(e) ? [...e] : e instanceof RegoSet ? [...e.items] : [];
  };
  const found: RegoValue[][] = [];
  const walk = (root: RegoValue, path: RegoValue[], reached: RegoValue[]): void => {
    const edges = edgesOf(root);
    if (!edges) {
      found.push(path);
      return;
    }
    const here = [...path, root];
    if (edges.length === 0) {
      found.push(here);
      return;
    }
    const seen = [...reached, root];
    for (const next of edges) {
      if (seen.some((r) => compareRego(r, next) === 0)) found.push(here);
      else walk(next, here, seen);
    }
  };
  for (const node of start) {
    const edges = edgesOf(node);
    if (!edges) continue;
    if (edges.length === 0) found.push([node]);
    for (const next of edges) walk(next, [node], [node]);
  }
  return new RegoSet(found);
}

/** encoding/json's string: HTML-safe (<, >, & escaped), U+2028 and U+2029 escaped. */
function goJsonString(s: string): string {
  return JSON.stringify(s).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** json.Marshal of ast.JSON(value): keys sorted, sets as sorted lists, numbers as written. */
function goJson(v: RegoValue, indent: string | undefined, prefix: string, depth = 0): string {
  const nl = (d: number) => (indent === undefined ? "" : `\n${prefix}${indent.repeat(d)}`);
  const sep = indent === undefined ? ":" : ": ";
  if (v === null || typeof v === "boolean") return String(v);
  if (typeof v === "number") return JSON.stringify(v);
  if (v instanceof RegoNumber) return v.text;
  if (typeof v === "string") return goJsonString(v);
  const list = Array.isArray(v) ? (v as RegoValue[]) : v instanceof RegoSet ? v.items : undefined;
  if (list) {
    if (list.length === 0) return "[]";
    return `[${list.map((x) => nl(depth + 1) + goJson(x, indent, prefix, depth + 1)).join(",")}${nl(depth)}]`;
  }
  if (v instanceof RegoMap)
    throw new Unsupported("json.marshal_with_options of an object with non-string keys");
  const keys = Object.keys(v as object).sort((a, b) =>
    Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  if (keys.length === 0) return "{}";
  const o = v as Record<string, RegoValue>;
  return `{${keys.map((k) => `${nl(depth + 1)}${goJsonString(k)}${sep}${goJson(o[k]!, indent, prefix, depth + 1)}`).join(",")}${nl(depth)}}`;
}

function marshalWithOptions(v: RegoValue, options: RegoValue): string {
  if (!isObject(options) || options instanceof RegoSet || options instanceof RegoMap)
    throw typeError(2, options!, "object");
  let indent = "\t";
  let prefix = "";
  let implicit = false;
  let pretty: boolean | undefined;
  for (const key of Object.keys(options).sort()) {
    const value = (options as Record<string, RegoValue>)[key]!;
    if (key === "prefix" || key === "indent") {
      if (typeof value !== "string")
        throw new Error(
          `operand 2 key ${JSON.stringify(key)} failed cast to string: ${typeError(Object.keys(options).sort().indexOf(key), value, "string").message}`,
        );
      if (key === "prefix") prefix = value;
      else indent = value;
      implicit = true;
    } else if (key === "pretty") {
      if (typeof value !== "boolean")
        throw new Error(`operand 2 key ${JSON.stringify(key)} failed cast to bool`);
      pretty = value;
    } else throw new Error(`operand 2 object contained unknown key ${JSON.stringify(key)}`);
  }
  const indented = pretty ?? implicit;
  return indented ? prefix + goJson(v!, indent, prefix) : goJson(v!, undefined, "");
}

export const DATA_BUILTINS: Record<string, Fn> = {
  "json.marshal_with_options": marshalWithOptions,
  "graph.reachable_paths": reachablePaths,
  // Its note goes nowhere (as in Gatekeeper, unless tracing is asked for); the call is true.
  trace: (note) => {
    str(note!, 1);
    return true;
  },
  "units.parse_bytes": parseBytes,
  "units.parse": parseUnits,
  "semver.compare": semverCompare,
  "semver.is_valid": (v) => typeof v === "string" && parseVersion(v) !== undefined,
  "object.subset": (a, b) => subsetOf(a!, b!, false),
  "numbers.range_step": rangeStep,
};
