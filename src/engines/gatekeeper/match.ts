// Gatekeeper's constraint semantics as pure functions: which objects a constraint's `match` selects,
// its enforcement action, the review its template reads, and `data.inventory` in Gatekeeper's shape.
import { isPlainObject } from "../../core/plain-data.js";
import type { JsonPath, Severity } from "../../core/types.js";

export type SelectorOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly {
    readonly key: string;
    readonly operator: SelectorOperator;
    readonly values: readonly string[];
  }[];
}

export type MatchScope = "*" | "Cluster" | "Namespaced";

/** A constraint's `spec.match`, validated. Absent criteria select everything. */
export interface ConstraintMatch {
  readonly kinds: readonly {
    readonly apiGroups: readonly string[];
    readonly kinds: readonly string[];
  }[];
  readonly namespaces: readonly string[];
  readonly excludedNamespaces: readonly string[];
  readonly labelSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly scope: MatchScope;
  readonly name?: string;
}

/** Something wrong in a constraint, at a path inside its document. */
export interface SpecProblem {
  readonly path: JsonPath;
  readonly message: string;
}

/** What Gatekeeper needs to know about an object to match it. */
export interface ObjectFacts {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly name: string;
  /** "" for an object that names no namespace (treated as cluster-scoped, as gator does). */
  readonly namespace: string;
  readonly labels: Readonly<Record<string, unknown>>;
  readonly isNamespace: boolean;
}

export type MatchOutcome =
  | { readonly kind: "match" }
  | { readonly kind: "no-match" }
  /** The object may or may not be selected: what decides it is not in the repository. */
  | { readonly kind: "unknown"; readonly reason: string };

const SCOPES: readonly string[] = ["*", "Cluster", "Namespaced"];
const OPERATORS: readonly string[] = ["In", "NotIn", "Exists", "DoesNotExist"];

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function objectFacts(object: Readonly<Record<string, unknown>>): ObjectFacts {
  const apiVersion = text(object.apiVersion);
  const slash = apiVersion.lastIndexOf("/");
  const meta = isPlainObject(object.metadata) ? object.metadata : {};
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const kind = text(object.kind);
  return {
    group,
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind,
    name: text(meta.name),
    namespace: text(meta.namespace),
    labels: isPlainObject(meta.labels) ? meta.labels : {},
    isNamespace: kind === "Namespace" && group === "",
  };
}

/**
 * Gatekeeper's name globs: a leading `*` matches any prefix, a trailing `*` any suffix, both any
 * infix; without a `*` the name must be equal.
 */
export function wildcardMatches(pattern: string, candidate: string): boolean {
  const lead = pattern.startsWith("*");
  const trail = pattern.length > 1 && pattern.endsWith("*");
  const core = pattern.slice(lead ? 1 : 0, trail ? -1 : undefined);
  if (lead && trail) return candidate.includes(core);
  if (lead) return candidate.endsWith(core);
  if (trail) return candidate.startsWith(core);
  return pattern === candidate;
}

/** Kubernetes label-selector semantics: every `matchLabels` pair and every expression must hold. */
export function selectorMatches(
  selector: LabelSelector,
  labels: Readonly<Record<string, unknown>>,
): boolean {
  const has = (key: string) => Object.prototype.hasOwnProperty.call(labels, key);
  const value = (key: string) => (has(key) ? String(labels[key]) : undefined);
  for (const [key, want] of Object.entries(selector.matchLabels))
    if (value(key) !== want) return false;
  for (const e of selector.matchExpressions) {
    const v = value(e.key);
    const ok =
      e.operator === "In"
        ? v !== undefined && e.values.includes(v)
        : e.operator === "NotIn"
          ? v === undefined || !e.values.includes(v)
          : e.operator === "Exists"
            ? v !== undefined
            : v === undefined;
    if (!ok) return false;
  }
  return true;
}

