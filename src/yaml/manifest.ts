// Parses multi-document YAML/JSON into plain values that remember where every field came from.
// Decoding the bytes: decode.ts; a positioned document and its field lines: positioned-document.ts;
// comments by line: comments.ts.
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from "yaml";
import {
  MAX_ALIAS_COUNT,
  MAX_DEPTH,
  MAX_DOCUMENTS_PER_FILE,
  MAX_FILE_BYTES,
  MAX_SERIALIZED_DOCUMENT_BYTES,
} from "../core/limits.js";
import { blockPositions, fastPositions } from "./fast-positions.js";
import { fastSchema, lineRead } from "./fast-yaml.js";
import { asConsumersRead, unproven } from "./consumers.js";
import { resourceOf } from "./resource.js";
import { oracleRead } from "./oracle.js";
import { kubernetesYamlOptions } from "./yaml-options.js";
import { decode } from "./decode.js";
import { makeDocument } from "./positioned-document.js";
import type {
  DocumentPositions,
  FileProblem,
  ParsedDocument,
  ParsedFile,
  ParseLimits,
} from "./types.js";

export { commentsByLine } from "./comments.js";
export { isMergeKey } from "./positioned-document.js";

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxFileBytes: MAX_FILE_BYTES,
  maxDocuments: MAX_DOCUMENTS_PER_FILE,
  maxDepth: MAX_DEPTH,
  maxSerializedBytes: MAX_SERIALIZED_DOCUMENT_BYTES,
};

interface Issue {
  readonly code: string;
  readonly message: string;
  readonly pos: readonly [number, number];
}

/**
 * A DUPLICATE_KEY issue for each key that repeats an earlier key of its mapping, in one pass with
 * a set per mapping. Keys are equal as the `yaml` package compares them (the same scalar value).
 */
function duplicateKeys(root: unknown): Issue[] {
  const issues: Issue[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          if (seen.has(key.value) && key.range)
            issues.push({
              code: "DUPLICATE_KEY",
              message: "Map keys must be unique",
              pos: [key.range[0], key.range[1]],
            });
          seen.add(key.value);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return issues.sort((a, b) => a.pos[0] - b.pos[0]);
}

function parseOptions(isJson: boolean, lineCounter: LineCounter) {
  return { lineCounter, ...kubernetesYamlOptions(isJson) };
}

function depthExceeds(value: unknown, maxDepth: number): boolean {
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 0 }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { v, d } = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d > maxDepth) return true;
    if (seen.has(v)) continue; // aliases share objects; depth of a shared object was checked
    seen.add(v);
    for (const child of Object.values(v)) stack.push({ v: child, d: d + 1 });
  }
  return false;
}

/**
 * Parses a file's text into documents with positions, and problems (never throws). YAML is read
 * first without positions (fast-yaml.ts) when that read is certain to give the same values; the
 * positions are then worked out for a file the first time one of its documents is asked where a
 * field is, which most files never are.
 */
export function parseManifest(
  file: string,
  content: string | Uint8Array,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): ParsedFile {
  return readManifest(file, content, limits, true);
}

/** The same, always parsed with positions up front (the reference the fast read is tested on). */
export function parseManifestWithPositions(
  file: string,
  content: string | Uint8Array,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): ParsedFile {
  return readManifest(file, content, limits, false);
}

