// Gatekeeper ConstraintTemplates and Constraints read from repository files: each template's Rego
// compiled to wasm with the pinned opa, each constraint evaluated on the changed objects as gator does.
import { inPool } from "../../core/pool.js";
import { isKubernetesObject, type RawFinding } from "../../core/findings.js";
import {
  buildInventory,
  detailsPath,
  ENFORCEMENT_SEVERITY,
  enforcementOf,
  NamespaceVersions,
  objectFacts,
  parseMatch,
  reviewOf,
  type ConstraintMatch,
} from "../gatekeeper/match.js";
import { MAX_BATCH_BYTES } from "../../core/limits.js";
import type { ParsedDocument } from "../../yaml/index.js";
import { isPlainObject } from "../../core/plain-data.js";
import type { JsonPath, PolicyLocation, Severity } from "../../core/types.js";
import type { PolicyEngine, PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import { PolicyCompileError, type OpaTools, type PolicySource } from "./opa-build.js";
import { buildPolicy, PolicyRunner, type CompiledModule } from "./policy-runner.js";
import { describeThrown } from "./wasm-policy-engine.js";
import { readAdmissionFile } from "../admission-file.js";
import {
  celCodeOf,
  type CelConstraint,
  type CelTemplate,
  type GatekeeperCel,
} from "../gatekeeper/cel-code.js";

/** The only target Gatekeeper's admission webhook (and gator) evaluates. */
export const GATEKEEPER_TARGET = "admission.k8s.gatekeeper.sh";
const TEMPLATE_VERSIONS: readonly string[] = ["v1", "v1beta1", "v1alpha1"];
const ENTRYPOINT = "portcullis_gatekeeper/results";
const PACKAGE = /^\s*package\s+([\w.]+)/m;
/** Templates compiled at the same time (each is one `opa build` child process). */
const COMPILE_CONCURRENCY = 4;

/** A file and line, and what is wrong there (or why it was not evaluated). */
export interface GatekeeperProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface GatekeeperLoad {
  /** Absent when no constraint can be evaluated. */
  readonly engine?: PolicyEngine;
  /** Broken templates and constraints: each fails the run, the rest still runs. */
  readonly errors: readonly GatekeeperProblem[];
  /** Templates and constraints read but not evaluated (CEL-only code, not enforced for gator). */
  readonly notEvaluated: readonly GatekeeperProblem[];
  /** The constraints in force, as rule ids (`K8sRequiredLabels/must-have-owner`). */
  readonly constraints: readonly string[];
  /** Templates with CEL code and their constraints, for the CEL engine. */
  readonly cel?: GatekeeperCel;
}

interface Placed {
  readonly file: string;
  readonly doc: ParsedDocument;
  readonly value: Record<string, unknown>;
}

interface RegoModule {
  readonly text: string;
  /** Where the text sits in the template document. */
  readonly at: JsonPath;
}

interface Template extends Placed {
  readonly kind: string;
  /** Absent for a template whose code is not Rego. */
  readonly rego?: {
    readonly main: RegoModule;
    readonly libs: readonly RegoModule[];
    readonly v1: boolean;
  };
  readonly skipped?: string;
  /** K8sNativeValidation code: gator runs it before Rego (src/engines/gatekeeper/cel-engine.ts). */
  readonly cel?: CelTemplate;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function get(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const key of path) {
    if (Array.isArray(v) && typeof key === "number") v = v[key];
    else if (isPlainObject(v) && typeof key === "string") v = v[key];
    else return undefined;
  }
  return v;
}

function problemAt(p: Placed, path: JsonPath, message: string): GatekeeperProblem {
  return { file: p.file, line: p.doc.locate(path).lines.start, message };
}

/** The Rego of a template's target: `code` with engine Rego (v1 on request), else `rego` + `libs`. */
function regoOf(
  target: Record<string, unknown>,
  at: JsonPath,
): { rego?: Template["rego"]; engines: string[]; badLibs?: JsonPath } {
  const code = Array.isArray(target.code) ? target.code : [];
  const i = code.findIndex((c) => get(c, "engine") === "Rego");
  const source = i >= 0 ? get(code[i], "source") : target;
  const base: JsonPath = i >= 0 ? [...at, "code", i, "source"] : at;
  const engines = code.map((c) => str(get(c, "engine"))).filter((e) => e !== "");
  const main = get(source, "rego");
  if (typeof main !== "string") return { engines };
  const libs = get(source, "libs") ?? [];
  if (!Array.isArray(libs) || libs.some((l) => typeof l !== "string"))
    return { engines, badLibs: [...base, "libs"] };
  return {
    engines,
    rego: {
      main: { text: main, at: [...base, "rego"] },
      libs: libs.map((text: string, j) => ({ text, at: [...base, "libs", j] })),
      // Gatekeeper reads Rego v0 unless a `code` source asks for v1.
      v1: i >= 0 && get(source, "version") === "v1",
    },
  };
}

function readTemplate(p: Placed, errors: GatekeeperProblem[]): Template | undefined {
  const fail = (path: JsonPath, message: string) => {
    errors.push(problemAt(p, path, message));
    return undefined;
  };
  const version = str(p.value.apiVersion).split("/")[1] ?? "";
  const name = str(get(p.value, "metadata", "name"));
  const what = `ConstraintTemplate ${name || "(no name)"}`;
  if (!TEMPLATE_VERSIONS.includes(version))
    return fail(
      ["apiVersion"],
      `${what}: apiVersion must be templates.gatekeeper.sh/v1, v1beta1 or v1alpha1`,
    );
  const kind = str(get(p.value, "spec", "crd", "spec", "names", "kind"));
  if (kind === "")
    return fail(["spec", "crd"], `${what} does not specify spec.crd.spec.names.kind`);
  if (name.toLowerCase() !== kind.toLowerCase())
    return fail(
      ["metadata", "name"],
      `${what}: the name must be the lowercase of its kind ${kind}`,
    );
  const targets = get(p.value, "spec", "targets");
  if (!Array.isArray(targets) || targets.length !== 1 || !isPlainObject(targets[0]))
    return fail(["spec", "targets"], `${what} must declare exactly one target`);
  if (targets[0].target !== GATEKEEPER_TARGET)
    return fail(
      ["spec", "targets", 0, "target"],
      `${what}: target ${JSON.stringify(targets[0].target)} is not ${GATEKEEPER_TARGET}`,
    );
  const cel = celCodeOf(targets[0], ["spec", "targets", 0]);
  if (cel)
    return { ...p, kind, cel: { ...cel, name: kind.toLowerCase(), file: p.file, doc: p.doc } };
  const { rego, engines, badLibs } = regoOf(targets[0], ["spec", "targets", 0]);
  if (badLibs) return fail(badLibs, `${what}: libs must be a list of Rego modules (strings)`);
  if (!rego) {
    if (engines.length > 0)
      return {
        ...p,
        kind,
        skipped: `${what} has no Rego or K8sNativeValidation code (engines: ${engines.join(", ")}); only those are evaluated`,
      };
    return fail(["spec", "targets", 0], `${what}: its target has no rego`);
  }
  if (!PACKAGE.test(rego.main.text)) return fail(rego.main.at, `${what}: its rego has no package`);
  if (!/^violation(?=\s*(\[|contains\b|if\b|\{))/m.test(rego.main.text))
    return fail(rego.main.at, `${what}: its rego is missing the required rule violation`);
  return { ...p, kind, rego };
}

/** The generated module that runs a template's `violation` on each review of a batch. */
function wrapper(main: string): string {
  const pkg = PACKAGE.exec(main)![1];
  return `package portcullis_gatekeeper\n\nresults := [vs | r := input.reviews[_]; vs := [v | v := data.${pkg}.violation[_]] with input as r]\n`;
}

/** Compiles one template; a compile error names the template file and its own line there. */
async function compileTemplate(
  t: Template,
  index: number,
  tools: OpaTools,
): Promise<CompiledModule> {
  const rego = t.rego!;
  const base = `gatekeeper-${index}`;
  const modules = [rego.main, ...rego.libs].map((m, j) => ({
    ...m,
    path: `${base}/${j === 0 ? "template" : `lib-${j}`}.rego`,
  }));
  try {
    return await buildPolicy(
      {
        sources: [...modules, { path: `${base}/wrapper.rego`, text: wrapper(rego.main.text) }],
        entrypoints: [ENTRYPOINT],
        v0: !rego.v1,
      },
      tools,
    );
  } catch (err) {
    if (!(err instanceof PolicyCompileError)) throw err;
    const lineOf = (path: string | undefined, line: number) => {
      const m = modules.find((x) => x.path === path);
      return m && (t.doc.locateInString(m.at, line - 1) ?? t.doc.locate(m.at).lines.start);
    };
    const message = err.message.replace(/(gatekeeper-\d+\/[\w-]+\.rego):(\d+)/g, (all, p, l) => {
      const line = lineOf(p as string, Number(l));
      return line === undefined ? all : `${t.file}:${line}`;
    });
    throw new PolicyCompileError(
      message,
      t.file,
      lineOf(err.file, err.line ?? 1) ?? t.doc.kindLine,
    );
  }
}

/** One compiled template (in wasm, or with the pinned opa: policy-runner.ts). */
class TemplateRunner {
  private readonly runner: PolicyRunner;

  constructor(compiled: CompiledModule, data: Record<string, unknown>) {
    this.runner = new PolicyRunner(compiled, data, ENTRYPOINT);
  }

  /** The `violation` results for each `{review, parameters}` input, in order. */
  run(inputs: readonly unknown[]): unknown[][] {
    const result = this.runner.evaluate({ reviews: inputs });
    if (!Array.isArray(result) || result.length !== inputs.length)
      throw new Error(`the template returned no result for ${inputs.length} reviews`);
    return result.map((r: unknown) => (Array.isArray(r) ? r : [r]));
  }
}

interface Constraint {
  /** `Kind/name`: the rule id of its findings. */
  readonly id: string;
  readonly runner: TemplateRunner;
  readonly match: ConstraintMatch;
  readonly severity: Severity;
  readonly parameters: unknown;
  /** The constraint's file and `kind:` line: every finding links there. */
  readonly source: PolicyLocation;
}

interface Job {
  readonly input: number;
  readonly constraint: Constraint;
  readonly payload: { review: unknown; parameters: unknown };
  readonly bytes: number;
}

/** Evaluates constraints on documents: `input.review` and `input.parameters` as Gatekeeper builds them. */
export class GatekeeperEngine implements PolicyEngine {
  private readonly namespaces: NamespaceVersions;

  constructor(
    private readonly constraints: readonly Constraint[],
    /** The repository's objects: the Namespaces that namespaceSelectors read. */
    inventory: readonly unknown[],
    /** Namespaces as the cluster has them before the change (see NamespaceVersions). */
    previous: readonly unknown[] = [],
  ) {
    this.namespaces = new NamespaceVersions(inventory, previous);
  }

  setSettings(): void {
    // Constraints read their own parameters, not the repository settings.
  }

  evaluate(inputs: readonly PolicyInput[]): PolicyResult[] {
    const findings = inputs.map((): RawFinding[] => []);
    const failed = new Map<number, string>();
    const jobs = new Map<TemplateRunner, Job[]>();
    inputs.forEach((input, i) => {
      // A kustomize patch is not what reaches the cluster; gator judges whole objects.
      if (input.file.partial || !isKubernetesObject(input.document)) return;
      const object = input.document as Record<string, unknown>;
      const facts = objectFacts(object);
      for (const c of this.constraints) {
        const { outcome, namespace } = this.namespaces.matchAny(c.match, facts);
        if (outcome.kind === "no-match") continue;
        if (outcome.kind === "unknown") {
          // Undecidable here, so it fails as the constraint would (deny: error): never a pass.
          findings[i]!.push({
            rule: c.id,
            msg: `not evaluated: ${outcome.reason}`,
            path: [],
            severity: c.severity,
            policy: c.source,
          });
          continue;
        }
        const payload = { review: reviewOf(object, facts, namespace), parameters: c.parameters };
        const list = jobs.get(c.runner) ?? [];
        list.push({ input: i, constraint: c, payload, bytes: JSON.stringify(payload).length });
        jobs.set(c.runner, list);
      }
    });
    for (const [runner, list] of jobs) {
      let batch: Job[] = [];
      let size = 0;
      for (const job of [...list, undefined]) {
        if (batch.length > 0 && (!job || size + job.bytes > MAX_BATCH_BYTES)) {
          this.runBatch(runner, batch, findings, failed);
          batch = [];
          size = 0;
        }
        if (job) {
          batch.push(job);
          size += job.bytes;
        }
      }
    }
    return inputs.map((_, i) =>
      failed.has(i) ? { ok: false, error: failed.get(i)! } : { ok: true, findings: findings[i]! },
    );
  }

  private runBatch(
    runner: TemplateRunner,
    batch: readonly Job[],
    findings: RawFinding[][],
    failed: Map<number, string>,
  ): void {
    let results: unknown[][];
    try {
      results = runner.run(batch.map((j) => j.payload));
    } catch (err) {
      // Retry one by one, so that only the review that breaks the template is lost.
      if (batch.length > 1) {
        for (const job of batch) this.runBatch(runner, [job], findings, failed);
        return;
      }
      failed.set(
        batch[0]!.input,
        `Gatekeeper constraint ${batch[0]!.constraint.id} failed: ${describeThrown(err)}`,
      );
      return;
    }
    batch.forEach((job, k) => {
      for (const v of results[k]!) {
        const o = isPlainObject(v) ? v : {};
        findings[job.input]!.push({
          rule: job.constraint.id,
          msg: typeof o.msg === "string" ? o.msg : JSON.stringify(v),
          path: detailsPath(o.details),
          severity: job.constraint.severity,
          policy: job.constraint.source,
        });
      }
    });
  }
}

/** Reads the documents of every file that mentions Gatekeeper (others are not policies). */
function readDocuments(sources: readonly PolicySource[], errors: GatekeeperProblem[]) {
  const templates: Placed[] = [];
  const constraints: Placed[] = [];
  for (const source of sources) {
    if (!source.text.includes("gatekeeper.sh")) continue;
    const read = readAdmissionFile(source, "Gatekeeper");
    errors.push(...read.problems);
    for (const { doc, value } of read.documents) {
      const apiVersion = str(value.apiVersion);
      const placed = { file: source.path, doc, value };
      if (value.kind === "ConstraintTemplate" && apiVersion.startsWith("templates.gatekeeper.sh/"))
        templates.push(placed);
      else if (apiVersion.startsWith("constraints.gatekeeper.sh/")) constraints.push(placed);
    }
  }
  return { templates, constraints };
}

/**
 * Reads ConstraintTemplates and Constraints from `sources` (any files: only Gatekeeper documents are
 * taken), compiles the templates and returns an engine for the constraints. `inventory` is the
 * repository's objects: `data.inventory`, and the Namespaces namespaceSelectors are resolved against.
 * `tools` is resolved only when there is Rego to compile.
 */
export async function loadGatekeeper(
  sources: readonly PolicySource[],
  inventory: readonly unknown[],
  tools: OpaTools | (() => OpaTools),
  /** The cluster's current versions of Namespaces the change edits (see GatekeeperEngine). */
  previousNamespaces: readonly unknown[] = [],
): Promise<GatekeeperLoad> {
  const errors: GatekeeperProblem[] = [];
  const notEvaluated: GatekeeperProblem[] = [];
  const docs = readDocuments(sources, errors);
  const templates = readTemplates(docs.templates, errors, notEvaluated);
  const runners = await compileTemplates([...templates.values()], tools, inventory, errors);
  const { constraints, cel } = readConstraints(
    docs.constraints,
    templates,
    runners,
    errors,
    notEvaluated,
  );
  return {
    engine:
      constraints.length > 0
        ? new GatekeeperEngine(constraints, inventory, previousNamespaces)
        : undefined,
    errors,
    notEvaluated,
    constraints: [...constraints, ...cel.constraints].map((c) => c.id),
    cel: cel.constraints.length > 0 ? cel : undefined,
  };
}

/** The templates by lower-case kind; a kind defined twice is an error at the second. */
function readTemplates(
  placed: readonly Placed[],
  errors: GatekeeperProblem[],
  notEvaluated: GatekeeperProblem[],
): Map<string, Template> {
  const templates = new Map<string, Template>();
  for (const p of placed) {
    const t = readTemplate(p, errors);
    if (!t) continue;
    const first = templates.get(t.kind.toLowerCase());
    if (first) {
      errors.push(
        problemAt(
          t,
          ["spec", "crd"],
          `ConstraintTemplate kind ${t.kind} is also defined at ${first.file}:${first.doc.kindLine}`,
        ),
      );
      continue;
    }
    templates.set(t.kind.toLowerCase(), t);
    if (t.skipped) notEvaluated.push({ file: t.file, line: t.doc.kindLine, message: t.skipped });
  }

  return templates;
}

/**
 * Compiles the templates written in Rego, a few at a time; the OPA tools are resolved only when
 * there is one. A template that does not compile is an error at its line (or the module's).
 */
async function compileTemplates(
  all: readonly Template[],
  tools: OpaTools | (() => OpaTools),
  inventory: readonly unknown[],
  errors: GatekeeperProblem[],
): Promise<Map<Template, TemplateRunner>> {
  const compilable = all.filter((t) => t.rego);
  const runners = new Map<Template, TemplateRunner>();
  if (compilable.length > 0) {
    let resolved: OpaTools | undefined;
    try {
      resolved = typeof tools === "function" ? tools() : tools;
    } catch (err) {
      const t = compilable[0]!;
      errors.push({
        file: t.file,
        line: t.doc.kindLine,
        message: `Gatekeeper templates could not be compiled: ${describeThrown(err)}`,
      });
    }
    if (resolved) {
      const built = await inPool(compilable, COMPILE_CONCURRENCY, (t, i) =>
        compileTemplate(t, i, resolved).then(
          (compiled) => ({ compiled }),
          (err: unknown) => ({ err }),
        ),
      );
      built.forEach((b, i) => {
        const t = compilable[i]!;
        if ("compiled" in b) {
          const text = [t.rego!.main, ...t.rego!.libs].map((m) => m.text).join("\n");
          // Only a template that reads the inventory gets a copy of it.
          const data = text.includes("inventory") ? { inventory: buildInventory(inventory) } : {};
          runners.set(t, new TemplateRunner(b.compiled, data));
          return;
        }
        const at = b.err instanceof PolicyCompileError ? b.err : undefined;
        errors.push({
          file: at?.file ?? t.file,
          line: at?.line ?? t.doc.kindLine,
          message: `ConstraintTemplate ${t.kind} could not be compiled: ${describeThrown(b.err)}`,
        });
      });
    }
  }

  return runners;
}

/**
 * The constraints that run: each checked against its template (known, once, a valid spec and
 * enforcement), the Rego ones with their compiled runner, the CEL ones apart for the CEL engine.
 */
function readConstraints(
  placed: readonly Placed[],
  templates: ReadonlyMap<string, Template>,
  runners: ReadonlyMap<Template, TemplateRunner>,
  errors: GatekeeperProblem[],
  notEvaluated: GatekeeperProblem[],
): {
  constraints: Constraint[];
  cel: { templates: CelTemplate[]; constraints: CelConstraint[] };
} {
  const constraints: Constraint[] = [];
  const cel: { templates: CelTemplate[]; constraints: CelConstraint[] } = {
    templates: [...templates.values()].flatMap((t) => (t.cel ? [t.cel] : [])),
    constraints: [],
  };
  const seen = new Set<string>();
  for (const c of placed) {
    const kind = str(c.value.kind);
    const name = str(get(c.value, "metadata", "name"));
    const id = `${kind}/${name}`;
    const fail = (path: JsonPath, message: string) =>
      errors.push(problemAt(c, path, `Constraint ${id}: ${message}`));
    if (name === "") {
      fail(["metadata"], "has no metadata.name");
      continue;
    }
    const template = templates.get(kind.toLowerCase());
    if (!template) {
      const known = [...templates.values()].map((t) => t.kind).sort();
      fail(
        ["kind"],
        `no ConstraintTemplate defines kind ${kind} (known: ${known.join(", ") || "none"})`,
      );
      continue;
    }
    if (seen.has(id)) {
      fail(["metadata", "name"], "is defined twice");
      continue;
    }
    seen.add(id);
    const { spec, match, enforcement, problems } = readConstraintSpec(c.value);
    for (const p of problems) fail(p.path, p.message);
    if (problems.length > 0) continue;
    if (template.skipped || "notEnforced" in enforcement) {
      const why =
        "notEnforced" in enforcement
          ? enforcement.notEnforced
          : `its template ${template.kind} is not evaluated`;
      notEvaluated.push({
        file: c.file,
        line: c.doc.kindLine,
        message: `Constraint ${id}: ${why}`,
      });
      continue;
    }
    if (!("action" in enforcement)) continue;
    const common = {
      id,
      match,
      severity: ENFORCEMENT_SEVERITY[enforcement.action],
      source: { file: c.file, line: c.doc.kindLine },
    };
    if (template.cel) {
      cel.constraints.push({ ...common, template: template.cel.name, constraint: c.value });
      continue;
    }
    const runner = runners.get(template);
    if (!runner) continue; // the template's own error is reported
    constraints.push({ ...common, runner, parameters: spec.parameters ?? {} });
  }
  return { constraints, cel };
}

/** A constraint's spec: its match, enforcement and parameters, and what is wrong with them. */
function readConstraintSpec(value: Record<string, unknown>) {
  const spec = isPlainObject(value.spec) ? value.spec : {};
  const { match, problems } = parseMatch(spec.match);
  const enforcement = enforcementOf(spec);
  if ("problem" in enforcement) problems.push(enforcement.problem);
  if (spec.parameters !== undefined && spec.parameters !== null && !isPlainObject(spec.parameters))
    problems.push({ path: ["spec", "parameters"], message: "spec.parameters must be a mapping" });
  return { spec, match, enforcement, problems };
}
