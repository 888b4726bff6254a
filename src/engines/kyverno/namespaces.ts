// Namespace labels for namespaceSelectors. Offline, Kyverno knows a namespace's labels only from
// the Namespace objects it is given (a values file, `namespaceSelector`): the repository's own
// Namespaces are given. A resource in a namespace the repository does not define cannot be
// decided: for each policy that selects namespaces by label, a copy without the selector and with
// a failing marker lets Kyverno say which rules match such a resource, each reported "not evaluated".
import { isPlainObject } from "../../core/plain-data.js";
import { NOT_EVALUATED_MARK, type KyvernoPolicy } from "./policies.js";

/** The suffix of a marker copy's name: results of the copy map back to the policy. */
export const UNKNOWN_NAMESPACE_SUFFIX = ".portcullis-unknown-namespace";
const MARKER = `${NOT_EVALUATED_MARK} unknown-namespace`;

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/** name -> labels of the Namespace objects among `objects`. */
export function namespaceLabels(objects: readonly unknown[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const o of objects) {
    if (!isPlainObject(o) || o.kind !== "Namespace" || str(o.apiVersion) !== "v1") continue;
    const m = isPlainObject(o.metadata) ? o.metadata : {};
    if (str(m.name) === "") continue;
    out.set(str(m.name), isPlainObject(m.labels) ? m.labels : {});
  }
  return out;
}

/** Kyverno CLI's values file giving the labels of every known namespace. */
export function valuesFile(labels: ReadonlyMap<string, Record<string, unknown>>): string {
  return JSON.stringify({
    apiVersion: "cli.kyverno.io/v1alpha1",
    kind: "Value",
    metadata: { name: "portcullis-namespaces" },
    namespaceSelector: [...labels].map(([name, l]) => ({ name, labels: l })),
  });
}

/** `value` without any `namespaceSelector` key (deeply), and whether it had one. */
function withoutSelector(value: unknown): { value: unknown; had: boolean } {
  if (Array.isArray(value)) {
    const items = value.map(withoutSelector);
    return { value: items.map((i) => i.value), had: items.some((i) => i.had) };
  }
  if (!isPlainObject(value)) return { value, had: false };
  let had = "namespaceSelector" in value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "namespaceSelector") continue;
    const inner = withoutSelector(v);
    had ||= inner.had;
    out[k] = inner.value;
  }
  return { value: out, had };
}

function copyOfRule(rule: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(rule)) return undefined;
  const match = withoutSelector(rule.match);
  const exclude = withoutSelector(rule.exclude);
  if (!match.had && !exclude.had) return undefined;
  return {
    name: rule.name,
    match: match.value,
    ...(rule.exclude !== undefined ? { exclude: exclude.value } : {}),
    validate: { failureAction: "Enforce", message: MARKER, deny: {} },
  };
}

/** The marker copy of a policy that selects namespaces by label; undefined when it does not. */
export function unknownNamespaceCopy(policy: KyvernoPolicy): Record<string, unknown> | undefined {
  const doc = policy.document;
  const spec = isPlainObject(doc.spec) ? doc.spec : {};
  const metadata = isPlainObject(doc.metadata) ? doc.metadata : {};
  const named = { ...metadata, name: `${policy.name}${UNKNOWN_NAMESPACE_SUFFIX}` };
  if (Array.isArray(spec.rules)) {
    const rules = spec.rules.map(copyOfRule).filter((r) => r !== undefined);
    if (rules.length === 0) return undefined;
    return { ...doc, metadata: named, spec: { ...spec, rules } };
  }
  const constraints = withoutSelector(spec.matchConstraints);
  if (!constraints.had) return undefined;
  const validations = [{ expression: "false", message: MARKER }];
  return {
    ...doc,
    metadata: named,
    spec: { ...spec, matchConstraints: constraints.value, validations },
  };
}
