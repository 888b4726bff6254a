// Reads Kyverno's documents out of the repository's admission folders: ClusterPolicy and Policy
// (kyverno.io), ValidatingPolicy and NamespacedValidatingPolicy (policies.kyverno.io), and
// PolicyExceptions. Anything else in those folders (Gatekeeper, ValidatingAdmissionPolicy...) is
// left to its own engine. Nothing here evaluates: Kyverno's own CLI does (run.ts).
import type { JsonPath, PolicyLocation, Severity } from "../../core/types.js";
import { isPlainObject } from "../../core/plain-data.js";
import type { PolicySource } from "../../ports/policy-compiler.js";
import type { ParsedDocument } from "../../yaml/types.js";
import { readAdmissionFile } from "../admission-file.js";
import type { Problem } from "../engine.js";
import { atUpdate } from "./operations.js";
import { exceptionWithoutUser, userInfoNeed, withoutUserInfo } from "./user-info.js";

/** A rule that needs the cluster (or a registry) to decide: Kyverno offline would crash or guess. */
export const CLUSTER_CONTEXT: Readonly<Record<string, string>> = {
  apiCall: "an API call to the cluster (context apiCall)",
  imageRegistry: "an image registry (context imageRegistry)",
  globalReference: "a global context entry (context globalReference)",
  configMap: "a ConfigMap read from the cluster (context configMap)",
};

/** The marker message a rule replaced because it needs the cluster is reported with. */
export const NOT_EVALUATED_MARK = "portcullis-not-evaluated:";

/** One validation rule as the repository wrote it: its line and what a failure weighs. */
export interface RuleInfo {
  readonly line: number;
  readonly severity: Severity;
  /** Set when the rule needs the cluster: replaced by a marker, each match is "not evaluated". */
  readonly needs?: string;
  /** Its failure-action overrides (the rule's, else the policy's), in order: the first match decides. */
  readonly overrides?: readonly FailureOverride[];
}

/** One `failureActionOverrides` entry: its action for namespaces listed or selected by label. */
export interface FailureOverride {
  readonly severity: Severity;
  readonly namespaces: readonly string[];
  readonly selector: boolean;
}

function overridesOf(list: unknown): FailureOverride[] {
  return (Array.isArray(list) ? list : []).filter(isPlainObject).map((o) => ({
    severity: severityOfAction(o.action),
    namespaces: Array.isArray(o.namespaces) ? o.namespaces.map(str) : [],
    selector: o.namespaceSelector !== undefined && o.namespaceSelector !== null,
  }));
}

