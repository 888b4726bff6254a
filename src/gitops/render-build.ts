// The rendering part of a review (render-changes.ts): one build, a target rendered at one side
// (base or head), its output read, substituted as Flux does, routed back to the lines a human
// edits and evaluated; or why it was not built.
import type { Config } from "../config/config.js";
import { isKubernetesObject } from "../core/findings.js";
import { isPlainObject } from "../core/plain-data.js";
import { MAX_RENDER_OUTPUT_BYTES } from "../core/render-limits.js";
import type { Finding, JsonPath } from "../core/types.js";
import type { RenderOutcome } from "../ports/manifest-renderer.js";
import { evaluateRoutedAsync, type EvaluationError } from "../review/evaluate-files.js";
import {
  DEFAULT_PARSE_LIMITS,
  parseManifest,
  type ParsedDocument,
  type ParsedFile,
} from "../yaml/index.js";
import { describeController } from "./gitops-controllers.js";
import type { Blocked } from "./kustomize-tree.js";
import type { RenderDeps } from "./render-changes.js";
import { takeOrigin } from "./render-mapping.js";
import { postProcess } from "./render-postbuild.js";
import { namespaceSetter, routedDocument, type RenderedResource } from "./render-routing.js";
import { renderFailureFindings, resourceRef, show, type Side } from "./render-side.js";
import { substituteDocuments, substitutionOf } from "./render-substitute.js";
import { materialise, type Materialised, type Target } from "./render-targets.js";

/** Where a failure of the target is reported: the controller's path field, else the kustomization's kind line. */
export function reportPlace(
  side: Side,
  target: Target,
): { file: ParsedFile; doc: ParsedDocument; path: JsonPath } | undefined {
  const c = target.controllers[0]?.controller;
  if (c) {
    const file = side.file(c.file);
    const doc = file?.documents.find((d) => d.index === c.documentIndex);
    if (file && doc) return { file, doc, path: c.pathField };
  }
  const own = side.tree.kustomizationOf(target.dir);
  const file = own ? side.file(own) : undefined;
  const doc = file?.documents[0];
  return file && doc ? { file, doc, path: [] } : undefined;
}

export function labelOf(target: Target): string[] {
  return [
    `kustomize ${show(target.dir)}`,
    ...target.controllers.map((c) => describeController(c.controller)),
  ];
}

export interface SideOutcome {
  readonly status: "rendered" | "failed" | "not-evaluated" | "absent";
  readonly reason?: string;
  readonly resources: RenderedResource[];
  readonly findings: Finding[];
  readonly errors: EvaluationError[];
  readonly blocked: Blocked[];
  readonly files: ReadonlySet<string>;
  readonly durationMs: number;
  readonly documents: number;
  /** Left out: the review's render budget was used up. */
  readonly overBudget?: boolean;
}

/** A side's outcome before anything was rendered. */
function nothingRendered() {
  return {
    resources: [] as RenderedResource[],
    findings: [] as Finding[],
    errors: [] as EvaluationError[],
    blocked: [] as Blocked[],
    files: new Set<string>(),
    durationMs: 0,
    documents: 0,
  };
}

/** Renders one target at one side and evaluates what it produces; `ticket` grants the build. */
export async function renderSide(
  side: Side,
  target: Target,
  config: Config,
  deps: RenderDeps,
  budget: { ticket: () => boolean; reason: () => string },
): Promise<SideOutcome> {
  const none = nothingRendered();
  const m = await materialise(side, target);
  if (!m) return { ...none, status: "absent" };
  if (m.blocked.length > 0 || m.tooLarge)
    return {
      ...none,
      status: "not-evaluated",
      blocked: m.blocked,
      reason: m.tooLarge ?? "it asks for what is never loaded",
    };
  if (!budget.ticket())
    return { ...none, status: "not-evaluated", reason: budget.reason(), overBudget: true };
  const outcome = await deps.renderer.renderKustomization({ dir: target.dir, files: m.files });
  if (!outcome.ok && outcome.reason === "unavailable") {
    // Not the repository's fault, and not something the base "already had": the review is incomplete.
    const place = reportPlace(side, target);
    const errors = place
      ? [
          {
            file: place.file.file,
            line: place.doc.locate(place.path).lines.start,
            message: outcome.message,
          },
        ]
      : [];
    return { ...none, status: "failed", reason: outcome.message, errors };
  }
  if (!outcome.ok) {
    const findings = failureFindings(side, target, outcome.message, config, deps);
    return {
      ...none,
      status: "failed",
      reason: outcome.message,
      findings,
      durationMs: outcome.durationMs,
    };
  }
  return evaluateRendered(side, target, m, outcome, config, deps);
}

