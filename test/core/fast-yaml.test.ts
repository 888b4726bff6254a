// The fast read (the line reader: values first, positions on demand) against the positioned parse
// (`yaml`) it stands in for: same documents at the same indices, same values, same problems, same
// lines for every field, for the fast path and for each JavaScript reader on its own against the
// `yaml` package's values (which values policies see is proven against Kubernetes' own readers in
// test/yaml/). Checked on
// hand-picked edge cases, on generated YAML in every style and in the line reader's plain style, on
// the same YAML damaged at random, on the repository's own YAML files, and on ../shared/corpus when
// present.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { Document, parseAllDocuments, type ScalarTag } from "yaml";
import { blockPositions, fastPositions } from "../../src/yaml/fast-positions.js";
import { readBlockYaml } from "../../src/yaml/block-yaml.js";
import { fastRead, fastSchema, jsyamlRead } from "../../src/yaml/fast-yaml.js";
import { MAY_RESOLVE } from "../../src/yaml/yaml-options.js";
import {
  DEFAULT_PARSE_LIMITS,
  parseManifest,
  parseManifestWithPositions,
  type ParsedDocument,
} from "../../src/yaml/index.js";
import type { JsonPath } from "../../src/core/types.js";
import { kubernetesYamlOptions } from "../../src/yaml/yaml-options.js";

// A longer or different run: FAST_YAML_SEED=<n> FAST_YAML_CASES=<n> npx jest test/core/fast-yaml.
const SEED = Number(process.env.FAST_YAML_SEED ?? 20261127);
const CASES = Number(process.env.FAST_YAML_CASES ?? 800);

const LIMITS = { ...DEFAULT_PARSE_LIMITS, serializedSize: () => 0 };
const read = (text: string) => fastRead(text, LIMITS);

/** Every path to every node of a value (capped), and a missing child under each. */
function* paths(value: unknown, prefix: JsonPath = []): Generator<JsonPath> {
  yield prefix;
  if (value === null || typeof value !== "object") return;
  for (const [k, v] of Object.entries(value))
    yield* paths(v, [...prefix, Array.isArray(value) ? Number(k) : k]);
}

type Positions = Pick<ParsedDocument, "lines" | "kindLine" | "locate" | "locateInString">;

/**
 * Differences between the reads of one text (empty when they agree): the fast read as the CLI and
 * the App use it, and each of its readers on its own (the line reader takes most files first, so
 * js-yaml and its positions are checked here on the same texts too).
 */
function differences(file: string, text: string): string[] {
  const fast = parseManifest(file, text);
  const full = parseManifestWithPositions(file, text);
  const out: string[] = [];
  const same = (what: string, a: unknown, b: unknown) => {
    if (!isDeepStrictEqual(a, b))
      out.push(`${what}: fast ${JSON.stringify(a)} positioned ${JSON.stringify(b)}`);
  };
  same("problems", fast.problems, full.problems);
  same(
    "indices",
    fast.documents.map((d) => d.index),
    full.documents.map((d) => d.index),
  );
  if (out.length > 0) return out;
  // Each JavaScript reader is held to the `yaml` package's own values (its positions come from
  // there); which values policies see is decided with Kubernetes' readers (test/yaml/).
  const expected = referenceValues(text);
  const valuesOf = (values: readonly unknown[]) => values.filter((v) => v !== null);
  const lined = readBlockYaml(text, LIMITS);
  if (lined) same("line reader values", valuesOf(lined), expected);
  const js = jsyamlRead(text, LIMITS);
  if (js.ok) same("js-yaml values", valuesOf(js.values), expected);
  if (out.length > 0) return out;
  fast.documents.forEach((a, i) => {
    const b = full.documents[i]!;
    same(`document ${a.index} value`, a.value, b.value);
    same(`document ${a.index} resource`, a.resource, b.resource);
    samePositions(`document ${a.index}`, a, b, same);
  });
  if (full.problems.length > 0 || !expected) return out;
  // Positions from each source the lazy lookup can take them from.
  const sources = {
    "line reader": lined && blockPositions(text, LIMITS),
    "js-yaml": js.ok ? fastPositions(text, fastSchema()) : undefined,
  };
  for (const [name, positions] of Object.entries(sources)) {
    if (!positions) continue;
    for (const b of full.documents) {
      const a = positions[b.index];
      if (a) samePositions(`${name} document ${b.index}`, a, b, same);
      else same(`${name} document ${b.index}`, "unplaced", "placed");
    }
  }
  return out;
}

