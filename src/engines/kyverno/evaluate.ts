// The Kyverno engine: all documents of one evaluation go to one `kyverno apply` (more only when two
// documents name the same resource, which one report could not tell apart), and each result of
// Kyverno's report becomes a finding on the document it names.
import type { RawFinding } from "../../core/findings.js";
import { isKubernetesObject } from "../../core/findings.js";
import { isPlainObject } from "../../core/plain-data.js";
import type { JsonPath, Severity } from "../../core/types.js";
import type { PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import type { Engine } from "../engine.js";
import { CLUSTER_SCOPED } from "../../gitops/render-side.js";
import {
  NOT_EVALUATED_MARK,
  policyIndex,
  reportedName,
  severityIn,
  type KyvernoPolicy,
  type RuleInfo,
} from "./policies.js";
import {
  namespaceLabels,
  COPIES,
  NO_NAMESPACE_SUFFIX,
  UNKNOWN_NAMESPACE_SUFFIX,
  noNamespaceCopy,
  unknownNamespaceCopy,
  valuesFile,
} from "./namespaces.js";
import type { KyvernoCli, SkippedPolicy } from "./run.js";

const str = (v: unknown): string => (typeof v === "string" ? v : "");

interface Resource {
  readonly input: number;
  readonly object: Record<string, unknown>;
}

/** apiVersion|kind|name, and the namespace as written ("" when none). */
function identity(o: Record<string, unknown>): { key: string; namespace: string } {
  const m = isPlainObject(o.metadata) ? o.metadata : {};
  return { key: `${str(o.apiVersion)}|${str(o.kind)}|${str(m.name)}`, namespace: str(m.namespace) };
}

/** A `*List` document: kubectl applies its items, which the pipeline hands over one by one. */
function isList(o: Record<string, unknown>): boolean {
  return str(o.kind).endsWith("List") && Array.isArray(o.items);
}

/**
 * Resources per `kyverno apply`, so that its time limit (60 s) stays far away: 30 policies on 100
 * Deployments take 1.2 s of CPU and print a 1 MB report (docs/benchmarks.md).
 */
export const MAX_RESOURCES_PER_RUN = 1000;

/**
 * Groups resources, at most `max` in a group, so that no two in a group share apiVersion, kind, name and namespace (a
 * missing namespace counts as `default`, as Kyverno reports it).
 */
export function batches(resources: readonly Resource[], max = MAX_RESOURCES_PER_RUN): Resource[][] {
  const groups: { seen: Set<string>; items: Resource[] }[] = [];
  for (const r of resources) {
    const id = identity(r.object);
    const key = `${id.key}|${id.namespace || "default"}`;
    let group = groups.find((g) => !g.seen.has(key) && g.items.length < max);
    if (!group) groups.push((group = { seen: new Set(), items: [] }));
    group.seen.add(key);
    group.items.push(r);
  }
  return groups.map((g) => g.items);
}

/** `/spec/containers/0/securityContext/privileged/` in Kyverno's message, as a path. */
export function failedPath(message: string): JsonPath | undefined {
  const m = /failed at path (\/\S*)/.exec(message);
  if (!m) return undefined;
  return m[1]!
    .split("/")
    .filter((s) => s !== "")
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s.replace(/~1/g, "/").replace(/~0/g, "~")));
}

/** The policy and rule a result names (an autogen rule is the rule the repository wrote). */
function ruleOf(policies: ReadonlyMap<string, KyvernoPolicy>, result: Record<string, unknown>) {
  const name = str(result.policy);
  const policy = policies.get(name) ?? policies.get(name.split("/").pop() ?? "");
  if (!policy) return undefined;
  const props = isPlainObject(result.properties) ? result.properties : {};
  const index = str(props["cel.validationIndex"]);
  const written = str(result.rule).replace(/^autogen-(cronjob-)?/, "");
  const key =
    str(result.rule) === ""
      ? index
      : policy.rules.has(str(result.rule))
        ? str(result.rule)
        : written;
  const rule: RuleInfo | undefined = policy.rules.get(key);
  const id = str(result.rule) === "" ? reportedName(policy) : `${reportedName(policy)}/${key}`;
  return { policy, rule, id };
}

