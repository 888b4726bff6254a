// Kyverno's CLI reviews every resource as a CREATE request. A pull request that changes a
// resource the cluster already holds is an UPDATE at admission: a rule that matches UPDATE
// requests only would be skipped (a silent pass), and an exclusion of CREATE requests alone would
// take the rule away. So a rule's match filters that name UPDATE also match CREATE, and exclude
// filters that do not name UPDATE are dropped (a rule reading request.oldObject then fails to
// evaluate and is reported "not evaluated", never passed).
import { isPlainObject } from "../../core/plain-data.js";

type Filter = Record<string, unknown>;

function operationsOf(filter: unknown): string[] | undefined {
  if (!isPlainObject(filter) || !isPlainObject(filter.resources)) return undefined;
  const ops = filter.resources.operations;
  return Array.isArray(ops) && ops.length > 0 ? ops.map(String) : undefined;
}

function withCreate(filter: unknown): unknown {
  const ops = operationsOf(filter);
  if (!ops || ops.includes("CREATE") || !ops.includes("UPDATE")) return filter;
  const f = filter as Filter;
  return { ...f, resources: { ...(f.resources as Filter), operations: [...ops, "CREATE"] } };
}

/** An exclude filter that excludes nothing at UPDATE (its operations lack it). */
const notAtUpdate = (filter: unknown): boolean => {
  const ops = operationsOf(filter);
  return ops !== undefined && !ops.includes("UPDATE");
};

/** `match` with `each` applied to its top-level filter and to each of `any` and `all`. */
export function mapMatch(match: unknown, each: (filter: unknown) => unknown): unknown {
  if (!isPlainObject(match)) return match;
  const out = { ...(each(match) as Filter) };
  if (Array.isArray(match.any)) out.any = match.any.map(each);
  if (Array.isArray(match.all)) out.all = match.all.map(each);
  return out;
}

/**
 * `exclude` without the filters `drop` picks: one of `any` goes alone, one of `all` takes `all`
 * with it (`all` excludes only when every filter does), a top-level one the whole exclude;
 * undefined when nothing is left to exclude.
 */
export function excludeWithout(exclude: unknown, drop: (filter: unknown) => boolean): unknown {
  if (!isPlainObject(exclude)) return exclude;
  if (drop(exclude)) return undefined;
  const out: Filter = { ...exclude };
  if (Array.isArray(exclude.any)) out.any = exclude.any.filter((f) => !drop(f));
  if (Array.isArray(exclude.all) && exclude.all.some(drop)) delete out.all;
  const empty = (k: string) => !(k in out) || (Array.isArray(out[k]) && out[k].length === 0);
  return empty("any") && empty("all") && !isPlainObject(out.resources) ? undefined : out;
}

/** `rule` with its match and exclude rewritten (an exclude rewritten to nothing is left out). */
export function withFilters(
  rule: Record<string, unknown>,
  match: (match: unknown) => unknown,
  exclude: (exclude: unknown) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...rule, match: match(rule.match) };
  if (rule.exclude === undefined) return out;
  const rewritten = exclude(rule.exclude);
  if (rewritten === undefined) delete out.exclude;
  else out.exclude = rewritten;
  return out;
}

/** `rule` as Kyverno's CLI should see it to judge an UPDATE as well as a CREATE. */
export function atUpdate(rule: Record<string, unknown>): Record<string, unknown> {
  return withFilters(
    rule,
    (m) => mapMatch(m, withCreate),
    (e) => excludeWithout(e, notAtUpdate),
  );
}