/** The `yaml` package's values of a text's non-empty documents, or undefined on any problem. */
function referenceValues(text: string): unknown[] | undefined {
  const docs = parseAllDocuments(text, { ...kubernetesYamlOptions(false), uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.length > DEFAULT_PARSE_LIMITS.maxDocuments) return undefined;
  if (list.some((d) => d.errors.length > 0 || d.warnings.length > 0)) return undefined;
  try {
    return list.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown).filter((v) => v != null);
  } catch {
    return undefined;
  }
}

function samePositions(
  what: string,
  a: Positions,
  b: ParsedDocument,
  same: (what: string, a: unknown, b: unknown) => void,
): void {
  same(`${what} lines`, a.lines, b.lines);
  same(`${what} kind line`, a.kindLine, b.kindLine);
  let n = 0;
  for (const p of paths(b.value)) {
    if (n++ > 2000) break;
    for (const q of [p, [...p, "no-such-field"], [...p, 7]])
      same(`${what} locate ${JSON.stringify(q)}`, a.locate(q), b.locate(q));
    for (const offset of [0, 3])
      same(
        `${what} in string ${JSON.stringify(p)}+${offset}`,
        a.locateInString(p, offset),
        b.locateInString(p, offset),
      );
  }
}

/** A small deterministic generator (mulberry32): the same cases on every run. */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

// Scalars whose reading differs between YAML versions, schemas or parsers.
const SCALARS = [
  "yes",
  "No",
  "ON",
  "off",
  "y",
  "N",
  "true",
  "False",
  "TRUE",
  "0777",
  "0o17",
  "0x1F",
  "0b101",
  "1_000",
  "+12",
  "-0",
  "1e3",
  "1E-2",
  ".5",
  "5.",
  ".inf",
  "-.Inf",
  ".nan",
  "~",
  "null",
  "Null",
  "",
  "e1",
  "1:30",
  "190:20:30",
  "2024-01-01",
  "12:30:45",
  "0.1.2",
  ".",
  "-",
  "a: b",
  "a #b",
  "#c",
  "- x",
  "[x]",
  "{x}",
  "x]",
  "*x",
  "&x",
  "!x",
  "!!str x",
  "%x",
  "@x",
  "`x",
  "|",
  "> x",
  "'q'",
  '"d"',
  "tab\there",
  "two\nlines",
  "trailing \n",
  "  lead",
  "é ✓",
  "back\\slash",
  "nel\u0085",
  "ls\u2028",
  "k: v: w",
  "0x_1",
  "0b",
  "1__0",
  "+.5",
  "-.",
  "1e",
  "NaN",
  "Infinity",
  "9007199254740993",
  "123456789012345678901234567890",
  "nginx:1.27",
  "http://x:80/a?b=c#d",
  "{{ .Values.x }}",
  "${VAR}",
] as const;
const KEYS = [
  "a",
  "kind",
  "name",
  "on",
  "yes",
  "1",
  "0x1F",
  "~",
  "null",
  "<<",
  "a b",
  "k:v",
  "#x",
  "-",
  "?",
  "'q'",
  "true",
  "1.5",
  "__proto__",
  "toString",
  "é",
  "",
] as const;

type Gen = ReturnType<typeof random>;

function quoteDouble(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t")}"`;
}

function scalar(g: Gen, s: string, flow: boolean): string {
  const style = g.int(flow ? 3 : 5);
  if (style === 0) return s; // plain, whatever that makes of it
  if (style === 1) return `'${s.replace(/'/g, "''")}'`;
  if (style === 2) return quoteDouble(s);
  return `${g.pick(["|", ">", "|-", ">+", "|2", "|+"])}${g.pick(["", " # c"])}`;
}

