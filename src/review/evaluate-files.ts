// The shared pipeline: files -> documents with positions -> policy results -> findings, nothing dropped.
import type { Config } from "../config/config.js";
import { roleOf, type RepositoryLayout } from "../core/file-role.js";
import { parseJsonc } from "../core/jsonc.js";
import {
  assembleFindings,
  FileWaivers,
  isKubernetesObject,
  notAnObjectFindings,
  problemFindings,
  type AssembleContext,
  type RawFinding,
  type RulePolicy,
} from "../core/findings.js";
import {
  DEFAULT_PARSE_LIMITS,
  parseManifest,
  type ParsedDocument,
  type ParsedFile,
} from "../yaml/index.js";
import type { Finding, RuleMetadata, SkippedFile } from "../core/types.js";
import type { EvaluationError, EvaluationReport, SourceFile } from "../core/report.js";
import type { PolicyInput, PolicyResult } from "../ports/policy-engine.js";
import type { Engine } from "../engines/engine.js";
import {
  EVALUATION_CHUNK_BYTES,
  EVALUATION_PIPELINE_DEPTH,
  READ_AHEAD_BYTES,
} from "../core/limits.js";

export type { EvaluationError, EvaluationReport, SourceFile } from "../core/report.js";
import { fromItem, listItemsOf } from "./list-items.js";
import { compareText } from "../core/compare-text.js";

export interface EvaluationDeps {
  /** The engines the registry loaded, each run on every document (their results in this order). */
  readonly engines: readonly Engine[];
  readonly rules: ReadonlyMap<string, RuleMetadata>;
  /** YYYY-MM-DD: the day waivers are checked against. */
  readonly today: string;
}

export function rulePolicyOf(config: Config): RulePolicy {
  return {
    enabled: (rule) => config.rules[rule]?.enabled !== false,
    severity: (rule) => config.rules[rule]?.severity,
  };
}

interface Pending {
  readonly file: ParsedFile;
  readonly doc: ParsedDocument;
  readonly partial: boolean;
  readonly waivers: FileWaivers;
  /** Sends each result to the file and document it is reported on (a rendered resource's sources). */
  readonly route?: RouteFindings;
}

/** One file's share of a document's results: the file, a document standing for it there, the results. */
export interface RoutedFindings {
  readonly file: ParsedFile;
  readonly doc: ParsedDocument;
  readonly raw: readonly RawFinding[];
}

export type RouteFindings = (raw: readonly RawFinding[]) => readonly RoutedFindings[];

/**
 * A document that is not in any file as the policies see it (a rendered resource): its results are
 * routed to the source files that produced its fields, and reported there.
 */
export interface RoutedDocument {
  /** The file errors are reported in, and the document (its kind line) they point at. */
  readonly file: ParsedFile;
  readonly doc: ParsedDocument;
  readonly route: RouteFindings;
}

interface Prepared {
  readonly context: AssembleContext;
  readonly findings: Finding[];
  readonly skipped: SkippedFile[];
  readonly pending: Pending[];
  readonly inputs: PolicyInput[];
  readonly filesEvaluated: number;
}

/** A file's role, and what it reads as (not read at all for a Helm chart template). */
export interface ReadSource {
  readonly role: ReturnType<typeof roleOf>;
  readonly parsed?: ParsedFile;
}

/** Files read ahead of their evaluation (evaluateFilesWhenReady), by source; used once. */
export type ReadAhead = Map<SourceFile, ReadSource>;

export function readSource(
  source: SourceFile,
  layout: RepositoryLayout,
  config: Config,
): ReadSource {
  const role = roleOf(source.path, layout);
  if (source.refused !== undefined) {
    const problem = { rule: "PCS002" as const, message: source.refused, line: 1 };
    return { role, parsed: { file: source.path, text: "", documents: [], problems: [problem] } };
  }
  if (role === "helm-template") return { role };
  // A file over the cap is refused (PCS002, failing) even when it shows no apiVersion/kind:
  // quoted keys can spell them with escapes ("\x61piVersion"), so skipping would fail open.
  const parsed = parseManifest(source.path, source.content, {
    ...DEFAULT_PARSE_LIMITS,
    maxFileBytes: config.limits.maxFileBytes,
    maxDocuments: config.limits.maxDocuments,
  });
  // JSON with comments (.vscode/settings.json, tsconfig.json, devcontainer.json) is read as the
  // editors that own it read it; holding no Kubernetes object, it is not a manifest. An object of
  // Kubernetes with comments keeps its syntax error: kubectl would not read it.
  const syntaxOnly = parsed.problems.every((p) => p.rule === "PCS001");
  if (parsed.problems.length > 0 && syntaxOnly && /\.json$/i.test(source.path)) {
    const jsonc = parseJsonc(Buffer.from(source.content).toString("utf8"));
    if (jsonc && !isKubernetesObject(jsonc.value))
      return { role, parsed: { ...parsed, problems: [], documents: [] } };
  }
  return { role, parsed };
}