/** Reads `spec.match`, reporting every malformed criterion (Gatekeeper's CRD would refuse them). */
export function parseMatch(value: unknown): { match: ConstraintMatch; problems: SpecProblem[] } {
  const at: JsonPath = ["spec", "match"];
  const problems: SpecProblem[] = [];
  const m = isPlainObject(value) ? value : {};
  if (value !== undefined && value !== null && !isPlainObject(value))
    problems.push({ path: at, message: "spec.match must be a mapping" });
  const strings = (v: unknown, path: JsonPath): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      problems.push({ path, message: `${path.join(".")} must be a list of strings` });
      return [];
    }
    return v as string[];
  };
  const kinds: ConstraintMatch["kinds"][number][] = [];
  if (m.kinds !== undefined && m.kinds !== null) {
    if (!Array.isArray(m.kinds))
      problems.push({ path: [...at, "kinds"], message: "spec.match.kinds must be a list" });
    else
      m.kinds.forEach((k, i) => {
        const entry = isPlainObject(k) ? k : {};
        kinds.push({
          apiGroups: strings(entry.apiGroups, [...at, "kinds", i, "apiGroups"]),
          kinds: strings(entry.kinds, [...at, "kinds", i, "kinds"]),
        });
      });
  }
  const scope = m.scope === undefined || m.scope === null ? "*" : m.scope;
  if (typeof scope !== "string" || !SCOPES.includes(scope))
    problems.push({
      path: [...at, "scope"],
      message: `spec.match.scope must be *, Cluster or Namespaced, found ${JSON.stringify(scope)}`,
    });
  if (m.name !== undefined && typeof m.name !== "string")
    problems.push({ path: [...at, "name"], message: "spec.match.name must be a string" });
  const selector = (key: "labelSelector" | "namespaceSelector") =>
    m[key] === undefined || m[key] === null
      ? undefined
      : parseSelector(m[key], [...at, key], problems);
  return {
    match: {
      kinds,
      namespaces: strings(m.namespaces, [...at, "namespaces"]),
      excludedNamespaces: strings(m.excludedNamespaces, [...at, "excludedNamespaces"]),
      labelSelector: selector("labelSelector"),
      namespaceSelector: selector("namespaceSelector"),
      scope: typeof scope === "string" && SCOPES.includes(scope) ? (scope as MatchScope) : "*",
      name: typeof m.name === "string" && m.name !== "" ? m.name : undefined,
    },
    problems,
  };
}

function parseSelector(value: unknown, path: JsonPath, problems: SpecProblem[]): LabelSelector {
  const where = path.join(".");
  if (!isPlainObject(value)) {
    problems.push({ path, message: `${where} must be a mapping` });
    return { matchLabels: {}, matchExpressions: [] };
  }
  const matchLabels: Record<string, string> = {};
  if (value.matchLabels !== undefined && value.matchLabels !== null) {
    if (!isPlainObject(value.matchLabels))
      problems.push({
        path: [...path, "matchLabels"],
        message: `${where}.matchLabels must be a mapping`,
      });
    else
      for (const [k, v] of Object.entries(value.matchLabels)) {
        if (typeof v === "string") matchLabels[k] = v;
        else
          problems.push({
            path: [...path, "matchLabels", k],
            message: `${where}.matchLabels.${k} must be a string`,
          });
      }
  }
  const matchExpressions: LabelSelector["matchExpressions"][number][] = [];
  const expressions = value.matchExpressions ?? [];
  if (!Array.isArray(expressions))
    problems.push({
      path: [...path, "matchExpressions"],
      message: `${where}.matchExpressions must be a list`,
    });
  else
    expressions.forEach((e, i) => {
      const p = [...path, "matchExpressions", i];
      const ex = isPlainObject(e) ? e : {};
      const values = ex.values ?? [];
      const valid = Array.isArray(values) && values.every((v) => typeof v === "string");
      const op = ex.operator;
      let problem: string | undefined;
      if (typeof ex.key !== "string" || ex.key === "") problem = "has no key";
      else if (typeof op !== "string" || !OPERATORS.includes(op))
        problem = `has operator ${JSON.stringify(op)} (one of ${OPERATORS.join(", ")})`;
      else if (!valid) problem = "values must be a list of strings";
      else if ((op === "In" || op === "NotIn") && values.length === 0)
        problem = `operator ${op} needs at least one value`;
      else if ((op === "Exists" || op === "DoesNotExist") && values.length > 0)
        problem = `operator ${op} takes no values`;
      if (problem) {
        problems.push({ path: p, message: `${where}.matchExpressions[${i}] ${problem}` });
        return;
      }
      matchExpressions.push({
        key: ex.key as string,
        operator: op as SelectorOperator,
        values: values as string[],
      });
    });
  return { matchLabels, matchExpressions };
}

