// Rego values as the wasm runtime hands them to the host (`opa_value_dump`) and takes them back
// (`opa_value_parse`): JSON plus sets (`{"a", "b"}`, `set()`) and objects with non-string keys.
// JSON alone (what the SDK uses) turns a set into an array, so `sprintf("%v", [s])` printed a list.

/** A Rego set: its elements, in Rego's order (the order `opa eval` prints them in). */
export class RegoSet {
  readonly items: readonly RegoValue[];
  constructor(items: readonly RegoValue[]) {
    const sorted = [...items].sort(compareRego);
    this.items = sorted.filter((v, i) => i === 0 || compareRego(sorted[i - 1]!, v) !== 0);
  }
}

/** An object with a key that is not a string (`{1: "a"}`), kept as its entries. */
export class RegoMap {
  constructor(readonly entries: readonly (readonly [RegoValue, RegoValue])[]) {}
}

/** A number as the policy wrote it (`1.0`, `1e400`): only sprintf asks for the text. */
export class RegoNumber {
  constructor(readonly text: string) {}
  get value(): number {
    return Number(this.text);
  }
}

export type RegoValue =
  | null
  | boolean
  | number
  | string
  | RegoNumber
  | RegoSet
  | RegoMap
  | readonly RegoValue[]
  | { readonly [key: string]: RegoValue };

const RANK = (v: RegoValue): number =>
  v === null
    ? 0
    : typeof v === "boolean"
      ? 1
      : typeof v === "number" || v instanceof RegoNumber
        ? 2
        : typeof v === "string"
          ? 3
          : Array.isArray(v)
            ? 4
            : v instanceof RegoSet
              ? 6
              : 5;

function compareText(a: string, b: string): number {
  // Go compares strings byte by byte (UTF-8), which orders as code points do.
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return Math.sign(x.length - y.length);
}

function compareLists(a: readonly RegoValue[], b: readonly RegoValue[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const d = compareRego(a[i]!, b[i]!);
    if (d !== 0) return d;
  }
  return Math.sign(a.length - b.length);
}

/** Object entries sorted by key, whatever the representation. */
export function entriesOf(v: RegoValue): [RegoValue, RegoValue][] {
  const list: [RegoValue, RegoValue][] =
    v instanceof RegoMap
      ? v.entries.map(([k, x]) => [k, x])
      : Object.entries(v as Record<string, RegoValue>);
  return list.sort((p, q) => compareRego(p[0], q[0]));
}

/** ast.Compare: null < booleans < numbers < strings < arrays < objects < sets. */
export function compareRego(a: RegoValue, b: RegoValue): number {
  const ra = RANK(a);
  const rb = RANK(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return Number(a) - Number(b);
    case 2: {
      const x = a instanceof RegoNumber ? a.value : (a as number);
      const y = b instanceof RegoNumber ? b.value : (b as number);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 3:
      return compareText(a as string, b as string);
    case 4:
      return compareLists(a as RegoValue[], b as RegoValue[]);
    case 6:
      return compareLists((a as RegoSet).items, (b as RegoSet).items);
    default: {
      const x = entriesOf(a);
      const y = entriesOf(b);
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const d = compareRego(x[i]![0], y[i]![0]) || compareRego(x[i]![1], y[i]![1]);
        if (d !== 0) return d;
      }
      return Math.sign(x.length - y.length);
    }
  }
}

export interface ParseOptions {
  /** Numbers as RegoNumber (their text) rather than JavaScript numbers. */
  readonly numberText?: boolean;
}

/** Parses `opa_value_dump`'s text. Throws on anything it does not know. */
// eslint-disable-next-line max-lines-per-function -- one recursive-descent parser: value and list call each other and, with space, expect and fail, move one shared cursor over the text, so they are closures in one function rather than helpers passing the cursor back and forth
export function parseRegoValue(text: string, options: ParseOptions = {}): RegoValue {
  let at = 0;
  const space = () => {
    while (at < text.length && /\s/.test(text[at]!)) at++;
  };
  const fail = (): never => {
    throw new Error(`unreadable value from the policy at ${at}: ${text.slice(at, at + 20)}`);
  };
  const expect = (s: string) => {
    space();
    if (!text.startsWith(s, at)) fail();
    at += s.length;
  };
  const value = (): RegoValue => {
    space();
    const c = text[at];
    if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/s.exec(text.slice(at)) ?? fail();
      at += m[0].length;
      return JSON.parse(m[0]) as string;
    }
    if (c === "[") {
      at++;
      const items = list("]");
      return items;
    }
    if (c === "{") {
      at++;
      space();
      if (text[at] === "}") {
        at++;
        return {};
      }
      const first = value();
      space();
      if (text[at] === ":") {
        at++;
        const entries: [RegoValue, RegoValue][] = [[first, value()]];
        space();
        while (text[at] === ",") {
          at++;
          const k = value();
          expect(":");
          entries.push([k, value()]);
          space();
        }
        expect("}");
        if (entries.every(([k]) => typeof k === "string"))
          return Object.fromEntries(entries) as Record<string, RegoValue>;
        return new RegoMap(entries);
      }
      const items = [first];
      while (text[at] === ",") {
        at++;
        items.push(value());
        space();
      }
      expect("}");
      return new RegoSet(items);
    }
    for (const [word, v] of [
      ["null", null],
      ["true", true],
      ["false", false],
    ] as const)
      if (text.startsWith(word, at)) {
        at += word.length;
        return v;
      }
    if (text.startsWith("set()", at)) {
      at += 5;
      return new RegoSet([]);
    }
    const m = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at)) ?? fail();
    at += m[0].length;
    return options.numberText ? new RegoNumber(m[0]) : Number(m[0]);
  };
  const list = (end: string): RegoValue[] => {
    const items: RegoValue[] = [];
    space();
    if (text[at] === end) {
      at++;
      return items;
    }
    items.push(value());
    space();
    while (text[at] === ",") {
      at++;
      items.push(value());
      space();
    }
    expect(end);
    return items;
  };
  const v = value();
  space();
  if (at !== text.length) fail();
  return v;
}

/** The text `opa_value_parse` reads back: JSON, with sets and non-string keys in Rego syntax. */
export function toRegoText(v: RegoValue | undefined): string {
  if (v === undefined) throw new Error("undefined is not a value");
  if (v === null || typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`${v} is not a number Rego can hold`);
    return JSON.stringify(v);
  }
  if (v instanceof RegoNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(toRegoText).join(",")}]`;
  if (v instanceof RegoSet)
    return v.items.length ? `{${v.items.map(toRegoText).join(",")}}` : "set()";
  return `{${entriesOf(v)
    .map(([k, x]) => `${toRegoText(k)}:${toRegoText(x)}`)
    .join(",")}}`;
}

/** Plain JSON for builtins that take JSON (sets become sorted arrays, as opa_json_dump does). */
export function toJson(v: RegoValue): unknown {
  if (v instanceof RegoNumber) return v.value;
  if (v instanceof RegoSet) return v.items.map(toJson);
  if (v instanceof RegoMap)
    return Object.fromEntries(
      v.entries.map(([k, x]) => [typeof k === "string" ? k : toRegoText(k), toJson(x)]),
    );
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x as RegoValue)]));
  return v;
}