/** Kyverno's wildcards: `*` any run, `?` one character. */
function wildcard(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/**
 * What a failure of `rule` weighs for a resource in `namespace` ("" cluster-scoped), as Kyverno's
 * admission picks the action: the first override that matches (one for every namespace, the
 * namespace listed, its labels selected). The labels are not known here: a selector's Enforce
 * counts (fail closed), a selector's Audit does not lower the weight.
 */
export function severityIn(rule: RuleInfo, namespace: string): Severity {
  let maybeEnforce = false;
  let decided: Severity | undefined;
  for (const o of rule.overrides ?? []) {
    const global = o.namespaces.length === 0 && !o.selector;
    if (global || (namespace !== "" && o.namespaces.some((n) => wildcard(n).test(namespace)))) {
      decided = o.severity;
      break;
    }
    if (namespace !== "" && o.selector && o.severity === "error") maybeEnforce = true;
  }
  return maybeEnforce ? "error" : (decided ?? rule.severity);
}

export interface KyvernoPolicy {
  readonly name: string;
  readonly namespace?: string;
  readonly source: PolicyLocation;
  /** Rules by name (ValidatingPolicy validations by index). */
  readonly rules: ReadonlyMap<string, RuleInfo>;
  /** The document handed to Kyverno (cluster-context rules replaced by markers). */
  readonly document: Record<string, unknown>;
}

/** The name Kyverno reports a policy by (`<namespace>/<name>` for a namespaced one): its rule ids' prefix. */
export function reportedName(policy: Pick<KyvernoPolicy, "name" | "namespace">): string {
  return policy.namespace ? `${policy.namespace}/${policy.name}` : policy.name;
}

/**
 * The policies by the name Kyverno reports; a bare name too where only one policy has it. Two
 * namespaced policies may share a name: each result must find its own (severity, rules, link).
 */
export function policyIndex(policies: readonly KyvernoPolicy[]): Map<string, KyvernoPolicy> {
  const index = new Map(policies.map((p) => [reportedName(p), p]));
  const byName = new Map<string, KyvernoPolicy[]>();
  for (const p of policies) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  for (const [name, list] of byName)
    if (list.length === 1 && !index.has(name)) index.set(name, list[0]!);
  return index;
}

export interface KyvernoDocuments {
  readonly policies: readonly KyvernoPolicy[];
  readonly exceptions: readonly Record<string, unknown>[];
  /** The exceptions that name the user making the request (user-info.ts). */
  readonly userExceptions: readonly string[];
  /** Files holding at least one Kyverno document. */
  readonly files: readonly string[];
  readonly problems: readonly Problem[];
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

function kindOf(value: Record<string, unknown>): "policy" | "vpol" | "exception" | undefined {
  const [group] = str(value.apiVersion).split("/");
  const kind = str(value.kind);
  if (group === "kyverno.io" && (kind === "ClusterPolicy" || kind === "Policy")) return "policy";
  if (group === "kyverno.io" && kind === "PolicyException") return "exception";
  if (group !== "policies.kyverno.io") return undefined;
  if (kind === "ValidatingPolicy" || kind === "NamespacedValidatingPolicy") return "vpol";
  if (kind === "PolicyException") return "exception";
  return undefined;
}

/** Enforce is an error, Audit a warning (Kyverno's default is Audit); case as Kyverno reads it. */
export function severityOfAction(action: unknown, fallback: Severity = "warning"): Severity {
  const a = str(action).toLowerCase();
  return a === "enforce" ? "error" : a === "audit" ? "warning" : fallback;
}

function clusterNeed(rule: Record<string, unknown>): string | undefined {
  if (rule.verifyImages !== undefined) return "image signatures from a registry (verifyImages)";
  const context = Array.isArray(rule.context) ? rule.context : [];
  for (const entry of context) {
    if (!isPlainObject(entry)) continue;
    for (const key of Object.keys(CLUSTER_CONTEXT)) if (key in entry) return CLUSTER_CONTEXT[key];
  }
  return undefined;
}

/**
 * A rule that needs the cluster becomes one that always fails with a marker: Kyverno still decides
 * which resources it matches (match/exclude), and each match is reported "not evaluated".
 */
function markerRule(rule: Record<string, unknown>, need: string): Record<string, unknown> {
  const { name, match, exclude } = rule;
  return {
    name,
    match,
    ...(exclude !== undefined ? { exclude } : {}),
    validate: {
      failureAction: "Enforce",
      message: `${NOT_EVALUATED_MARK} needs ${need}`,
      deny: {},
    },
  };
}

function readPolicy(doc: ParsedDocument, value: Record<string, unknown>) {
  const spec = isPlainObject(value.spec) ? value.spec : {};
  const fallback = severityOfAction(spec.validationFailureAction ?? spec.failureAction);
  const policyOverrides = overridesOf(spec.validationFailureActionOverrides);
  const rules = new Map<string, RuleInfo>();
  const list = Array.isArray(spec.rules) ? spec.rules : [];
  const out = list.map((written: unknown, i: number) => {
    if (!isPlainObject(written)) return written;
    const rule = atUpdate(written);
    const validate = isPlainObject(rule.validate) ? rule.validate : {};
    const severity = severityOfAction(validate.failureAction, fallback);
    // A rule naming the user is valid only out of background mode (else Kyverno refuses it).
    const userNeed = spec.background === false ? userInfoNeed(rule) : undefined;
    const need = clusterNeed(rule) ?? userNeed;
    const line = doc.locate(["spec", "rules", i, "name"]).lines.start;
    const own = overridesOf(validate.failureActionOverrides);
    const overrides = own.length > 0 ? own : policyOverrides;
    rules.set(str(rule.name), { line, severity, overrides, ...(need ? { needs: need } : {}) });
    if (!need) return rule;
    return markerRule(spec.background === false ? withoutUserInfo(rule) : rule, need);
  });
  return { rules, document: { ...value, spec: { ...spec, rules: out } } };
}

function readValidatingPolicy(doc: ParsedDocument, value: Record<string, unknown>) {
  const spec = isPlainObject(value.spec) ? value.spec : {};
  const actions = Array.isArray(spec.validationActions) ? spec.validationActions.map(str) : [];
  // Deny blocks at admission; Warn and Audit only tell.
  const severity: Severity = actions.length === 0 || actions.includes("Deny") ? "error" : "warning";
  const rules = new Map<string, RuleInfo>();
  const validations = Array.isArray(spec.validations) ? spec.validations : [];
  validations.forEach((_: unknown, i: number) => {
    const path: JsonPath = ["spec", "validations", i];
    rules.set(String(i), { line: doc.locate(path).lines.start, severity });
  });
  return { rules, document: value };
}

/** Every Kyverno document of `sources` (files without one are not read further). */
export function readKyvernoDocuments(sources: readonly PolicySource[]): KyvernoDocuments {
  const policies: KyvernoPolicy[] = [];
  const exceptions: Record<string, unknown>[] = [];
  const userExceptions = new Set<string>();
  const files = new Set<string>();
  const problems: Problem[] = [];
  for (const source of sources) {
    if (!source.text.includes("kyverno.io")) continue;
    const read = readAdmissionFile(source, "Kyverno");
    problems.push(...read.problems);
    for (const { doc, value } of read.documents) {
      const kind = kindOf(value);
      if (!kind) continue;
      files.add(source.path);
      if (kind === "exception") {
        const exception = exceptionWithoutUser(value);
        exceptions.push(exception.document);
        const meta = isPlainObject(value.metadata) ? value.metadata : {};
        if (exception.namesUser) userExceptions.add(str(meta.name));
        continue;
      }
      const metadata = isPlainObject(value.metadata) ? value.metadata : {};
      const name = str(metadata.name);
      const source_ = { file: source.path, line: doc.kindLine };
      if (name === "") {
        problems.push({ ...source_, message: "Kyverno policy without metadata.name" });
        continue;
      }
      const namespace = str(metadata.namespace);
      // Kyverno's CLI puts a namespaced policy without a namespace in `default`: the namespace
      // where it is deployed (a kustomization's or a Flux Kustomization's) would pass in silence.
      if (
        namespace === "" &&
        (str(value.kind) === "Policy" || str(value.kind).startsWith("Namespaced"))
      ) {
        problems.push({
          ...source_,
          message: `Kyverno ${str(value.kind)} ${name} has no metadata.namespace: the namespace it judges is set where it is deployed, which a review cannot know; not evaluated`,
        });
        continue;
      }
      const read = kind === "policy" ? readPolicy(doc, value) : readValidatingPolicy(doc, value);
      policies.push({ name, source: source_, ...read, ...(namespace ? { namespace } : {}) });
    }
  }
  return { policies, exceptions, userExceptions: [...userExceptions], files: [...files], problems };
}