/** YAML text for a random value, in a random mix of styles, indented by `indent`. */
function emit(g: Gen, depth: number, indent: string, flow: boolean): string {
  const kind = depth <= 0 ? 0 : g.int(3);
  if (kind === 0) {
    const s = g.pick(SCALARS);
    const text = scalar(g, s, flow);
    if (text.startsWith("|") || text.startsWith(">")) {
      const body = s.split("\n").map((l) => `${indent}  ${l}`);
      return `${text}\n${body.join("\n")}${g.pick(["", "\n", "\n\n"])}`;
    }
    return text;
  }
  const n = g.int(4);
  if (flow || g.int(4) === 0) {
    const items = Array.from({ length: n }, () =>
      kind === 1
        ? emit(g, depth - 1, indent, true)
        : `${scalar(g, g.pick(KEYS), true)}: ${emit(g, depth - 1, indent, true)}`,
    );
    const [open, close] = kind === 1 ? ["[", "]"] : ["{", "}"];
    return `${open}${items.join(g.pick([", ", ",", `,\n${indent}  `]))}${g.pick(["", ","])}${close}`;
  }
  if (n === 0) return kind === 1 ? "[]" : "{}";
  const lines = Array.from({ length: n }, () => {
    const child = emit(g, depth - 1, `${indent}  `, false);
    const nested = !/^[[{'"|>]/.test(child) && child.includes("\n");
    const value = nested ? `\n${indent}  ${child}` : ` ${child}`;
    const comment = g.int(6) === 0 ? `\n${indent}${g.pick(["", "  "])}# note` : "";
    const blank = g.int(8) === 0 ? "\n" : "";
    return kind === 1
      ? `- ${nested ? child : child}${comment}${blank}`
      : `${scalar(g, g.pick(KEYS), true)}:${g.int(10) === 0 ? "" : value}${comment}${blank}`;
  });
  return lines.join(`\n${indent}`);
}

function document(g: Gen): string {
  const head = g.pick(["", "# head\n", "---\n", "--- # c\n", "\n"]);
  const body = `apiVersion: v1\nkind: ${g.pick(["ConfigMap", "Pod", "yes"])}\nmetadata:\n  name: ${g.pick(SCALARS.slice(0, 20))}\ndata:\n  ${emit(g, 3, "  ", false)}\n`;
  return head + body;
}

function generated(g: Gen): string {
  const docs = Array.from({ length: 1 + g.int(3) }, () => document(g));
  let text = docs.join(g.pick(["---\n", "...\n---\n", "--- \n"]));
  if (g.int(10) === 0) text = text.replace(/\n/g, "\r\n");
  return text;
}

// Manifests in the line reader's plain style (block-yaml.ts), with its borderline cases mixed in:
// keys YAML 1.1 types, colons, hashes and dashes in scalars, escapes, block scalars with blank,
// more indented and comment-like lines, compact and same-indent sequences, one-line flow.
const PLAIN_KEYS = [
  "name",
  "image",
  "app.kubernetes.io/name",
  "x-y_z",
  "a.b",
  "on",
  "y",
  "1",
  "-x",
  "x-",
  "$patch",
  "a$",
];
const PLAIN_SCALARS = [
  "nginx:1.27",
  "http://x:80/a?b=c#d",
  "a #b",
  "a#b",
  "a: b",
  "a:",
  "-1",
  "-x",
  "- x",
  "?x",
  ":x",
  "yes",
  "0777",
  "~",
  "12:30",
  "é ✓",
  "x ",
  "{{ .Values.x }}",
  "[x]",
  "a, b",
];
const QUOTED = [
  "'it''s'",
  "''",
  '""',
  '"a\\"b"',
  '"\\u00e9\\n\\t"',
  '"\\x41"',
  '"\\/"',
  '"a" x',
  "'a'#c",
  '"a":',
];
const FLOW = [
  "[]",
  "{}",
  "[a, b]",
  "[a,b]",
  "[ 'x', \"y\" ]",
  "{a: 1, b: [x, {c: d}]}",
  "[-1, -x]",
  "[a, ]",
  "[a,,b]",
  "{a: }",
  "{a:1}",
  "[a #c]",
  "[a] # c",
  "[a]#c",
  "[x: y]",
  "[- x]",
];

/** Mostly what the line reader reads; now and then (one in `rare`) a borderline case. */
function plainPick<T>(g: Gen, usual: readonly T[], borderline: readonly T[], rare = 12): T {
  return g.int(rare) === 0 ? g.pick(borderline) : g.pick(usual);
}

function plainValue(g: Gen, indent: string, depth: number, column: number): string {
  const pick = g.int(depth <= 0 ? 5 : 8);
  const comment = plainPick(g, ["", "", " # c"], ["  #c", "#c"]);
  if (pick <= 1)
    return ` ${plainPick(g, ["web", "nginx:1.27", "a#b", "-1", "yes", "~", "8080", "x y", "{{ .X }}"], PLAIN_SCALARS)}${comment}`;
  if (pick === 2)
    return ` ${plainPick(g, ["'it''s'", "''", '"a"', '"\\u00e9\\n"'], QUOTED)}${comment}`;
  if (pick === 3)
    return ` ${plainPick(g, ["[]", "{}", "[a, b]", "{a: 1, b: [x]}"], FLOW)}${comment}`;
  if (pick === 4) {
    const header = plainPick(g, ["|", "|-", ">", ">-"], ["| # c", "|+", "|2", ">+", "|#c"]);
    const step = " ".repeat(1 + g.int(3));
    const lines = Array.from({ length: 1 + g.int(4) }, () =>
      plainPick(
        g,
        ["text", "more text", ""],
        ["# not a comment", " more indented", " ", "  ", "x: y"],
      ),
    );
    if (lines[0]!.trim() === "") lines[0] = "first";
    const body = lines.map((l) => (l.trim() === "" ? l : `${indent}${step}${l}`)).join("\n");
    return ` ${header}\n${body}${plainPick(g, ["", "\n"], ["\n\n", "\n  \n"])}`;
  }
  const inner = `${indent}${" ".repeat(plainPick(g, [2, 2, 4], [0, 1, 3]))}`;
  return g.int(2) === 0
    ? `\n${plainMapping(g, inner, depth - 1)}`
    : `\n${plainSequence(g, inner, depth - 1, column)}`;
}

function plainMapping(g: Gen, indent: string, depth: number): string {
  const n = 1 + g.int(3);
  // Keys repeat only now and then (a duplicate is a problem, which the reader leaves to the others).
  const keys = ["name", "image", "value", "args", "ports", "env"].sort(() => g.next() - 0.5);
  return Array.from({ length: n }, (_, i) => {
    const key = g.int(40) === 0 ? g.pick(PLAIN_KEYS) : g.int(40) === 0 ? keys[0]! : keys[i]!;
    const value = g.int(12) === 0 ? "" : plainValue(g, indent, depth, indent.length);
    const comment = g.int(8) === 0 ? `\n${indent}${g.pick(["", "  ", " "])}# note` : "";
    const blank = g.int(8) === 0 ? "\n" : "";
    return `${indent}${key}:${value}${comment}${blank}`;
  }).join("\n");
}

function plainSequence(g: Gen, indent: string, depth: number, column: number): string {
  const n = 1 + g.int(3);
  return Array.from({ length: n }, () => {
    const r = g.int(6);
    if (r === 0) return `${indent}-${g.pick(["", " # c"])}`;
    if (r === 1 && depth > 0) {
      // A compact mapping: its other keys line up with the first.
      const body = plainMapping(g, `${indent}  `, depth - 1).trimStart();
      return `${indent}- ${body}`;
    }
    return `${indent}-${plainValue(g, indent, depth, Math.max(column, indent.length))}`;
  }).join("\n");
}

function plainGenerated(g: Gen): string {
  const docs = Array.from({ length: 1 + g.int(3) }, () => {
    const head = g.pick(["", "", "---\n", "--- # c\n", "# c\n", "\n"]);
    return `${head}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n${plainMapping(g, "", 3)}\n`;
  });
  return docs.join(g.pick(["---\n", "", "--- \n"])) + g.pick(["", "", "---\n", "# end\n"]);
}

const DAMAGE = [
  ":",
  "-",
  "#",
  "[",
  "]",
  "{",
  "}",
  "'",
  '"',
  "|",
  ">",
  "&",
  "*",
  "!",
  "?",
  "%",
  "\t",
  "\n",
  " ",
  ",",
  "---\n",
  "<<: ",
];

function damaged(g: Gen, text: string): string {
  let t = text;
  for (let i = 0, n = 1 + g.int(3); i < n; i++) {
    const at = g.int(t.length + 1);
    const op = g.int(3);
    if (op === 0) t = t.slice(0, at) + g.pick(DAMAGE) + t.slice(at);
    else if (op === 1) t = t.slice(0, at) + t.slice(at + 1 + g.int(3));
    else {
      const lines = t.split("\n");
      const k = g.int(lines.length);
      lines.splice(k, 0, lines[g.int(lines.length)]!);
      t = lines.join("\n");
    }
  }
  return t;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name) && statSync(path).size < 2_000_000) out.push(path);
  }
  return out;
}

