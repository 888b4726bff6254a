// Namespace labels for namespaceSelectors. Offline, Kyverno knows a namespace's labels only from
// the Namespace objects it is given (a values file, `namespaceSelector`): the repository's own
// Namespaces are given. A resource in a namespace the repository does not define cannot be
// decided: for each policy that selects namespaces by label, a copy without the selector and with
// a failing marker lets Kyverno say which rules match such a resource, each reported "not evaluated".
import { isPlainObject } from "../../core/plain-data.js";
import { NOT_EVALUATED_MARK, type KyvernoPolicy } from "./policies.js";

/** The suffix of a marker copy's name: results of the copy map back to the policy. */
export const UNKNOWN_NAMESPACE_SUFFIX = ".portcullis-unknown-namespace";
/** ...and of the copy judging resources that write no namespace (it is set where they deploy). */
export const NO_NAMESPACE_SUFFIX = ".portcullis-no-namespace";
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

/** `value` without any of `keys` (deeply), and whether it had one. */
function withoutKeys(value: unknown, keys: readonly string[]): { value: unknown; had: boolean } {
  if (Array.isArray(value)) {
    const items = value.map((v) => withoutKeys(v, keys));
    return { value: items.map((i) => i.value), had: items.some((i) => i.had) };
  }
  if (!isPlainObject(value)) return { value, had: false };
  let had = keys.some((k) => k in value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (keys.includes(k)) continue;
    const inner = withoutKeys(v, keys);
    had ||= inner.had;
    out[k] = inner.value;
  }
  return { value: out, had };
}

/**
 * An exclude block without the filters that pick namespaces: whether they would exclude is
 * unknown, so they do not (dropping only the key would exclude every namespace).
 */
function excludeWithout(exclude: unknown, keys: readonly string[]): unknown {
  const picks = (v: unknown) => withoutKeys(v, keys).had;
  if (!isPlainObject(exclude) || !picks(exclude)) return exclude;
  const out: Record<string, unknown> = {};
  if (Array.isArray(exclude.any)) {
    const any = exclude.any.filter((f) => !picks(f));
    if (any.length > 0) out.any = any;
  }
  if (Array.isArray(exclude.all) && !exclude.all.some(picks)) out.all = exclude.all;
  if (isPlainObject(exclude.resources) && !picks(exclude)) out.resources = exclude.resources;
  return Object.keys(out).length > 0 ? out : undefined;
}

function copyOfRule(
  rule: unknown,
  keys: readonly string[],
  always = false,
): Record<string, unknown> | undefined {
  if (!isPlainObject(rule)) return undefined;
  const match = withoutKeys(rule.match, keys);
  const excluded = withoutKeys(rule.exclude, keys).had;
  if (!match.had && !excluded && !always) return undefined;
  const exclude = excludeWithout(rule.exclude, keys);
  return {
    name: rule.name,
    match: match.value,
    ...(exclude !== undefined ? { exclude } : {}),
    validate: { failureAction: "Enforce", message: MARKER, deny: {} },
  };
}

/** What a marker copy leaves out: the label selectors, or (no namespace written) every pick. */
export const COPIES = {
  [UNKNOWN_NAMESPACE_SUFFIX]: ["namespaceSelector"],
  [NO_NAMESPACE_SUFFIX]: ["namespaceSelector", "namespaces"],
} as const;

/** The marker copy of a policy that selects namespaces by label; undefined when it does not. */
export function unknownNamespaceCopy(
  policy: KyvernoPolicy,
  suffix: keyof typeof COPIES = UNKNOWN_NAMESPACE_SUFFIX,
): Record<string, unknown> | undefined {
  const keys = COPIES[suffix];
  const doc = policy.document;
  const spec = isPlainObject(doc.spec) ? doc.spec : {};
  const metadata = isPlainObject(doc.metadata) ? doc.metadata : {};
  const named = { ...metadata, name: `${policy.name}${suffix}` };
  if (Array.isArray(spec.rules)) {
    const rules = spec.rules.map((r) => copyOfRule(r, keys)).filter((r) => r !== undefined);
    if (rules.length === 0) return undefined;
    return { ...doc, metadata: named, spec: { ...spec, rules } };
  }
  const constraints = withoutKeys(spec.matchConstraints, keys);
  if (!constraints.had) return undefined;
  const validations = [{ expression: "false", message: MARKER }];
  return {
    ...doc,
    metadata: named,
    spec: { ...spec, matchConstraints: constraints.value, validations },
  };
}

/**
 * The cluster-wide kind of a namespaced policy kind (Kyverno's CLI already applies a
 * NamespacedValidatingPolicy to a resource that writes no namespace).
 */
const CLUSTER_KIND: Readonly<Record<string, string>> = { Policy: "ClusterPolicy" };

/**
 * The marker copy judging the resources that write no namespace (Kyverno judges them in
 * `default`). A policy namespaced elsewhere applies only in its namespace, where such a resource
 * may be deployed: its copy is cluster-wide, every rule a marker, named
 * `<namespace>.<name><suffix>` (`originals` maps that name back to the policy's).
 */
export function noNamespaceCopy(
  policy: KyvernoPolicy,
  originals: Map<string, string>,
): Record<string, unknown> | undefined {
  const doc = policy.document;
  const kind = CLUSTER_KIND[str(doc.kind)];
  if (!policy.namespace || policy.namespace === "default" || !kind)
    return unknownNamespaceCopy(policy, NO_NAMESPACE_SUFFIX);
  const keys = COPIES[NO_NAMESPACE_SUFFIX];
  const spec = isPlainObject(doc.spec) ? doc.spec : {};
  const name = `${policy.namespace}.${policy.name}`;
  originals.set(name, `${policy.namespace}/${policy.name}`);
  const metadata = { name: `${name}${NO_NAMESPACE_SUFFIX}` };
  const rules = (Array.isArray(spec.rules) ? spec.rules : [])
    .map((r) => copyOfRule(r, keys, true))
    .filter((r) => r !== undefined);
  return { ...doc, kind, metadata, spec: { ...spec, rules } };
}
