// Turns what the consumers' own readers decode (oracle.ts) into the documents policies see: their
// values, placed with Portcullis' positioned reading of the same text, or PCS005 where kubectl/Argo
// CD and kustomize/Flux part, or where Portcullis cannot place what they read.
import type { FileProblem, ParsedDocument, ParsedFile } from "./types.js";
import type { JsonPath } from "../core/types.js";
import type { ConsumerReading, OracleFailure, OracleReading } from "./oracle.js";
import { resourceOf } from "./resource.js";

export const PCS005 = "PCS005" as const;
const KUBE = "kubectl and Argo CD";
const KYAML = "kustomize and Flux";
/** How to get the exact reader, true in every install (a packed npm install has no scripts/tools). */
const ENABLE =
  "the Portcullis container image and GitHub Action carry the exact reader; elsewhere point PORTCULLIS_YAML_ORACLE at a built yaml-oracle (in a Portcullis checkout, `npm run build:yaml` builds it, needs Go)";

/**
 * Our positioned reading of a file: its documents and problems, and every document that has a
 * value whether or not it has problems (placeable), in file order.
 */
export interface OurReading {
  readonly file: string;
  readonly ours: ParsedFile;
  readonly placeable: readonly ParsedDocument[];
}

/** A file outside what Portcullis reads exactly on its own, with no oracle to decide it. */
export function unproven(file: string, ours: ParsedFile): ParsedFile {
  const message = `this file uses YAML outside the subset Portcullis reads exactly as kubectl, Argo CD, kustomize and Flux do, so what they apply cannot be proven; ${ENABLE}`;
  if (ours.problems.length === 0)
    return refused(file, ours.text, ours.documents[0]?.lines.start ?? 1, message);
  // Broken: PCS001/PCS002 say where; the documents we could read are not evaluated from values
  // the consumers may read otherwise (kubectl still applies them): each one is PCS005.
  const problems: FileProblem[] = [
    ...ours.problems,
    ...nonEmpty(ours.documents).map((d) => ({ rule: PCS005, message, line: d.lines.start })),
  ].sort((a, b) => a.line - b.line);
  return { file, text: ours.text, documents: [], problems };
}

/** The file as the consumers read it (`ours` is the positioned reading of the same text). */
export function asConsumersRead(
  { file, ours, placeable }: OurReading,
  reading: OracleReading | OracleFailure,
  read: (text: string) => OracleReading | OracleFailure | undefined,
): ParsedFile {
  if ("failed" in reading)
    return refused(
      file,
      ours.text,
      1,
      `the exact YAML reader failed (${reading.failed}); ${ENABLE}`,
    );
  const { kube, kyaml } = reading;
  if (kube.error !== undefined && kyaml.error !== undefined) return broken(ours, kube, read);
  if (kube.error !== undefined || kyaml.error !== undefined) {
    // The documents both read alike on their own are still evaluated (kubectl applies them).
    const refusal = oneRefuses(file, ours, reading);
    return { ...refusal, documents: readAlone(ours, read) };
  }
  if (!reading.agree) return parted(file, ours, placeable, reading);
  return placed(file, ours, placeable, kube);
}

function refused(file: string, text: string, line: number, message: string): ParsedFile {
  return { file, text, documents: [], problems: [{ rule: PCS005, message, line }] };
}

/**
 * Both consumers refuse the file: it is broken (PCS001, at our line when we found it too). Each
 * document we could read is still reviewed when the consumers, reading it on its own, agree with
 * each other on it: its value is theirs.
 */
function broken(
  ours: ParsedFile,
  kube: ConsumerReading,
  read: (text: string) => OracleReading | OracleFailure | undefined,
): ParsedFile {
  const own = ours.problems.filter((p) => p.rule === "PCS001" || p.rule === "PCS002");
  const problems: FileProblem[] =
    own.length > 0
      ? own
      : [
          {
            rule: "PCS001",
            message: `kubectl, Argo CD, kustomize and Flux cannot read this file: ${firstLine(kube.error!)}`,
            line: errorLine(ours, kube.error!),
          },
        ];
  return { file: ours.file, text: ours.text, documents: readAlone(ours, read), problems };
}

/** Each document we read that both consumers, given it on its own, read alike: with their value. */
function readAlone(
  ours: ParsedFile,
  read: (text: string) => OracleReading | OracleFailure | undefined,
): ParsedDocument[] {
  const lines = ours.text.split("\n");
  const documents: ParsedDocument[] = [];
  for (const doc of nonEmpty(ours.documents)) {
    const alone = read(lines.slice(doc.lines.start - 1, doc.lines.end).join("\n") + "\n");
    if (!alone || "failed" in alone || !alone.agree || alone.kube.error !== undefined) continue;
    if (alone.kube.docs.length === 1) documents.push(withValue(doc, alone.kube.docs[0]));
  }
  return documents;
}

/**
 * The line of a consumer's error: go-yaml counts lines from the start of the document it was
 * given, which is the file's line for a file of one document; otherwise the first document's.
 */
function errorLine(ours: ParsedFile, error: string): number {
  const line = /\bline (\d+)\b/.exec(error);
  const lines = ours.text.split("\n").length;
  // Past the end: go-yaml also broke lines at NEL, LS or PS, which are not line breaks here.
  if (line && ours.documents.length <= 1 && Number(line[1]) <= lines) return Number(line[1]);
  return ours.documents[0]?.lines.start ?? 1;
}

