// ValidatingAdmissionPolicies evaluated as the apiserver evaluates them at CREATE: matching,
// params, matchConditions, variables, validations, messages and failurePolicy all run in
// Kubernetes' own code (tools/cel, through the shared CEL session); this file turns its answers
// into findings on lines.
import { isKubernetesObject, type RawFinding } from "../../core/findings.js";
import { isPlainObject } from "../../core/plain-data.js";
import type { PolicyLocation, Severity, SkippedFile } from "../../core/types.js";
import type { PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import type { PolicySource } from "../../ports/policy-compiler.js";
import { CEL_MISSING, CelSession, celPath } from "../cel/cel-session.js";
import { get, servedKinds, str } from "../cel/kinds.js";
import type { Engine, Problem } from "../engine.js";
import { lineIn, readVapDocuments, type VapDocument, type VapDocuments } from "./documents.js";

const ID = "vap";
const SEVERITY: Readonly<Record<string, Severity>> = {
  Deny: "error",
  Warn: "warning",
  Audit: "notice",
};

export interface VapLoad {
  readonly engine?: Engine;
  readonly problems: readonly Problem[];
  readonly notEvaluated: readonly SkippedFile[];
  /** The policies in force (rule ids `policy/binding`). */
  readonly bindings: readonly string[];
}

/** One failed validation as tools/cel reports it. */
interface CelResult {
  readonly policy: string;
  readonly binding: string;
  readonly action: string;
  readonly text: string;
}

interface CelUnknown {
  readonly policy: string;
  readonly binding?: string;
  readonly reason: string;
}

/** What the policies read from the repository: params of their paramKinds, Namespaces, CRDs. */
function repositoryFacts(policies: readonly VapDocument[], inventory: readonly unknown[]) {
  const paramKinds = new Set(
    policies.map((p) => {
      const pk = get(p.value, "spec", "paramKind");
      return pk ? `${str(get(pk, "apiVersion"))} ${str(get(pk, "kind"))}` : "";
    }),
  );
  const params: unknown[] = [];
  const namespaces: unknown[] = [];
  for (const o of inventory) {
    if (!isPlainObject(o)) continue;
    const apiVersion = str(o.apiVersion);
    if (paramKinds.has(`${apiVersion} ${str(o.kind)}`)) params.push(o);
    if (apiVersion === "v1" && o.kind === "Namespace") namespaces.push(o);
  }
  return { params, namespaces, kinds: servedKinds(inventory) };
}

/** Bindings without their policy and policies without a binding do nothing: said, not run. */
function unbound(docs: VapDocuments): SkippedFile[] {
  const policies = new Set(docs.policies.map((p) => p.name));
  const bound = new Set(docs.bindings.map((b) => str(get(b.value, "spec", "policyName"))));
  const out: SkippedFile[] = [];
  for (const b of docs.bindings) {
    const name = str(get(b.value, "spec", "policyName"));
    if (!policies.has(name))
      out.push({
        file: b.file,
        line: b.doc.kindLine,
        reason: `ValidatingAdmissionPolicyBinding ${b.name}: its policy ${name || "(none)"} is not in the admission policy folders`,
      });
  }
  for (const p of docs.policies)
    if (!bound.has(p.name))
      out.push({
        file: p.file,
        line: p.doc.kindLine,
        reason: `ValidatingAdmissionPolicy ${p.name} has no binding in the admission policy folders: it applies to nothing`,
      });
  return out;
}

/** The most severe action a binding (or any binding of a policy) takes. */
function severityOf(docs: VapDocuments, policy: string, binding: string | undefined): Severity {
  const actions = docs.bindings
    .filter(
      (b) =>
        str(get(b.value, "spec", "policyName")) === policy &&
        (binding === undefined || b.name === binding),
    )
    .flatMap((b) => {
      const a = get(b.value, "spec", "validationActions");
      return Array.isArray(a) ? a.map(str) : [];
    });
  for (const a of ["Deny", "Warn", "Audit"]) if (actions.includes(a)) return SEVERITY[a]!;
  return "error";
}

/**
 * The results of one binding that the apiserver words alike (Warn's warning and Audit's audit
 * annotation carry the same text; Deny's is its own): one finding each, with its actions, the
 * strongest first. The findings of a document are told apart by their text, so two of the same
 * text would leave one of them, whichever came first.
 */
function byText(results: readonly CelResult[]): { result: CelResult; actions: string[] }[] {
  const out = new Map<string, { result: CelResult; actions: string[] }>();
  for (const r of results) {
    const key = JSON.stringify([r.policy, r.binding, r.text]);
    const entry = out.get(key) ?? { result: r, actions: [] };
    if (!entry.actions.includes(r.action)) entry.actions.push(r.action);
    out.set(key, entry);
  }
  const rank = (a: string) => (a in SEVERITY ? Object.keys(SEVERITY).indexOf(a) : -1);
  for (const e of out.values()) e.actions.sort((a, b) => rank(a) - rank(b));
  return [...out.values()];
}

class VapEngine implements Engine {
  readonly id = ID;
  private readonly policyAt = new Map<string, PolicyLocation>();

  /** Namespaces as they are before the change, by name (the base's versions of those it edits). */
  private readonly previous = new Map<string, unknown>();

  constructor(
    private readonly session: CelSession,
    private readonly docs: VapDocuments,
    previous: readonly unknown[],
  ) {
    for (const p of docs.policies) this.policyAt.set(p.name, lineIn(p, ["kind"]));
    for (const n of previous) this.previous.set(str(get(n, "metadata", "name")), n);
  }

  /**
   * The answer for an object; when the change edits its Namespace, the answer under the version
   * before the change too, so that relabelling a Namespace cannot slip out of a selector.
   */
  private async ask(object: unknown): Promise<Record<string, unknown>> {
    const answer = await this.session.request({ op: "vap", object });
    const before = this.previous.get(str(get(object, "metadata", "namespace")));
    if (before === undefined || typeof answer.error === "string") return answer;
    const again = await this.session.request({ op: "vap", object, namespace: before });
    if (typeof again.error === "string") return again;
    const union = (key: string) => {
      const all = [...((answer[key] ?? []) as unknown[]), ...((again[key] ?? []) as unknown[])];
      return [...new Map(all.map((x) => [JSON.stringify(x), x])).values()];
    };
    return { results: union("results"), unknown: union("unknown") };
  }

  async evaluate(inputs: readonly PolicyInput[]): Promise<PolicyResult[]> {
    return Promise.all(inputs.map((input) => this.one(input)));
  }

  private async one(input: PolicyInput): Promise<PolicyResult> {
    // A kustomize patch is not what reaches the apiserver; the policies judge whole objects.
    if (input.file.partial || !isKubernetesObject(input.document))
      return { ok: true, findings: [] };
    let answer: Record<string, unknown>;
    try {
      answer = await this.ask(input.document);
    } catch (err) {
      return { ok: false, error: `ValidatingAdmissionPolicies: ${(err as Error).message}` };
    }
    if (typeof answer.error === "string")
      return { ok: false, error: `ValidatingAdmissionPolicies: ${answer.error}` };
    const findings: RawFinding[] = [];
    for (const { result: r, actions } of byText((answer.results ?? []) as CelResult[]))
      findings.push({
        rule: r.binding ? `${r.policy}/${r.binding}` : r.policy,
        msg: actions.length > 1 ? `${r.text} (validationActions ${actions.join(" and ")})` : r.text,
        // A validation names no field (it judges the whole object): the resource's kind line.
        path: [],
        severity: SEVERITY[actions[0]!] ?? "error",
        policy: this.policyAt.get(r.policy),
      });
    // Undecidable here, so it fails as the binding would act: never a silent pass.
    for (const u of (answer.unknown ?? []) as CelUnknown[])
      findings.push({
        rule: u.binding ? `${u.policy}/${u.binding}` : u.policy,
        msg: `not evaluated: ValidatingAdmissionPolicy '${u.policy}'${u.binding ? ` with binding '${u.binding}'` : ""}: ${u.reason}`,
        path: [],
        severity: severityOf(this.docs, u.policy, u.binding),
        policy: this.policyAt.get(u.policy),
      });
    return { ok: true, findings };
  }
}

/** Problems tools/cel found in a policy (an expression that does not compile), on their lines. */
function placeProblems(docs: VapDocuments, answer: Record<string, unknown>): Problem[] {
  const problems = Array.isArray(answer.problems) ? answer.problems : [];
  return problems.map((p: { kind?: string; name?: string; path?: string[]; message?: string }) => {
    const doc = docs.policies.find((d) => d.name === p.name) ?? docs.policies[0]!;
    const path = (p.path ?? []).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    return {
      ...lineIn(doc, path),
      // CEL's first line (the caret drawing after it needs the expression beside it).
      message: `${p.kind ?? "ValidatingAdmissionPolicy"} ${p.name ?? ""}: ${(p.message ?? "invalid").split("\n")[0]}`,
    };
  });
}

/**
 * Reads the policies and bindings of `sources`, and readies the CEL engine for them. `inventory`
 * is the repository's objects: params, Namespaces (namespaceSelector, namespaceObject) and
 * CustomResourceDefinitions (where a custom kind is served).
 */
export async function loadVap(
  sources: readonly PolicySource[],
  inventory: readonly unknown[],
  env: NodeJS.ProcessEnv,
  /** The base's versions of the Namespaces the change edits (either version selects). */
  previousNamespaces: readonly unknown[] = [],
): Promise<VapLoad> {
  const docs = readVapDocuments(sources);
  const problems: Problem[] = [...docs.problems];
  const notEvaluated = unbound(docs);
  const live = docs.bindings.filter((b) =>
    docs.policies.some((p) => p.name === str(get(b.value, "spec", "policyName"))),
  );
  if (live.length === 0) return { problems, notEvaluated, bindings: [] };
  const binary = celPath(env);
  if (!binary) {
    problems.push({ ...lineIn(docs.policies[0]!, ["kind"]), message: CEL_MISSING });
    return { problems, notEvaluated, bindings: [] };
  }
  const session = new CelSession(binary, {
    policies: docs.policies.map((p) => p.value),
    bindings: docs.bindings.map((b) => b.value),
    ...repositoryFacts(docs.policies, inventory),
  });
  try {
    problems.push(...placeProblems(docs, await session.load()));
  } catch (err) {
    problems.push({ ...lineIn(docs.policies[0]!, ["kind"]), message: (err as Error).message });
    return { problems, notEvaluated, bindings: [] };
  }
  return {
    engine: new VapEngine(session, docs, previousNamespaces),
    problems,
    notEvaluated,
    bindings: live.map((b) => `${str(get(b.value, "spec", "policyName"))}/${b.name}`),
  };
}