/** A target's rendered output: read, substituted (Flux), routed to source lines and evaluated. */
async function evaluateRendered(
  side: Side,
  target: Target,
  m: Materialised,
  outcome: Extract<RenderOutcome, { ok: true }>,
  config: Config,
  deps: RenderDeps,
): Promise<SideOutcome> {
  const none = nothingRendered();
  const limits = {
    ...DEFAULT_PARSE_LIMITS,
    maxFileBytes: MAX_RENDER_OUTPUT_BYTES,
    maxDocuments: Number.MAX_SAFE_INTEGER,
  };
  const rendered = parseManifest(`${show(target.dir)} (rendered)`, outcome.yaml, limits);
  if (rendered.problems.length > 0) {
    const findings = failureFindings(
      side,
      target,
      `the rendered output could not be read: ${rendered.problems[0]!.message}`,
      config,
      deps,
    );
    return {
      ...none,
      status: "failed",
      reason: rendered.problems[0]!.message,
      findings,
      durationMs: outcome.durationMs,
    };
  }
  const controller = target.controllers[0];
  // Flux post-build substitution, on each document's text; what it leaves unknown is an error.
  const vars = controller ? await substitutionOf(side, controller) : undefined;
  const substituted = vars
    ? substituteDocuments(rendered.file, outcome.yaml, rendered.documents, vars, limits)
    : { documents: rendered.documents, notEvaluated: [] };
  const place = reportPlace(side, target);
  const substitutionErrors: EvaluationError[] = place
    ? substituted.notEvaluated.map((why) => ({
        file: place.file.file,
        line: place.doc.locate(place.path).lines.start,
        message: `not evaluated: ${why} (post-build substitution of ${describeController(controller!.controller)}); it was left out`,
      }))
    : [];
  const resources: RenderedResource[] = [];
  for (const doc of substituted.documents) {
    if (!isPlainObject(doc.value) || !isKubernetesObject(doc.value)) continue;
    const value = structuredClone(doc.value);
    const origin = takeOrigin(value, outcome.originRoot);
    const processed = postProcess(value, controller);
    resources.push({ value: processed, resource: resourceRef(processed), origin });
  }
  await side.read(
    resources
      .flatMap((r) => [r.origin.file, r.origin.configuredIn])
      .filter((p): p is string => p !== undefined),
  );
  const documents = resources.flatMap((r) => {
    const routed = routedDocument(side, r, m.patches, place, m.images ?? [], (res) =>
      namespaceSetter(side, target, res),
    );
    // A HelmRelease's values as this build patched them are rendered with their lines.
    if (routed && r.value.kind === "HelmRelease") r.at = routed.at;
    return routed ? [routed] : [];
  });
  const report = await evaluateRoutedAsync(documents, config, deps.evaluation);
  const affects = labelOf(target);
  return {
    status: "rendered",
    resources,
    findings: report.findings.map((f) => ({ ...f, affects })),
    errors: [...substitutionErrors, ...report.errors],
    blocked: [],
    files: new Set(m.files.keys()),
    durationMs: outcome.durationMs,
    documents: documents.length,
  };
}

/** PCS004 at the target's line, through the pipeline's assembly (severity, waivers, fingerprint). */
function failureFindings(
  side: Side,
  target: Target,
  message: string,
  config: Config,
  deps: RenderDeps,
): Finding[] {
  const place = reportPlace(side, target);
  if (!place) return [];
  const controller = target.controllers[0]?.controller;
  const what = controller
    ? `${describeController(controller)} (${show(target.dir)})`
    : `kustomization ${show(target.dir)}`;
  return renderFailureFindings(
    place,
    `${what} could not be rendered: ${message}`,
    labelOf(target),
    config,
    deps.evaluation,
  );
}