function readManifest(
  file: string,
  content: string | Uint8Array,
  limits: ParseLimits,
  fast: boolean,
): ParsedFile {
  const size = typeof content === "string" ? Buffer.byteLength(content) : content.byteLength;
  if (size > limits.maxFileBytes) {
    const problem: FileProblem = {
      rule: "PCS002",
      message: `file is ${size} bytes, above the ${limits.maxFileBytes}-byte limit; it was not evaluated`,
      line: 1,
    };
    return { file, text: "", documents: [], problems: [problem] };
  }
  const decoded = decode(content);
  if (decoded.problem || decoded.text === undefined) {
    return { file, text: "", documents: [], problems: decoded.problem ? [decoded.problem] : [] };
  }
  const text = decoded.text;
  const isJson = /\.json$/i.test(file);
  // The line reader vouches for its subset on its own (docs/parsing.md); the rest is read by the
  // consumers' own readers, or refused when they are not installed.
  if (!isJson && !decoded.bom) {
    const read = lineRead(text, { ...limits, serializedSize });
    if (read.ok)
      return fast
        ? withLazyPositions(file, text, read.values, limits)
        : parseText(file, text, false, limits);
  }
  const placeable: ParsedDocument[] = [];
  const ours = parseText(file, text, isJson, limits, placeable);
  // Unsafe input (size, depth, aliases) is refused before anything else reads it.
  if (ours.problems.some((p) => p.rule === "PCS002")) return ours;
  const reading = oracleRead(decoded.bom ? `\uFEFF${text}` : text);
  if (!reading) return unproven(file, ours);
  return asConsumersRead({ file, ours, placeable }, reading, oracleRead);
}

/**
 * The positioned parse of a decoded text. With `placeable`, every document that has a value is
 * also collected there, the ones with problems included: their lines place what the consumers'
 * readers decoded when those read the document and we do not (src/yaml/consumers.ts).
 */
function parseText(
  file: string,
  text: string,
  isJson: boolean,
  limits: ParseLimits,
  placeable?: ParsedDocument[],
): ParsedFile {
  const lineCounter = new LineCounter();
  const problems: FileProblem[] = [];
  const documents: ParsedDocument[] = [];
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, parseOptions(isJson, lineCounter)) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [docs as Document.Parsed];
  } catch (err) {
    return { file, text, documents: [], problems: [unexpectedProblem(err)] };
  }
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  if (docs.length > limits.maxDocuments) {
    problems.push({
      rule: "PCS002",
      message: `file has ${docs.length} documents, above the limit of ${limits.maxDocuments}; it was not evaluated`,
      line: 1,
    });
    return { file, text, documents: [], problems };
  }
  docs.forEach((doc, index) => {
    const made = readDocument(doc, index, text, limits, lineOf, problems, placeable);
    if (made) documents.push(made);
  });
  return { file, text, documents, problems };
}

/**
 * One document of the positioned parse: its value and positions, or its problems (added to
 * `problems`; a document that is not safe to evaluate is refused with PCS002).
 */
function readDocument(
  doc: Document.Parsed,
  index: number,
  text: string,
  limits: ParseLimits,
  lineOf: (offset: number) => number,
  problems: FileProblem[],
  placeable: ParsedDocument[] | undefined,
): ParsedDocument | undefined {
  const issues: Issue[] = [...doc.errors, ...duplicateKeys(doc.contents), ...doc.warnings];
  if (issues.length > 0 && placeable) placeAnyway(doc, index, text, lineOf, placeable);
  if (issues.length > 0) {
    for (const issue of issues) {
      const exhausted = issue.code === "RESOURCE_EXHAUSTION";
      problems.push({
        rule: exhausted ? "PCS002" : "PCS001",
        message: exhausted
          ? `document ${index} is nested too deeply to be read safely: ${firstLine(issue.message)}`
          : `${describeIssue(issue.code)}: ${firstLine(issue.message)}`,
        line: lineOf(issue.pos[0]),
      });
    }
    return undefined;
  }
  if (doc.contents === null) return undefined; // an empty document (e.g. a trailing `---`)
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    problems.push({
      rule: err instanceof ReferenceError ? "PCS002" : "PCS001",
      message:
        err instanceof ReferenceError
          ? `document ${index} expands too many aliases (a "billion laughs" pattern); it was not evaluated`
          : `document ${index} could not be read: ${errorText(err)}`,
      line: lineOf(doc.range[0]),
    });
    return undefined;
  }
  if (value === null || value === undefined) return undefined;
  if (depthExceeds(value, limits.maxDepth)) {
    problems.push({
      rule: "PCS002",
      message: `document ${index} is nested deeper than ${limits.maxDepth} levels; it was not evaluated`,
      line: lineOf(doc.range[0]),
    });
    return undefined;
  }
  const serialized = serializedSize(value, limits.maxSerializedBytes);
  if (serialized > limits.maxSerializedBytes) {
    problems.push({
      rule: "PCS002",
      message: `document ${index} expands to more than ${limits.maxSerializedBytes} bytes through aliases; it was not evaluated`,
      line: lineOf(doc.range[0]),
    });
    return undefined;
  }
  const made = makeDocument(doc, index, value, text, lineOf);
  placeable?.push(made);
  return made;
}