function oneRefuses(file: string, ours: ParsedFile, reading: OracleReading): ParsedFile {
  const kubeFails = reading.kube.error !== undefined;
  const [reader, other] = kubeFails ? [KUBE, KYAML] : [KYAML, KUBE];
  const error = firstLine((kubeFails ? reading.kube.error : reading.kyaml.error)!);
  const line = ours.problems[0]?.line ?? ours.documents[0]?.lines.start ?? 1;
  return refused(
    file,
    ours.text,
    line,
    `read differently by Kubernetes' own readers: ${other} read this file, ${reader} refuse it (${error})`,
  );
}

/**
 * The consumers read different values. When both find the same documents as we do, each document
 * they read alike is still evaluated with their value, and each one they part on is PCS005 at the
 * line of its first field where they part; otherwise the file is refused at the first such field.
 */
function parted(
  file: string,
  ours: ParsedFile,
  placeable: readonly ParsedDocument[],
  reading: OracleReading,
): ParsedFile {
  const docs = nonEmpty(placeable);
  const { kube, kyaml } = reading;
  if (docs.length !== kube.docs.length || docs.length !== kyaml.docs.length) {
    const [docIndex, ...path] = reading.path ?? [0];
    const doc = docs[Number(docIndex)];
    const line = doc ? doc.locate(path as JsonPath).lines.start : (ours.problems[0]?.line ?? 1);
    const message = partingMessage(Number(docIndex), path, reading.kubeValue, reading.kyamlValue);
    return refused(file, ours.text, line, message);
  }
  const documents: ParsedDocument[] = [];
  const problems: FileProblem[] = [];
  docs.forEach((doc, i) => {
    const where = partingPath(kube.docs[i], kyaml.docs[i], []);
    if (!where) return documents.push(withValue(doc, kube.docs[i]));
    const message = partingMessage(i, where.path, where.kube, where.kyaml);
    problems.push({ rule: PCS005, message, line: doc.locate(where.path).lines.start });
  });
  return { file, text: ours.text, documents, problems };
}

function partingMessage(
  index: number,
  path: readonly (string | number)[],
  kubeValue: Shown | undefined,
  kyamlValue: Shown | undefined,
): string {
  const where = path.length > 0 ? ` at ${pathText(path)}` : "";
  return `read differently by Kubernetes' own readers${where} of document ${index + 1}: ${KUBE} see ${shown(kubeValue)}, ${KYAML} see ${shown(kyamlValue)}`;
}

type Shown = { value?: unknown; missing?: string };

/** The first path (keys in order, as the oracle reports it) where two JSON values differ. */
export function partingPath(
  a: unknown,
  b: unknown,
  path: (string | number)[],
): { path: (string | number)[]; kube: Shown; kyaml: Shown } | undefined {
  if (sameJson(a, b)) return undefined;
  const both = a && b && typeof a === "object" && typeof b === "object";
  if (both && Array.isArray(a) === Array.isArray(b)) {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])];
    if (!Array.isArray(a)) keys.sort();
    for (const k of keys) {
      const key = Array.isArray(a) ? Number(k) : k;
      const found = partingPath(x[k], y[k], [...path, key]);
      if (found) return found;
    }
  }
  const side = (v: unknown): Shown => (v === undefined ? { missing: "" } : { value: v });
  return { path, kube: side(a), kyaml: side(b) };
}

/**
 * The consumers agree: their values, each placed by our own reading of the same document (even
 * one we refuse, such as a quoted scalar continued at its key's column that go-yaml accepts). When
 * we do not find the same documents there is nothing to place their values with: PCS005.
 */
function placed(
  file: string,
  ours: ParsedFile,
  placeable: readonly ParsedDocument[],
  kube: ConsumerReading,
): ParsedFile {
  const docs = nonEmpty(placeable);
  if (docs.length !== kube.docs.length) {
    const line = ours.problems[0]?.line ?? 1;
    return refused(
      file,
      ours.text,
      line,
      `read differently by Portcullis: kubectl, Argo CD, kustomize and Flux find ${kube.docs.length} documents in this file, Portcullis ${docs.length}; it was not evaluated`,
    );
  }
  const documents = docs.map((d, i) => withValue(d, kube.docs[i]));
  return { file, text: ours.text, documents, problems: [] };
}

function withValue(doc: ParsedDocument, value: unknown): ParsedDocument {
  if (sameJson(doc.value, value)) return doc;
  return {
    index: doc.index,
    value,
    resource: resourceOf(value),
    get lines() {
      return doc.lines;
    },
    get kindLine() {
      return doc.kindLine;
    },
    locate: (path) => doc.locate(path),
    locateInString: (path, offset) => doc.locateInString(path, offset),
  };
}

/** Whether two values are the same JSON (key order aside). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bs = b as unknown[];
    return a.length === bs.length && a.every((x, i) => sameJson(x, bs[i]));
  }
  const ak = Object.keys(a);
  const bo = b as Record<string, unknown>;
  if (ak.length !== Object.keys(bo).length) return false;
  return ak.every(
    (k) => Object.hasOwn(bo, k) && sameJson((a as Record<string, unknown>)[k], bo[k]),
  );
}

function nonEmpty(documents: readonly ParsedDocument[]): ParsedDocument[] {
  return documents.filter((d) => d.value !== null && d.value !== undefined);
}

function shown(v: Shown | undefined): string {
  if (!v || v.missing !== undefined || !("value" in v)) return "nothing";
  const text = JSON.stringify(v.value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function pathText(path: readonly (string | number)[]): string {
  return path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`))
    .join("")
    .replace(/^\./, "");
}

function firstLine(message: string): string {
  return message.trim().split("\n").join(" ").replace(/\s+/g, " ");
}
