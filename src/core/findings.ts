// Turns what the policies returned (rule, message, path) into findings with lines, fingerprints and waivers.
import * as crypto from "node:crypto";
import type { FileProblem, ParsedDocument, ParsedFile } from "../yaml/index.js";
import { commentsByLine } from "../yaml/index.js";
import type {
  Finding,
  FindingStatus,
  FixOperation,
  JsonPath,
  PolicyLocation,
  ResourceRef,
  RuleMetadata,
  Severity,
  Waiver,
} from "./types.js";
import { SEVERITIES } from "./types.js";
import {
  annotationWaivers,
  commentWaiver,
  isExpired,
  WAIVER_ANNOTATION,
  WAIVER_COMMENT,
  type ParsedWaiver,
} from "./waivers.js";

/** A rule result as the policy engine returns it (already validated). */
export interface RawFinding {
  readonly rule: string;
  readonly msg: string;
  readonly path: JsonPath;
  readonly severity?: Severity;
  readonly fix?: FixOperation;
  readonly scalarLine?: number;
  /** Set when the policy itself excepts this result (conftest's `exception` rules): shown as waived. */
  readonly exception?: string;
  /** Where the policy that gave the result is defined (a Gatekeeper constraint's file and line). */
  readonly policy?: PolicyLocation;
}

/** Per-rule decisions from the configuration. */
export interface RulePolicy {
  enabled(rule: string): boolean;
  /** The configured severity, or undefined to keep the rule's own. */
  severity(rule: string): Severity | undefined;
}

export interface AssembleContext {
  readonly rules: ReadonlyMap<string, RuleMetadata>;
  readonly policy: RulePolicy;
  /** YYYY-MM-DD (UTC): waivers that ended before this day no longer apply. */
  readonly today: string;
}

export function fingerprintOf(
  rule: string,
  file: string,
  documentIndex: number | undefined,
  resource: ResourceRef | undefined,
  path: JsonPath,
): string {
  return fingerprintFrom(rule, identityOf(file, documentIndex, resource), JSON.stringify(path));
}

/** What a fingerprint names a finding's object by: the resource, or else the file's document. */
function identityOf(
  file: string,
  documentIndex: number | undefined,
  resource: ResourceRef | undefined,
): string {
  return resource?.kind && resource?.name
    ? `${resource.apiVersion ?? ""}/${resource.kind}/${resource.namespace ?? ""}/${resource.name}`
    : `${file}#${documentIndex ?? ""}`;
}

/**
 * crypto.hash (Node 20.12+): one call, no Hash object per finding (a large run makes 100,000);
 * the same digest as createHash's.
 */
const oneShotHash = (crypto as { hash?: (a: string, d: string, e: "buffer") => Buffer }).hash;
const sha256 = (text: string): Buffer =>
  oneShotHash
    ? oneShotHash("sha256", text, "buffer")
    : crypto.createHash("sha256").update(text).digest();

/** fingerprintOf's digest of an identity and a path already in JSON. */
function fingerprintFrom(rule: string, identity: string, pathJson: string): string {
  // The first 10 bytes in hex: a string of its own (a slice of the 64-character digest would keep
  // the whole digest alive in every finding).
  return sha256(`${rule}\u0000${identity}\u0000${pathJson}`).toString("hex", 0, 10);
}

function isSeverity(s: unknown): s is Severity {
  return typeof s === "string" && (SEVERITIES as readonly string[]).includes(s);
}

/** Waivers of one file: its comments by line, and each document's annotation. */
class FileWaivers {
  private comments?: Map<number, string>;
  /** Whether the file has a waiver comment at all (looked up once, not once per finding). */
  private hasComments?: boolean;
  constructor(private readonly file: ParsedFile) {}

  forLine(line: number): ParsedWaiver | undefined {
    this.hasComments ??= this.file.text.includes(WAIVER_COMMENT);
    if (!this.hasComments) return undefined;
    this.comments ??= commentsByLine(this.file.text);
    const comment = this.comments.get(line);
    return comment === undefined ? undefined : commentWaiver(comment, line);
  }

  forDocument(doc: ParsedDocument): ParsedWaiver[] {
    const value = doc.value as { metadata?: { annotations?: Record<string, unknown> } } | null;
    const annotation = value?.metadata?.annotations?.[WAIVER_ANNOTATION];
    if (annotation === undefined) return [];
    const line = doc.locate(["metadata", "annotations", WAIVER_ANNOTATION]).lines.start;
    return annotationWaivers(annotation, line);
  }
}

function statusFor(
  rule: string,
  candidates: readonly (ParsedWaiver | undefined)[],
  today: string,
): { status: FindingStatus; note?: string } {
  let note: string | undefined;
  for (const candidate of candidates) {
    if (!candidate || !(candidate.rules.includes(rule) || candidate.anyRule)) continue;
    if (candidate.error) {
      // A waiver that names no rule id covers every finding, after the notes of those naming it.
      if (!candidate.anyRule || note === undefined) note = `waiver not applied: ${candidate.error}`;
      continue;
    }
    const waiver = candidate.waiver as Waiver;
    if (isExpired(waiver, today)) {
      note = `waiver expired on ${waiver.expires}: ${waiver.reason}`;
      continue;
    }
    return { status: { kind: "waived", waiver } };
  }
  return { status: OPEN, note };
}

