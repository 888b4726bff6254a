// Rules that match or exclude on who makes the request (`subjects`, `roles`, `clusterRoles`). A
// pull request has no requesting user: the GitOps controller applies the change, as whoever the
// cluster makes it. Kyverno's CLI, given no user (Kyverno v1.19.1, pkg/engine/utils/match.go),
// drops user info from `match` (the rule then applies to every user) and never excludes by it (the
// rule then applies to the users it exempts): both guesses. Such a rule (it needs
// `background: false`; with `background: true` Kyverno refuses the policy, as its admission
// webhook does) is handed to Kyverno as a marker that keeps what it matches apart from the user,
// and each resource it may apply to is reported "not evaluated" (docs/kyverno.md).
import { isPlainObject } from "../../core/plain-data.js";
import { excludeWithout, mapMatch, withFilters } from "./operations.js";

const USER_KEYS = ["subjects", "roles", "clusterRoles"] as const;

/** Why a review cannot evaluate a rule that names the requesting user. */
export const USER_NEED =
  "the user making the request (subjects, roles or clusterRoles in match or exclude)";

/** Whether a ResourceFilter (or the top level of match/exclude) names user info. */
function namesUser(filter: unknown): boolean {
  if (!isPlainObject(filter)) return false;
  return USER_KEYS.some((k) => {
    const v = filter[k];
    return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null;
  });
}

function filtersOf(block: unknown): unknown[] {
  if (!isPlainObject(block)) return [];
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  return [block, ...list(block.any), ...list(block.all)];
}

/** USER_NEED when `rule`'s match or exclude names the requesting user; else undefined. */
export function userInfoNeed(rule: Record<string, unknown>): string | undefined {
  return [...filtersOf(rule.match), ...filtersOf(rule.exclude)].some(namesUser)
    ? USER_NEED
    : undefined;
}

/**
 * `filter` for any user. One naming only the user (no `resources`) matches whatever that user
 * requests: without the user it matches every kind (an empty filter Kyverno refuses or ignores).
 */
function withoutUserKeys(filter: unknown): unknown {
  if (!namesUser(filter)) return filter;
  const out = { ...(filter as Record<string, unknown>) };
  for (const k of USER_KEYS) delete out[k];
  if (!isPlainObject(out.resources)) out.resources = { kinds: ["*"] };
  return out;
}

/**
 * `rule` as it applies to some user: the resources a marker for it must cover. Its match leaves
 * the user out; an exclude filter naming the user is dropped, since it may or may not exclude.
 */
export function withoutUserInfo(rule: Record<string, unknown>): Record<string, unknown> {
  return withFilters(
    rule,
    (m) => mapMatch(m, withoutUserKeys),
    (e) => excludeWithout(e, namesUser),
  );
}

/**
 * A PolicyException as Kyverno's CLI should see it: one that names the user never applies there
 * (no user), so it goes without the user, applying wherever it may; its skips are then reported
 * "not evaluated" (evaluate.ts), never passed nor failed.
 */
export function exceptionWithoutUser(exception: Record<string, unknown>): {
  readonly document: Record<string, unknown>;
  readonly namesUser: boolean;
} {
  const spec = isPlainObject(exception.spec) ? exception.spec : {};
  if (!filtersOf(spec.match).some(namesUser)) return { document: exception, namesUser: false };
  const match = mapMatch(spec.match, withoutUserKeys);
  return { document: { ...exception, spec: { ...spec, match } }, namesUser: true };
}
