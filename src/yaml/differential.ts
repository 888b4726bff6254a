// The differential check and the seeded mutation fuzzer behind test/yaml/differential.test.ts and
// `npm run fuzz:yaml`: whatever the line reader reads on its own (the only values Portcullis does
// not take from the consumers' readers) must be exactly what kubectl/Argo CD and kustomize/Flux
// read, with no error from either.
import { readBlockYaml } from "./block-yaml.js";
import { MAX_DEPTH, MAX_DOCUMENTS_PER_FILE } from "../core/limits.js";
import { partingPath } from "./consumers.js";
import type { OracleReading } from "./oracle.js";

const LIMITS = { maxDocuments: MAX_DOCUMENTS_PER_FILE, maxDepth: MAX_DEPTH };

/**
 * Why the line reader's values of `text` are not what the consumers read, or undefined when they
 * are (or when the line reader declines the text, leaving it to the consumers' readers).
 */
export function disagreement(text: string, reading: OracleReading): string | undefined {
  const values = lineValues(text);
  if (!values) return undefined;
  const { kube, kyaml } = reading;
  if (kube.error !== undefined) return `kubectl refuses what the line reader reads: ${kube.error}`;
  if (kyaml.error !== undefined)
    return `kustomize refuses what the line reader reads: ${kyaml.error}`;
  if (!reading.agree) return `the consumers part at ${JSON.stringify(reading.path)}`;
  if (values.length !== kube.docs.length)
    return `${values.length} documents for the line reader, ${kube.docs.length} for the consumers`;
  for (let i = 0; i < values.length; i++) {
    const where = firstDifference(values[i], kube.docs[i], [i]);
    if (where) return `at ${where}`;
  }
  return undefined;
}

/** The first path where two JSON values differ, with both values there. */
function firstDifference(a: unknown, b: unknown, path: (string | number)[]): string | undefined {
  const found = partingPath(a, b, path);
  if (!found) return undefined;
  const short = (v: { value?: unknown }) => (JSON.stringify(v.value) ?? "nothing").slice(0, 100);
  return `${JSON.stringify(found.path)}: line reader ${short(found.kube)}, consumers ${short(found.kyaml)}`;
}

/** The line reader's non-empty documents, or undefined when it declines. */
export function lineValues(text: string): unknown[] | undefined {
  return readBlockYaml(text, LIMITS)?.filter((v) => v !== null && v !== undefined);
}