/** statusFor a line's waiver and its document's, without a list when there is none (the rule). */
function statusOf(
  rule: string,
  line: ParsedWaiver | undefined,
  documentWaivers: readonly ParsedWaiver[],
  today: string,
): { status: FindingStatus; note?: string } {
  if (line === undefined && documentWaivers.length === 0) return OPEN_STATUS;
  return statusFor(rule, [line, ...documentWaivers], today);
}

/** One status object for every open finding (findings are what a large run keeps: 100,000). */
const OPEN: FindingStatus = Object.freeze({ kind: "open" });
const OPEN_STATUS = Object.freeze({ status: OPEN, note: undefined });

/** Findings for one document of a file from the raw rule results. */
/**
 * One array for each path findings name: most of a large run's findings name one of a few hundred
 * paths (`spec.template.spec.containers[0].securityContext...`), and findings are what stays in
 * memory while a run streams its files. At most MAX_SHARED_PATHS are kept, for the process.
 */
const sharedPaths = new Map<string, JsonPath>();
const MAX_SHARED_PATHS = 10_000;

function sharedPath(path: JsonPath, key = JSON.stringify(path)): JsonPath {
  const known = sharedPaths.get(key);
  if (known) return known;
  if (sharedPaths.size < MAX_SHARED_PATHS) sharedPaths.set(key, path);
  return path;
}

export function assembleFindings(
  file: ParsedFile,
  doc: ParsedDocument,
  raw: readonly RawFinding[],
  partial: boolean,
  context: AssembleContext,
  waivers = new FileWaivers(file),
): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  const documentWaivers = waivers.forDocument(doc);
  const identity = identityOf(file.file, doc.index, doc.resource);
  for (const r of raw) {
    if (!context.policy.enabled(r.rule)) continue;
    const meta = context.rules.get(r.rule);
    const located = doc.locate(r.path);
    // A patch states only what it changes: a field it does not mention is not missing.
    if (partial && !located.exact) continue;
    const inString =
      r.scalarLine !== undefined ? doc.locateInString(r.path, r.scalarLine) : undefined;
    const lines = inString !== undefined ? { start: inString, end: inString } : located.lines;
    const pathJson = JSON.stringify(r.path);
    const fingerprint = fingerprintFrom(
      r.rule,
      identity,
      r.scalarLine !== undefined ? JSON.stringify([...r.path, `#${r.scalarLine}`]) : pathJson,
    );
    const key = `${fingerprint}\u0000${r.msg}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const severity =
      context.policy.severity(r.rule) ??
      (isSeverity(r.severity) ? r.severity : (meta?.severity ?? "error"));
    const { status, note } = r.exception
      ? {
          status: {
            kind: "waived" as const,
            waiver: {
              rules: [r.rule],
              reason: r.exception,
              source: "policy-exception" as const,
              line: lines.start,
            },
          },
          note: undefined,
        }
      : statusOf(r.rule, waivers.forLine(lines.start), documentWaivers, context.today);
    out.push({
      rule: r.rule,
      severity,
      message: r.msg,
      file: file.file,
      lines,
      documentIndex: doc.index,
      resource: doc.resource,
      path: sharedPath(r.path, pathJson),
      fix: r.fix && { ...r.fix, path: sharedPath(r.fix.path) },
      ...(r.policy ? { policy: r.policy } : {}),
      fingerprint,
      status,
      note,
    });
  }
  return out;
}

/** Findings for a file's syntax and safety problems (PCS001, PCS002). */
export function problemFindings(
  file: ParsedFile,
  problems: readonly FileProblem[],
  context: AssembleContext,
): Finding[] {
  return problems
    .filter((p) => context.policy.enabled(p.rule))
    .map((p) => ({
      rule: p.rule,
      severity: context.policy.severity(p.rule) ?? context.rules.get(p.rule)?.severity ?? "error",
      message: p.message,
      file: file.file,
      lines: { start: p.line, end: p.line },
      path: [],
      fingerprint: fingerprintOf(p.rule, file.file, undefined, undefined, [p.message]),
      status: { kind: "open" } as const,
    }));
}

/** PCS003: a document without apiVersion/kind in a file that holds Kubernetes objects. */
export function notAnObjectFindings(
  file: ParsedFile,
  context: AssembleContext,
  waivers = new FileWaivers(file),
): Finding[] {
  if (!context.policy.enabled("PCS003")) return [];
  const objects = file.documents.filter((d) => isKubernetesObject(d.value));
  if (objects.length === 0) return [];
  return file.documents
    .filter((d) => !isKubernetesObject(d.value))
    .map((d) => {
      const { status, note } = statusFor("PCS003", [waivers.forLine(d.lines.start)], context.today);
      return {
        rule: "PCS003",
        severity:
          context.policy.severity("PCS003") ?? context.rules.get("PCS003")?.severity ?? "notice",
        message: `document ${d.index} is not a Kubernetes object: it has no apiVersion and kind`,
        file: file.file,
        lines: { start: d.lines.start, end: d.lines.start },
        documentIndex: d.index,
        path: [],
        fingerprint: fingerprintOf("PCS003", file.file, d.index, undefined, []),
        status,
        note,
      };
    });
}

export function isKubernetesObject(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.apiVersion === "string" &&
    v.apiVersion !== "" &&
    typeof v.kind === "string" &&
    v.kind !== ""
  );
}

export { FileWaivers };