/** A failed (or errored) result as a finding; undefined for a pass or a skip. */
export function findingOf(
  policies: ReadonlyMap<string, KyvernoPolicy>,
  result: Record<string, unknown>,
  /** PolicyExceptions that name the user: a resource only they except is not evaluated. */
  userExceptions: ReadonlySet<string> = new Set(),
): RawFinding | undefined {
  const outcome = str(result.result);
  const exceptedBy = outcome === "skip" ? userExcepted(result, userExceptions) : undefined;
  if (outcome !== "fail" && outcome !== "warn" && outcome !== "error" && !exceptedBy)
    return undefined;
  const found = ruleOf(policies, result);
  const message = str(result.message);
  const res = Array.isArray(result.resources) ? result.resources[0] : undefined;
  const namespace = isPlainObject(res) ? str(res.namespace) : "";
  const severity: Severity =
    outcome === "warn" ? "warning" : found?.rule ? severityIn(found.rule, namespace) : "error";
  // The finding links to the rule's line in the policy file (the policy's `kind:` line without one).
  const location = found
    ? {
        policy: {
          file: found.policy.source.file,
          line: found.rule?.line ?? found.policy.source.line,
        },
      }
    : {};
  const rule = found?.id ?? (str(result.policy) || "kyverno");
  if (exceptedBy)
    return {
      rule,
      msg: `not evaluated: the PolicyException ${exceptedBy} excepts the resource for some users (subjects, roles or clusterRoles in its match), and a review offline has no user`,
      path: ["kind"],
      severity,
      ...location,
    };
  if (message.startsWith(NOT_EVALUATED_MARK))
    return {
      rule,
      msg: `not evaluated: ${message.slice(NOT_EVALUATED_MARK.length).trim()}, which a review offline cannot ask`,
      path: ["kind"],
      severity,
      ...location,
    };
  const msg =
    outcome === "error"
      ? `not evaluated: Kyverno could not evaluate the rule: ${message}`
      : message;
  const path = (outcome === "fail" ? failedPath(message) : undefined) ?? ["kind"];
  return { rule, msg, path, severity, ...location };
}

/** The exceptions that skipped a result, when every one of them names the user; else undefined. */
function userExcepted(
  result: Record<string, unknown>,
  user: ReadonlySet<string>,
): string | undefined {
  const props = isPlainObject(result.properties) ? result.properties : {};
  const names = str(props.exceptions)
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  return names.length > 0 && names.every((n) => user.has(n)) ? names.join(", ") : undefined;
}

export interface KyvernoRunInputs {
  readonly policies: readonly KyvernoPolicy[];
  readonly exceptions: readonly Record<string, unknown>[];
  /** The names of the exceptions that name the user (handed to Kyverno without it). */
  readonly userExceptions?: readonly string[];
  /** The repository's objects (its Namespaces give namespaceSelectors their labels). */
  readonly namespaces?: readonly unknown[];
}

const yamlStream = (docs: readonly unknown[]): string =>
  docs.map((d) => `---\n${JSON.stringify(d)}\n`).join("");

/** One run's inputs to Kyverno, and how its results find their documents. */
interface Run {
  readonly files: { policies: string; exceptions: string; resources: string; values: string };
  readonly inputOf: (res: Record<string, unknown>) => number | undefined;
  /** Namespaces the repository does not define (their labels are unknown offline). */
  readonly unknown: ReadonlySet<string>;
  /** apiVersion|kind|name of the namespaced resources that write no namespace. */
  readonly namespaceless: ReadonlySet<string>;
  /** A marker copy's name (without its suffix) -> the policy's, where they differ. */
  readonly originals: ReadonlyMap<string, string>;
  readonly userExceptions: ReadonlySet<string>;
}

function lookup(group: readonly Resource[]): Run["inputOf"] {
  const byId = new Map<string, number>();
  for (const r of group) {
    const { key, namespace } = identity(r.object);
    byId.set(`${key}|${namespace || "~"}`, r.input);
  }
  return (res) => {
    const key = `${str(res.apiVersion)}|${str(res.kind)}|${str(res.name)}`;
    const ns = str(res.namespace);
    return byId.get(`${key}|${ns || "~"}`) ?? (ns === "default" ? byId.get(`${key}|~`) : undefined);
  };
}

/** The finding of one result of a run, or undefined (a pass, a skip, another resource). */
function resultFinding(
  policies: ReadonlyMap<string, KyvernoPolicy>,
  run: Run,
  result: Record<string, unknown>,
): { at: number; finding: RawFinding } | undefined {
  const res = Array.isArray(result.resources) ? result.resources[0] : undefined;
  const at = isPlainObject(res) ? run.inputOf(res) : undefined;
  if (at === undefined || !isPlainObject(res)) return undefined;
  const name = str(result.policy);
  const suffix = copySuffix(name);
  if (!suffix) {
    const finding = findingOf(policies, result, run.userExceptions);
    return finding ? { at, finding } : undefined;
  }
  const namespace = str(res.namespace);
  const key = `${str(res.apiVersion)}|${str(res.kind)}|${str(res.name)}`;
  const written = namespace === "default" && run.namespaceless.has(key);
  const applies = suffix === NO_NAMESPACE_SUFFIX ? written : run.unknown.has(namespace) && !written;
  if (!applies) return undefined;
  const copied = name.slice(0, -suffix.length);
  const original = { ...result, policy: run.originals.get(copied) ?? copied };
  const finding = findingOf(policies, original, run.userExceptions);
  if (!finding) return undefined;
  const msg =
    suffix === NO_NAMESPACE_SUFFIX
      ? "not evaluated: the rule picks namespaces, and the resource writes no namespace (it is set where it is deployed: a kustomization, Flux's targetNamespace, Argo CD's destination)"
      : `not evaluated: the rule selects namespaces by label, and the repository does not define Namespace ${namespace} (its labels are unknown offline)`;
  return { at, finding: { ...finding, msg } };
}