/** Parses every file and collects the documents the policies must see (and what is reported already). */
function prepare(
  files: readonly SourceFile[],
  layout: RepositoryLayout,
  config: Config,
  deps: EvaluationDeps,
  readAhead?: ReadAhead,
): Prepared {
  const context: AssembleContext = {
    rules: deps.rules,
    policy: rulePolicyOf(config),
    today: deps.today,
  };
  const findings: Finding[] = [];
  const skipped: SkippedFile[] = [];
  const pending: Pending[] = [];
  let filesEvaluated = 0;

  for (const source of files) {
    const ahead = readAhead?.get(source);
    if (ahead) readAhead!.delete(source); // held no longer than until its slice is evaluated
    const { role, parsed } = ahead ?? readSource(source, layout, config);
    if (!parsed) {
      skipped.push({
        file: source.path,
        reason: "Helm chart template: only its rendered output is a manifest",
      });
      continue;
    }
    findings.push(...problemFindings(parsed, parsed.problems, context));
    // A rule switched off hides the finding, never the fact: what was not read stays listed.
    for (const p of parsed.problems)
      if (!context.policy.enabled(p.rule))
        skipped.push({
          file: source.path,
          line: p.line,
          reason: `not evaluated (${p.rule} is switched off, so this is no finding): ${p.message}`,
        });
    if (role === "kustomization") {
      skipped.push({
        file: source.path,
        reason: "kustomization: build instructions, not a resource",
      });
      continue;
    }
    const objects = parsed.documents.filter((d) => isKubernetesObject(d.value));
    if (objects.length === 0) {
      if (parsed.problems.length === 0)
        skipped.push({ file: source.path, reason: "holds no Kubernetes object" });
      continue;
    }
    filesEvaluated++;
    const waivers = new FileWaivers(parsed);
    findings.push(...notAnObjectFindings(parsed, context, waivers));
    for (const doc of objects) {
      const partial = role === "patch";
      pending.push({ file: parsed, doc, partial, waivers });
      for (const item of listItemsOf(doc))
        pending.push({
          file: parsed,
          doc: item.doc,
          partial,
          waivers,
          route: (raw) => [{ file: parsed, doc: item.doc, raw: fromItem(raw, item.prefix) }],
        });
    }
  }

  return { context, findings, skipped, pending, inputs: inputsOf(pending), filesEvaluated };
}

function inputsOf(pending: readonly Pending[]): PolicyInput[] {
  return pending.map((p) => ({
    document: p.doc.value,
    file: { path: p.file.file, partial: p.partial },
  }));
}

/** Turns each engine's results into findings (or errors at the document's kind line). */
function finish(
  prepared: Prepared,
  resultsPerEngine: readonly (readonly PolicyResult[])[],
): EvaluationReport {
  const { context, pending } = prepared;
  const findings = [...prepared.findings];
  const waiverCache = new Map<ParsedFile, FileWaivers>();
  const waiversOf = (file: ParsedFile) => {
    let w = waiverCache.get(file);
    if (!w) waiverCache.set(file, (w = new FileWaivers(file)));
    return w;
  };
  const errors: EvaluationError[] = [];
  for (const results of resultsPerEngine) {
    pending.forEach((p, i) => {
      const result = results[i];
      if (!result || !result.ok) {
        errors.push({
          file: p.file.file,
          line: p.doc.kindLine,
          message: result ? result.error : "policy engine returned no result",
        });
        return;
      }
      const groups = p.route
        ? p.route(result.findings)
        : [{ file: p.file, doc: p.doc, raw: result.findings }];
      for (const g of groups) {
        const waivers = g.file === p.file ? p.waivers : waiversOf(g.file);
        findings.push(...assembleFindings(g.file, g.doc, g.raw, p.partial, context, waivers));
      }
    });
  }
  return {
    findings: sortFindings(findings),
    skipped: prepared.skipped,
    errors,
    filesEvaluated: prepared.filesEvaluated,
    documentsEvaluated: pending.length,
  };
}

/**
 * Streaming: once a slice of files is reported, the text of files read lazily from disk
 * (`SourceFile.release`) is let go, of every file ("all") or of those without findings (text
 * output shows the lines of the others). Absent: nothing is let go.
 */
export type ReleaseContents = "all" | "without-findings";

export interface EvaluateOptions {
  readonly readAhead?: ReadAhead;
  readonly release?: ReleaseContents;
}

function releaseContents(
  chunk: readonly SourceFile[],
  report: EvaluationReport,
  release: ReleaseContents | undefined,
): void {
  if (!release) return;
  const keep =
    release === "without-findings" ? new Set(report.findings.map((f) => f.file)) : undefined;
  for (const f of chunk) if (!keep?.has(f.path)) f.release?.();
}