/** A small seeded generator (mulberry32), so a failing mutant can be made again from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BREAKS = ["\r", "\r\n", "\u0085", "\u2028", "\u2029", "\n\n", "\n", "\v", "\f"];
const SPACES = [" ", "  ", "\t", "\u00a0", "\u2003", "\u3000", "\ufeff", "\u200b", ""];
const SCALARS = [
  "0.16.0",
  "1.2.3.4",
  "9a5cfe",
  "0x1fac",
  "1e9abc",
  "12e3d",
  "+0xaf",
  "1_0c",
  "-0xfa",
  "0.1.2e5",
  "yes",
  "Yes",
  "on",
  "OFF",
  "y",
  "n",
  "Y",
  "true",
  "False",
  "~",
  "null",
  "NULL",
  "",
  "0777",
  "0644",
  "0X1F",
  "0x1f",
  "0O17",
  "0o17",
  "0B11",
  "0b11",
  "1_000",
  "+1",
  "-0",
  ".5",
  "1.",
  "1e3",
  "1E3",
  "-.inf",
  ".NaN",
  "12:30",
  "1:20:30",
  "2026-01-01",
  "2001-12-14t21:59:43.10-05:00",
  "<<",
  "=",
  "-",
  "0",
  "007",
  "1.0",
  "123456789012345678901",
  "0.1e1",
  "--",
  "- x",
  "? x",
];
const TOKENS = [
  ...BREAKS,
  ...SPACES,
  "---",
  "--- ",
  "---x",
  "--- # c",
  "--- a: 1",
  "...",
  "# c",
  " #c",
  ":",
  ": ",
  ":,",
  "- ",
  "-",
  "'",
  '"',
  "\\",
  "\\/",
  "\\x41",
  "\\u0085",
  "\\N",
  "\\L",
  "!!str ",
  "!!int ",
  "!!bool ",
  "!foo ",
  "!!binary ",
  "!!merge ",
  "&a ",
  "*a",
  "<<: *a",
  "<<: {x: 1}",
  "{",
  "}",
  "[",
  "]",
  ",",
  "?",
  "? ",
  "|",
  ">",
  "|-",
  ">-",
  "|+",
  "|2",
  "%YAML 1.1\n",
  "%TAG ! x\n",
  "{}",
  "[]",
  '{"a": 1}',
  "{a: 1}: b",
  "@",
  "`",
  "key: ",
  "k:",
  "y: ",
  "on: ",
  "é",
  "\u00e9",
  // Noncharacters (go-yaml refuses U+FFFE/U+FFFF, reads the others), surrogate escapes.
  "\ufffe",
  "\uffff",
  "\ufdd0",
  "\u{1fffe}",
  "\u{1f600}",
  "\\uD83D\\uDE00",
  "\\uD800",
  "\\udfff",
  "\\uFFFE",
  "\\U0001F600",
];

const pick = <T>(rng: () => number, list: readonly T[]): T =>
  list[Math.floor(rng() * list.length)]!;

/** `seed` changed 1 to 3 times: line breaks, spaces, indentation, quoting, tags, anchors and merges, markers, flow/JSON. */
export function mutate(seed: string, rng: () => number): string {
  let text = seed;
  const times = 1 + Math.floor(rng() * 3);
  for (let i = 0; i < times; i++) text = pick(rng, MUTATIONS)(text, rng);
  return text;
}

type Mutation = (text: string, rng: () => number) => string;

/** A position biased to where YAML decides things: line starts and ends, after `: ` and `- `. */
function spot(text: string, rng: () => number): number {
  if (text.length === 0) return 0;
  const at = Math.floor(rng() * (text.length + 1));
  const r = rng();
  if (r < 0.3) return text.lastIndexOf("\n", at - 1) + 1; // a line start
  if (r < 0.5) {
    const end = text.indexOf("\n", at);
    return end < 0 ? text.length : end;
  }
  if (r < 0.7) {
    const colon = text.indexOf(": ", at);
    return colon < 0 ? at : colon + 2;
  }
  return at;
}

const lines = (text: string) => text.split("\n");