/** The suffix of a marker copy's name, or undefined for a policy of the repository. */
function copySuffix(name: string): keyof typeof COPIES | undefined {
  return (Object.keys(COPIES) as (keyof typeof COPIES)[]).find((s) => name.endsWith(s));
}

/** The files of one run: the policies (with marker copies for unknown namespaces), the labels. */
function runOf(loaded: KyvernoRunInputs, inputs: readonly PolicyInput[], group: Resource[]): Run {
  const labels = namespaceLabels([...(loaded.namespaces ?? []), ...inputs.map((i) => i.document)]);
  // The API server gives every Namespace this label.
  for (const [name, l] of labels) labels.set(name, { ...l, "kubernetes.io/metadata.name": name });
  const unknown = new Set(
    group.map((r) => identity(r.object).namespace).filter((n) => n !== "" && !labels.has(n)),
  );
  const namespaceless = new Set(
    group
      .filter((r) => identity(r.object).namespace === "" && !CLUSTER_SCOPED.has(str(r.object.kind)))
      .map((r) => identity(r.object).key),
  );
  const copiesFor = (suffix: keyof typeof COPIES, wanted: boolean) =>
    wanted ? loaded.policies.map((p) => unknownNamespaceCopy(p, suffix)) : [];
  const originals = new Map<string, string>();
  const copies = [
    ...copiesFor(UNKNOWN_NAMESPACE_SUFFIX, unknown.size > 0),
    ...(namespaceless.size > 0 ? loaded.policies.map((p) => noNamespaceCopy(p, originals)) : []),
  ].filter((c) => c !== undefined);
  return {
    files: {
      policies: yamlStream([...loaded.policies.map((p) => p.document), ...copies]),
      exceptions: loaded.exceptions.length > 0 ? yamlStream(loaded.exceptions) : "",
      resources: yamlStream(group.map((r) => r.object)),
      values: labels.size > 0 ? valuesFile(labels) : "",
    },
    inputOf: lookup(group),
    unknown,
    namespaceless,
    originals,
    userExceptions: new Set(loaded.userExceptions),
  };
}

/** A policy Kyverno refused judges nothing: each document of the run says so, never a pass. */
function refused(
  policies: ReadonlyMap<string, KyvernoPolicy>,
  skipped: readonly SkippedPolicy[],
): RawFinding[] {
  return skipped.map(({ name, reason }) => {
    const written = name.slice(0, name.length - (copySuffix(name)?.length ?? 0));
    const policy = policies.get(written);
    return {
      rule: written,
      msg: `not evaluated: Kyverno refused the policy ${written}: ${reason}`,
      path: ["kind"],
      severity: "error",
      ...(policy ? { policy: policy.source } : {}),
    };
  });
}

/** The documents Kyverno judges: whole objects (not patches, not `*List` wrappers). */
function resourcesOf(inputs: readonly PolicyInput[]): Resource[] {
  const resources: Resource[] = [];
  inputs.forEach((input, i) => {
    const o = input.document;
    // A kustomize patch is not what reaches the cluster; Kyverno judges whole objects.
    if (input.file.partial || !isKubernetesObject(o) || !isPlainObject(o) || isList(o)) return;
    resources.push({ input: i, object: o });
  });
  return resources;
}

/** The engine over a loaded set of policies. */
export function kyvernoEvaluator(id: string, cli: KyvernoCli, loaded: KyvernoRunInputs): Engine {
  const byName = policyIndex(loaded.policies);
  return {
    id,
    async evaluate(inputs: readonly PolicyInput[]): Promise<PolicyResult[]> {
      const findings = inputs.map((): RawFinding[] => []);
      const failed = new Map<number, string>();
      for (const group of batches(resourcesOf(inputs))) {
        const run = runOf(loaded, inputs, group);
        const outcome = await cli.apply(run.files, (result) => {
          const found = resultFinding(byName, run, result);
          if (found) findings[found.at]!.push(found.finding);
        });
        if (!outcome.ok)
          for (const r of group)
            failed.set(r.input, `Kyverno policies could not be evaluated: ${outcome.message}`);
        else for (const r of group) findings[r.input]!.push(...refused(byName, outcome.skipped));
      }
      return inputs.map((_, i) =>
        failed.has(i) ? { ok: false, error: failed.get(i)! } : { ok: true, findings: findings[i]! },
      );
    },
  };
}