export async function evaluateFiles(
  files: readonly SourceFile[],
  layout: RepositoryLayout,
  config: Config,
  deps: EvaluationDeps,
  options: EvaluateOptions = {},
): Promise<EvaluationReport> {
  const reports: EvaluationReport[] = [];
  // Pipelined: while the engines evaluate a slice (a worker thread, a child process), the next
  // slices are read and parsed here; the reports are kept in slice order. The answers of an
  // engine that asked them ahead (answersAhead) do not hold the next slices back.
  const inFlight: Promise<unknown>[] = [];
  const all: Promise<EvaluationReport>[] = [];
  for (let from = 0; from < files.length; ) {
    let to = from + 1;
    for (let bytes = files[from]!.content.byteLength; to < files.length; to++) {
      bytes += files[to]!.content.byteLength;
      if (bytes > EVALUATION_CHUNK_BYTES) break;
    }
    const chunk = files.slice(from, to);
    const evaluated = runEngines(prepare(chunk, layout, config, deps, options.readAhead), deps);
    const reported = evaluated.report.then((report) => {
      releaseContents(chunk, report, options.release);
      return report;
    });
    // A failure is thrown where this slice's turn comes, once (not as an unhandled rejection).
    reported.catch(() => undefined);
    evaluated.paced?.catch(() => undefined);
    all.push(reported);
    inFlight.push(evaluated.paced ?? reported);
    if (inFlight.length >= EVALUATION_PIPELINE_DEPTH) await inFlight.shift()!;
    from = to;
  }
  for (const reported of all) reports.push(await reported);
  return {
    findings: sortFindings(reports.flatMap((r) => r.findings)),
    skipped: reports.flatMap((r) => r.skipped),
    errors: reports.flatMap((r) => r.errors),
    filesEvaluated: reports.reduce((n, r) => n + r.filesEvaluated, 0),
    documentsEvaluated: reports.reduce((n, r) => n + r.documentsEvaluated, 0),
  };
}

/**
 * evaluateFiles, with its engines still being made (repository policies compile in an `opa`
 * process): files are read meanwhile, one at a time between turns of the event loop, up to
 * READ_AHEAD_BYTES of text, and those read are not read again (each is let go once its slice is
 * evaluated). `readAhead` may hold files read already (`check`'s inventory: src/review/checked-files.ts).
 */
export async function evaluateFilesWhenReady(
  files: readonly SourceFile[],
  layout: RepositoryLayout,
  config: Config,
  deps: Promise<EvaluationDeps>,
  release?: ReleaseContents,
  readAhead: ReadAhead = new Map(),
): Promise<EvaluationReport> {
  let ready = false;
  const settled = () => {
    ready = true;
  };
  deps.then(settled, settled);
  let bytes = 0;
  for (const source of files) {
    bytes += source.content.byteLength;
    if (ready || bytes > READ_AHEAD_BYTES) break;
    if (readAhead.has(source)) continue;
    readAhead.set(source, readSource(source, layout, config));
    await new Promise((resolve) => setImmediate(resolve));
  }
  return evaluateFiles(files, layout, config, await deps, { readAhead, release });
}

/**
 * Evaluates documents that no single file holds (rendered resources) with the same engines, and
 * reports each result where its route sends it.
 */
export async function evaluateRoutedAsync(
  documents: readonly RoutedDocument[],
  config: Config,
  deps: EvaluationDeps,
): Promise<EvaluationReport> {
  const pending: Pending[] = documents.flatMap((d) => {
    const waivers = new FileWaivers(d.file);
    const own = { file: d.file, doc: d.doc, partial: false, waivers, route: d.route };
    // A rendered list is applied item by item too (its items routed as the list's fields are).
    return [
      own,
      ...listItemsOf(d.doc).map((item) => ({
        ...own,
        doc: item.doc,
        route: (raw: readonly RawFinding[]) => d.route(fromItem(raw, item.prefix)),
      })),
    ];
  });
  return runEngines(
    {
      context: { rules: deps.rules, policy: rulePolicyOf(config), today: deps.today },
      findings: [],
      skipped: [],
      pending,
      inputs: inputsOf(pending),
      filesEvaluated: new Set(documents.map((d) => d.file.file)).size,
    },
    deps,
  ).report;
}

/**
 * Every engine on the prepared documents, side by side (an isolated one runs in its worker): the
 * report once all have answered; when an engine asked its answers ahead, `paced` once the others
 * have.
 */
function runEngines(
  prepared: Prepared,
  deps: EvaluationDeps,
): { report: Promise<EvaluationReport>; paced?: Promise<unknown> } {
  const results = deps.engines.map((e) =>
    prepared.inputs.length > 0 ? e.evaluate(prepared.inputs) : Promise.resolve([]),
  );
  const report = Promise.all(results).then((r) => finish(prepared, r));
  const ahead = deps.engines.map((e) => e.answersAhead?.() === true);
  if (!ahead.includes(true)) return { report };
  return { report, paced: Promise.all(results.filter((_, k) => !ahead[k])) };
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      compareText(a.file, b.file) ||
      a.lines.start - b.lines.start ||
      compareText(a.rule, b.rule) ||
      compareText(a.message, b.message),
  );
}