/** The namespace an object is judged by: its own name for a Namespace, else `metadata.namespace`. */
function namespaceOf(o: ObjectFacts): string {
  return o.isNamespace ? o.name : o.namespace;
}

/**
 * Whether a constraint selects an object, criterion by criterion as Gatekeeper's matcher does.
 * `namespaces` finds a Namespace object by name; when a namespaceSelector needs one that is not
 * there, the outcome is "unknown" (only when every other criterion selects the object).
 */
export function matchObject(
  match: ConstraintMatch,
  object: ObjectFacts,
  namespaces: (name: string) => ObjectFacts | undefined,
): MatchOutcome {
  const ns = namespaceOf(object);
  const kindOk =
    match.kinds.length === 0 ||
    match.kinds.some(
      (k) =>
        (k.kinds.length === 0 || k.kinds.includes("*") || k.kinds.includes(object.kind)) &&
        (k.apiGroups.length === 0 ||
          k.apiGroups.includes("*") ||
          k.apiGroups.includes(object.group)),
    );
  const namespaced = object.namespace !== "";
  const scopeOk =
    match.scope === "Cluster"
      ? object.isNamespace || !namespaced
      : match.scope === "Namespaced"
        ? !object.isNamespace && namespaced
        : true;
  const inNamespaces =
    match.namespaces.length === 0 ||
    ns === "" ||
    match.namespaces.some((p) => wildcardMatches(p, ns));
  const notExcluded = ns === "" || !match.excludedNamespaces.some((p) => wildcardMatches(p, ns));
  const labelsOk = !match.labelSelector || selectorMatches(match.labelSelector, object.labels);
  const nameOk = match.name === undefined || wildcardMatches(match.name, object.name);
  if (!(kindOk && scopeOk && inNamespaces && notExcluded && labelsOk && nameOk))
    return { kind: "no-match" };
  if (!match.namespaceSelector || (!object.isNamespace && !namespaced)) return { kind: "match" };
  const labels = object.isNamespace ? object.labels : namespaces(object.namespace)?.labels;
  if (labels === undefined)
    return {
      kind: "unknown",
      reason: `namespace ${object.namespace} not in repository (the constraint's namespaceSelector needs its labels)`,
    };
  return selectorMatches(match.namespaceSelector, labels)
    ? { kind: "match" }
    : { kind: "no-match" };
}

export type EnforcementAction = "deny" | "warn" | "dryrun";

export const ENFORCEMENT_SEVERITY: Readonly<Record<EnforcementAction, Severity>> = {
  deny: "error",
  warn: "warning",
  dryrun: "notice",
};

const ACTIONS: readonly EnforcementAction[] = ["deny", "warn", "dryrun"];

/** The enforcement point gator stands for; `scoped` actions for it (or for `*`) apply here. */
export const GATOR_ENFORCEMENT_POINT = "gator.gatekeeper.sh";

export type Enforcement =
  | { readonly action: EnforcementAction }
  | { readonly notEnforced: string }
  | { readonly problem: SpecProblem };

/**
 * `spec.enforcementAction` (default deny). With `scoped`, the strictest action that
 * `scopedEnforcementActions` gives gator's enforcement point (or `*`).
 */
export function enforcementOf(spec: Readonly<Record<string, unknown>>): Enforcement {
  const raw = spec.enforcementAction;
  const action = typeof raw === "string" ? raw.trim().toLowerCase() : raw;
  if (action === undefined || action === null || action === "") return { action: "deny" };
  if ((ACTIONS as readonly unknown[]).includes(action))
    return { action: action as EnforcementAction };
  if (action !== "scoped")
    return {
      problem: {
        path: ["spec", "enforcementAction"],
        message: `unknown enforcementAction ${JSON.stringify(raw)} (deny, warn, dryrun or scoped)`,
      },
    };
  const scoped = Array.isArray(spec.scopedEnforcementActions) ? spec.scopedEnforcementActions : [];
  const found: EnforcementAction[] = [];
  for (const entry of scoped) {
    if (!isPlainObject(entry) || !Array.isArray(entry.enforcementPoints)) continue;
    const points = entry.enforcementPoints.map((p) =>
      isPlainObject(p) && typeof p.name === "string" ? p.name.trim().toLowerCase() : "",
    );
    const a = typeof entry.action === "string" ? entry.action.trim().toLowerCase() : "";
    if (
      (points.includes("*") || points.includes(GATOR_ENFORCEMENT_POINT)) &&
      ACTIONS.includes(a as EnforcementAction)
    )
      found.push(a as EnforcementAction);
  }
  if (found.length === 0)
    return {
      notEnforced: `enforcementAction scoped names no action for ${GATOR_ENFORCEMENT_POINT}`,
    };
  return { action: ACTIONS.find((a) => found.includes(a))! };
}