const EDGE_CASES: Record<string, string> = {
  "comment-only file": "# nothing here\n",
  "documents past the limit, the last one empty": "a: 1\n---\n".repeat(2000),
  "empty stream": "",
  "leading separator": "---\na: 1\n",
  "two separators first": "---\n---\na: 1\n",
  "comments then separator": "# c\n\n---\na: 1\n---\n# c\n---\nb: 2\n",
  "document end markers": "a: 1\n...\n---\nb: 2\n...\n",
  "bare document after end marker": "a: 1\n...\nb: 2\n",
  "null and empty documents": "--- ~\n---\n--- null\n---\na: 1\n",
  "scalar document": "--- hello\n---\na: 1\n",
  directive: "%YAML 1.2\n---\na: yes\n",
  "yaml 1.1 booleans and numbers":
    "a: yes\nb: off\nc: 0777\nd: 0o17\ne: 1_000\nf: .inf\ng: e1\nh: 1:30\n",
  "null keys": "~: a\n",
  "two null keys": "~: a\nnull: b\n",
  "empty key": ": a\n",
  "merge key": "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n",
  "quoted merge key": "'<<': 1\n",
  "anchors and aliases": "a: &x 1\nb: *x\n",
  "explicit tags": "a: !!str 1\nb: !!int '2'\nc: !custom x\nd: ! 12\n",
  "flow collection key": "[a, b]: c\n",
  "flow mapping key": "{a: 1}: c\n",
  "explicit key": "? a\n: b\n",
  "explicit collection key": "? [a]\n: b\n",
  "compact explicit key": "a: ? b\n",
  "duplicate keys": "a: 1\na: 2\n",
  "duplicate by value": "1: a\n'1': b\ntrue: c\nyes: d\n",
  "tab indentation": "a:\n\tb: 1\n",
  "long implicit key": `${"k".repeat(1100)}: 1\n`,
  "deep nesting": `${"[".repeat(200)}${"]".repeat(200)}\n`,
  "block scalars": "a: |\n  x\n  y\n\nb: >-\n  p\n  q\nc: |+\n  keep\n\n\nd: |2\n    two\n",
  "block scalar at end": "a: |\n  x\n",
  "block scalar with comments after": "a: |\n  x\n# c\nb: 1\n",
  escapes: "a: \"\\x41\\u263A\\U0001F600\\N\\_\\L\\P\\e\\0\\/\\ \\t\"\nb: 'it''s'\n",
  "line folding": 'a: "x\n  y\n\n  z"\nb: p\n  q\n\n  r\n',
  crlf: "a: 1\r\nb: |\r\n  x\r\n  y\r\nc: 'z'\r\n",
  "empty values and comments": "a:\nb:\n# c\n# d\nc:\n  d:\n  # e\n\n  f: 1\ng: [1, # x\n  2]\n",
  "empty sequence items": "s:\n-\n- \n- x\n-\n# c\n",
  "flow with empty values": "a: {b: , c: }\nd: [e: 1, f]\n",
  "nested sequences": "- - a\n  - b\n- - - c\n",
  "compact mappings": "- a: 1\n  b: 2\n- c: 3\n",
  "proto and toString": "__proto__: {x: 1}\ntoString: 2\n",
  "trailing spaces": "a: 1   \nb: x y   \n",
  "unicode line breaks": "a: x\u2028y\nb: 'p\u0085q'\n",
  "control character": "a: \u0007\n",
  "comment without space": "a: b#c\nd: e #f\n",
  "colon in plain scalar": "url: http://x:80/\ntime: 12:30\n",
  "go templates": "a: {{ .x }}\nb: '{{ .y }}'\n",
  "indentation of sequences": "a:\n- 1\n- 2\nb:\n  - 3\n",
  "multi-line flow": "a: [\n  1,\n  2\n]\nb: {\n  c: d\n}\n",
  "tabs after values": "a: 1\t\nb:\tx\n",
  "indented top-level block scalar": " |\n#: v\n",
  "quoted scalar with white space before a break": '["x \n y"]\nk: "* \n "\n',
  "tag on the line before a block scalar": "k:\n  !\n |\nz: 1\n",
  "byte-order mark inside": "# c\n\uFEFFa: b\n",
  "content after a document end marker": "a: 1\n... b\n",
  "block scalar at the end without a line break": "a: |\n null: a\n ",
  "kept block scalar and a last blank line": "- >+\n  a: %\n ",
  "escaped line break and an empty line": 'a: "x\\\n\n  y"\nk: ["\\\n\n  "]\n',
  "escape past U+10FFFF": 'a: "\\U00110000"\n',
  "implicit key just over the limit in the text": `${"k".repeat(1024)} : 1\n"${"k".repeat(1023)}": 1\n`,
  "escaped implicit key over the limit": `"${"\\x41".repeat(300)}": 1\n`,
};