const MUTATIONS: readonly Mutation[] = [
  // a token anywhere
  (t, rng) => {
    const at = spot(t, rng);
    return t.slice(0, at) + pick(rng, TOKENS) + t.slice(at);
  },
  // a plain value replaced by a scalar the readers may type differently
  (t, rng) => {
    const ls = lines(t);
    const i = Math.floor(rng() * ls.length);
    ls[i] = ls[i]!.replace(
      /(:\s+|-\s+)[^\s#'"{[][^#]*$/,
      (_, lead: string) => lead + pick(rng, SCALARS),
    );
    return ls.join("\n");
  },
  // a key replaced by a scalar the readers may type differently
  (t, rng) => {
    const ls = lines(t);
    const i = Math.floor(rng() * ls.length);
    ls[i] = ls[i]!.replace(
      /^(\s*(?:- )?)[A-Za-z0-9_.\/-]+:/,
      (_, lead: string) => `${lead}${pick(rng, SCALARS)}:`,
    );
    return ls.join("\n");
  },
  // a line re-indented, duplicated, dropped or swapped
  (t, rng) => {
    const ls = lines(t);
    const i = Math.floor(rng() * ls.length);
    const r = rng();
    if (r < 0.4) ls[i] = r < 0.2 ? ` ${ls[i]}` : ls[i]!.replace(/^ {1,2}/, "");
    else if (r < 0.6) ls.splice(i, 0, ls[i]!);
    else if (r < 0.8) ls.splice(i, 1);
    else if (i + 1 < ls.length) [ls[i], ls[i + 1]] = [ls[i + 1]!, ls[i]!];
    return ls.join("\n");
  },
  // a line break or a space replaced
  (t, rng) => {
    const at = t.indexOf(rng() < 0.5 ? "\n" : " ", Math.floor(rng() * t.length));
    if (at < 0) return t;
    return t.slice(0, at) + pick(rng, t[at] === "\n" ? BREAKS : SPACES) + t.slice(at + 1);
  },
  // a value quoted, or a double-quoted value continued on the next line at some indentation
  (t, rng) => {
    const ls = lines(t);
    const i = Math.floor(rng() * ls.length);
    const m = /^(\s*(?:- )?[^:#]*:\s+)([^\s#'"].*)$/.exec(ls[i]!);
    if (!m) return t;
    const [, lead, value] = m as unknown as [string, string, string];
    const r = rng();
    if (r < 0.3) ls[i] = `${lead}'${value}'`;
    else if (r < 0.6) ls[i] = `${lead}"${value.replace(/\s/, "\\t")}"`;
    else {
      const indent = " ".repeat(Math.floor(rng() * (lead.length + 2)));
      ls[i] = `${lead}"${value}`;
      ls.splice(i + 1, 0, `${indent}more"`);
    }
    return ls.join("\n");
  },
  // anchors and merge keys
  (t, rng) => {
    const ls = lines(t);
    const i = Math.floor(rng() * ls.length);
    const indent = /^\s*/.exec(ls[i]!)![0];
    const r = rng();
    if (r < 0.4)
      ls[i] = ls[i]!.replace(/^(\s*[^:#\s]+:)(\s*)$/, "$1 &a$2").replace(
        /^(\s*[^:#\s]+:) (\S)/,
        "$1 &a $2",
      );
    else if (r < 0.7) ls.splice(i, 0, `${indent}<<: *a`);
    else
      ls.splice(i, 0, `${indent}<<: ${pick(rng, ["{x: 1}", "[*a, *a]", "*a", "{y: 2, on: 3}"])}`);
    return ls.join("\n");
  },
  // flow/JSON: the line reader's value as JSON or flow YAML, with what may lead it
  (t, rng) => {
    const values = lineValues(t);
    if (!values || values.length === 0) return t;
    const json = JSON.stringify(values[0], null, rng() < 0.5 ? 2 : undefined);
    const lead = pick(rng, ["", " ", "\n", "\t", "---\n", "\ufeff", "\u00a0", "\u0085", "# c\n"]);
    return rng() < 0.5 ? lead + json : lead + json.replace(/"([A-Za-z]+)"/g, "$1");
  },
  // document markers
  (t, rng) => {
    const ls = lines(t);
    const i = Math.floor(rng() * ls.length);
    ls.splice(
      i,
      0,
      pick(rng, ["---", "--- ", "---  # c", "---x", "--- x", "...", "--- |", "----", "--- ---"]),
    );
    return ls.join("\n");
  },
];

/** Seeds in the style of real manifests, close to the classes where the readers part. */
export const ADVERSARIAL = [
  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: false\n  containers:\n    - name: c\n      image: nginx:1.27\n      securityContext:\n        privileged: false\n        runAsUser: 1000\n",
  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  labels: { app: d, tier: web }\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers: [{ name: c, image: x }]\n",
  "kind: ConfigMap\ndata:\n  policy.csv: |\n    p, a, b\n    g, c, d\n  text: >-\n    folded\n    text\n---\nkind: Secret\nstringData:\n  key: 'value'\n  other: \"a\\tb\"\n",
  "kind: Pod\nspec:\n  securityContext:\n    runAsNonRoot: true\n    runAsUser: 0\n  volumes:\n    - name: v\n      hostPath:\n        path: /\n",
  "---\nkind: A\n---\n# only a comment\n---\nkind: B\nitems:\n- a\n- b\n",
];