/** What a template reads as `input.review`: the admission request for creating the object. */
export function reviewOf(
  object: unknown,
  facts: ObjectFacts,
  namespace?: unknown,
): Record<string, unknown> {
  return {
    kind: { group: facts.group, version: facts.version, kind: facts.kind },
    ...(facts.name ? { name: facts.name } : {}),
    ...(facts.namespace ? { namespace: facts.namespace } : {}),
    operation: "CREATE",
    object,
    ...(namespace !== undefined ? { _unstable: { namespace } } : {}),
  };
}

type Tree = Record<string, unknown>;

/** A null-prototype mapping, so that any object name (even `__proto__`) is an ordinary key. */
function branch(parent: Tree, key: string): Tree {
  if (!Object.prototype.hasOwnProperty.call(parent, key)) parent[key] = Object.create(null) as Tree;
  return parent[key] as Tree;
}

/**
 * `data.inventory` as Gatekeeper syncs it: `cluster[groupVersion][kind][name]` for objects without
 * a namespace, `namespace[ns][groupVersion][kind][name]` for the others.
 */
export function buildInventory(objects: readonly unknown[]): { cluster: Tree; namespace: Tree } {
  const cluster = Object.create(null) as Tree;
  const namespace = Object.create(null) as Tree;
  for (const o of objects) {
    if (!isPlainObject(o)) continue;
    const f = objectFacts(o);
    const apiVersion = text(o.apiVersion);
    if (apiVersion === "" || f.kind === "" || f.name === "") continue;
    const root = f.namespace === "" ? cluster : branch(namespace, f.namespace);
    branch(branch(root, apiVersion), f.kind)[f.name] = o;
  }
  return { cluster, namespace };
}

/** A field path a violation's `details.path` names: a list of steps, or `a.b.0.c`. */
export function detailsPath(details: unknown): JsonPath {
  const p = isPlainObject(details) ? details.path : undefined;
  if (
    Array.isArray(p) &&
    p.every(
      (s) => typeof s === "string" || (typeof s === "number" && Number.isInteger(s) && s >= 0),
    )
  )
    return p as JsonPath;
  if (typeof p === "string" && p !== "")
    return p.split(".").map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return [];
}

/**
 * Each Namespace's versions: the inventory's, then the one in force before the change (the base's
 * version of a Namespace the change edits). A change relabelling its own Namespace must not slip
 * out of a selector, so an object is selected when either version of its Namespace selects it.
 */
export class NamespaceVersions {
  private readonly namespaces = new Map<string, { facts: ObjectFacts; object: unknown }[]>();

  constructor(inventory: readonly unknown[], previous: readonly unknown[] = []) {
    for (const o of [...inventory, ...previous]) {
      if (!isPlainObject(o)) continue;
      const facts = objectFacts(o);
      if (facts.isNamespace && facts.name !== "")
        this.namespaces.set(facts.name, [
          ...(this.namespaces.get(facts.name) ?? []),
          { facts, object: o },
        ]);
    }
  }

  /** The constraint's outcome for an object under each version of the Namespaces; a match wins. */
  matchAny(
    match: ConstraintMatch,
    facts: ObjectFacts,
  ): { outcome: MatchOutcome; namespace?: unknown } {
    const versions = this.namespaces.get(facts.namespace) ?? [];
    let last: MatchOutcome | undefined;
    for (let v = 0; v < Math.max(1, versions.length); v++) {
      const outcome = matchObject(match, facts, (n) => {
        const list = this.namespaces.get(n);
        return n === facts.namespace ? list?.[v]?.facts : list?.[0]?.facts;
      });
      if (outcome.kind === "match") return { outcome, namespace: versions[v]?.object };
      if (last?.kind !== "unknown") last = outcome;
    }
    return { outcome: last!, namespace: versions[0]?.object };
  }
}