describe("fast read: same answers as the positioned parse", () => {
  it.each(Object.entries(EDGE_CASES))("%s", (_name, text) => {
    expect(differences("case.yaml", text)).toEqual([]);
  });

  it("types a plain scalar only when it starts as a typed one can (the resolver's shortcut)", () => {
    const tags = new Document(null, kubernetesYamlOptions(false)).schema.tags as ScalarTag[];
    const tests = tags.filter((t) => t.default === true && t.test).map((t) => t.test!);
    // Every first character, followed by what completes some typed scalar.
    const tails = [
      "",
      "0",
      "1",
      "_1",
      "x1F",
      "o17",
      "b1",
      ".5",
      "e3",
      "inf",
      "nan",
      "NaN",
      "es",
      "o",
      "n",
      "ff",
      "rue",
      "alse",
      "ull",
      "ULL",
      "ES",
      "N",
      "FF",
      "RUE",
      "ALSE",
      ".inf",
      ".nan",
      "5e3",
    ];
    const missed: string[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const first = String.fromCharCode(c);
      if (MAY_RESOLVE.test(first)) continue;
      for (const tail of tails)
        if (tests.some((t) => t.test(first + tail))) missed.push(JSON.stringify(first + tail));
    }
    expect(missed).toEqual([]);
    expect(tests.some((t) => t.test(""))).toBe(true); // the empty scalar (null) is let through
  });

  it("takes the positions of usual manifests from js-yaml, without the positioned parse", () => {
    const usual = [
      "# c\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a # trailing\n  # between\n  labels: {app: a}\n",
      'spec:\n  containers:\n    - name: a\n      args: ["--x", "--y"]\n    - [a, b]\n    - {name: b}\n',
      "data:\n  script: |\n    echo hi\n    # not a comment\n\n  empty:\n  next: 1\n---\nkind: B\n",
      "items:\n  - a\n  -   b\n  - c: 1\n    d: [1,\n      2]\n",
    ];
    for (const text of usual) {
      expect([text, fastPositions(text, fastSchema())]).toEqual([text, expect.any(Array)]);
      expect(differences("usual.yaml", text)).toEqual([]);
    }
  });

  it("stays linear where every node looked back over the same blank lines (a hang guard)", () => {
    // Each flow item once skipped its sequence's leading blank lines again: 1 MB took 160 s.
    // The bound is generous (a loaded CI machine) and far below what the bug took.
    const text = `items:\n${"\n".repeat(500_000)}${"- [x]\n".repeat(50_000)}`;
    const started = performance.now();
    const file = parseManifest("blank.yaml", text);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(file.problems).toEqual([]);
    expect((file.documents[0]!.value as { items: unknown[] }).items).toHaveLength(50_000);
    expect(file.documents[0]!.locate(["items", 49_999]).lines.start).toBe(550_001);
  });

  it("reads deep nesting before a long run of blank and comment lines once (a hang guard)", () => {
    // Every level above the innermost value once scanned the run again: depth times its length.
    let text = "";
    for (let d = 0; d < 120; d++) text += `${"  ".repeat(d)}k${d}:\n`;
    text += `${"  ".repeat(120)}leaf: x\n${"\n# c\n".repeat(500_000)}next: 1\n`;
    const started = performance.now();
    const values = readBlockYaml(text, LIMITS);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(values).toHaveLength(1);
    expect((values![0] as Record<string, unknown>).next).toBe(1);
  });

  it("declines what it cannot vouch for", () => {
    const why = (text: string) => {
      const r = read(text);
      return r.ok ? "ok" : r.why;
    };
    expect(why(EDGE_CASES.directive!)).toBe("directive");
    expect(why(EDGE_CASES["anchors and aliases"]!)).toBe("anchor");
    expect(why(EDGE_CASES["merge key"]!)).toBe("anchor");
    expect(why(EDGE_CASES["quoted merge key"]!)).toBe("merge or null key");
    expect(why(EDGE_CASES["null keys"]!)).toBe("merge or null key");
    expect(why(EDGE_CASES["explicit tags"]!)).toBe("tag");
    expect(why(EDGE_CASES["flow collection key"]!)).toBe("complex key");
    expect(why(EDGE_CASES["explicit key"]!)).toBe("complex key");
    expect(why(EDGE_CASES["duplicate keys"]!)).toBe("syntax");
    expect(why(EDGE_CASES["deep nesting"]!)).toBe("depth");
    expect(why(EDGE_CASES["long implicit key"]!)).not.toBe("ok");
    expect(why("k: !\n |\n")).toBe("tag"); // a tag js-yaml forgets by the node's close
    expect(why("- 'x \n  y'\n")).toBe("uncertain"); // folded white space in a quoted scalar
    expect(why("just a scalar\n")).toBe("uncertain");
    // ...and reads the usual manifest.
    expect(why("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: yes\n")).toBe(
      "ok",
    );
  });

  it(`agrees on ${CASES} generated files in every style, and reads most of them itself`, () => {
    const g = random(SEED);
    let fast = 0;
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const text = generated(g);
      if (read(text).ok) fast++;
      const d = differences(`gen-${i}.yaml`, text);
      if (d.length > 0) failures.push(`${JSON.stringify(text)}\n  ${d.slice(0, 3).join("\n  ")}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
    // About a third: the generator writes many scalars Kubernetes' readers may type otherwise.
    expect(fast).toBeGreaterThan(CASES / 4);
  });

  it(`agrees on ${CASES} damaged files (syntax errors, stray indicators, repeated lines)`, () => {
    const g = random(SEED + 1);
    let fast = 0;
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const text = damaged(g, generated(g));
      if (read(text).ok) fast++;
      const d = differences(`damaged-${i}.yaml`, text);
      if (d.length > 0) failures.push(`${JSON.stringify(text)}\n  ${d.slice(0, 3).join("\n  ")}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(fast).toBeGreaterThan(CASES / 12);
  });

  it(`agrees on ${CASES} plain-style files, and the line reader reads many of them`, () => {
    const g = random(SEED + 2);
    let lined = 0;
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const text = plainGenerated(g);
      if (readBlockYaml(text, LIMITS)) lined++;
      const d = differences(`plain-${i}.yaml`, text);
      if (d.length > 0) failures.push(`${JSON.stringify(text)}\n  ${d.slice(0, 3).join("\n  ")}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
    // The generator mixes in `yes`, `0777`, `12:30`...: those the line reader leaves to
    // Kubernetes' own readers (src/yaml/agreed.ts), so it reads about a third itself.
    expect(lined).toBeGreaterThan(CASES / 4);
  });

  it(`agrees on ${CASES} damaged plain-style files`, () => {
    const g = random(SEED + 3);
    let lined = 0;
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const text = damaged(g, plainGenerated(g));
      if (readBlockYaml(text, LIMITS)) lined++;
      const d = differences(`plain-damaged-${i}.yaml`, text);
      if (d.length > 0) failures.push(`${JSON.stringify(text)}\n  ${d.slice(0, 3).join("\n  ")}`);
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(lined).toBeGreaterThan(CASES / 20);
  });

  it("agrees on every YAML file of this repository", () => {
    const root = packageRoot();
    const files = ["examples", "test", "policies", "deploy", "bench"].flatMap((d) =>
      yamlFiles(join(root, d)),
    );
    expect(files.length).toBeGreaterThan(50);
    const failures = files.flatMap((f) =>
      differences(f, readFileSync(f, "utf8")).map((d) => `${f}: ${d}`),
    );
    expect(failures.slice(0, 5)).toEqual([]);
  });

  const corpus = join(packageRoot(), "..", "shared", "corpus");
  if (!existsSync(corpus))
    process.stderr.write(`fast read: ${corpus} is absent; the corpus comparison is skipped\n`);
  (existsSync(corpus) ? it : it.skip)("agrees on every YAML file of ../shared/corpus", () => {
    const failures = yamlFiles(corpus).flatMap((f) =>
      differences(f, readFileSync(f, "utf8")).map((d) => `${f}: ${d}`),
    );
    expect(failures.slice(0, 5)).toEqual([]);
  });
});