/** A document with problems, placed all the same when it has a value (never throws). */
function placeAnyway(
  doc: Document.Parsed,
  index: number,
  text: string,
  lineOf: (offset: number) => number,
  placeable: ParsedDocument[],
): void {
  if (doc.contents === null || doc.errors.some((e) => e.code === "RESOURCE_EXHAUSTION")) return;
  try {
    const value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    if (value !== null && value !== undefined)
      placeable.push(makeDocument(doc, index, value, text, lineOf));
  } catch {
    // nothing to place with: the consumers' values then have no document here
  }
}

/**
 * A file read without positions: its documents find their lines the first time any of them is
 * asked, from js-yaml's node events (fast-positions.ts) or, when those cannot be matched with the
 * values, by parsing the file with positions. Every path gives the same documents at the same
 * indices and the same lines (test/core/fast-yaml.test.ts); a document missing from the positioned
 * parse would sit at line 1.
 */
function withLazyPositions(
  file: string,
  text: string,
  values: readonly unknown[],
  limits: ParseLimits,
): ParsedFile {
  let positioned: ReadonlyMap<number, DocumentPositions> | undefined;
  const place = (): ReadonlyMap<number, DocumentPositions> => {
    let fast: ReturnType<typeof fastPositions>;
    try {
      fast = blockPositions(text, limits) ?? fastPositions(text, fastSchema());
    } catch {
      fast = undefined; // never an error to the caller: the positioned parse answers instead
    }
    if (fast) {
      const found = new Map<number, DocumentPositions>();
      fast.forEach((p, i) => p && found.set(i, p));
      return found;
    }
    return new Map(parseText(file, text, false, limits).documents.map((d) => [d.index, d]));
  };
  const placed = (index: number): DocumentPositions =>
    (positioned ??= place()).get(index) ?? UNPLACED;
  const documents: ParsedDocument[] = [];
  values.forEach((value, index) => {
    if (value === null) return; // an empty document (e.g. a trailing `---`)
    documents.push({
      index,
      value,
      resource: resourceOf(value),
      get lines() {
        return placed(index).lines;
      },
      get kindLine() {
        return placed(index).kindLine;
      },
      locate: (path) => placed(index).locate(path),
      locateInString: (path, offset) => placed(index).locateInString(path, offset),
    });
  });
  return { file, text, documents, problems: [] };
}

const UNPLACED: DocumentPositions = {
  lines: { start: 1, end: 1 },
  kindLine: 1,
  locate: () => ({ lines: { start: 1, end: 1 }, exact: false }),
  locateInString: () => undefined,
};

/** JSON size of a value, stopping early once it passes `cap` (aliases can expand enormously). */
function serializedSize(value: unknown, cap: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= cap) {
    const v = stack.pop();
    if (v === null || typeof v !== "object") {
      total += JSON.stringify(v ?? null).length + 1;
      continue;
    }
    if (Array.isArray(v)) {
      total += 2;
      for (const x of v) stack.push(x);
    } else {
      for (const [k, x] of Object.entries(v)) {
        total += k.length + 4;
        stack.push(x);
      }
    }
  }
  return total;
}

function describeIssue(code: string): string {
  switch (code) {
    case "DUPLICATE_KEY":
      return "duplicate key (Kubernetes would keep only one of them)";
    case "TAG_RESOLVE_FAILED":
      return "unsupported YAML tag";
    case "BAD_ALIAS":
      return "alias to an unknown anchor";
    default:
      return "YAML syntax error";
  }
}

function firstLine(message: string): string {
  return message.split("\n")[0]!.trim();
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === "string" ? err : JSON.stringify(err);
}

function unexpectedProblem(err: unknown): FileProblem {
  return { rule: "PCS001", message: `file could not be parsed: ${errorText(err)}`, line: 1 };
}
