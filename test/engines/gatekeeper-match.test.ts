// Gatekeeper's match, enforcement and inventory semantics, table by table.
import {
  buildInventory,
  detailsPath,
  enforcementOf,
  matchObject,
  objectFacts,
  parseMatch,
  reviewOf,
  selectorMatches,
  wildcardMatches,
  type LabelSelector,
} from "../../src/engines/gatekeeper/match.js";

const pod = (namespace?: string, labels: Record<string, string> = {}, name = "api") => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, ...(namespace ? { namespace } : {}), labels },
});
const namespace = (name: string, labels: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels },
});
const deployment = (ns: string) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: ns },
});

describe("wildcardMatches (Gatekeeper's prefix and suffix globs)", () => {
  it.each([
    ["kube-system", "kube-system", true],
    ["kube-system", "kube-public", false],
    ["kube-*", "kube-public", true],
    ["kube-*", "my-kube-public", false],
    ["*-system", "gatekeeper-system", true],
    ["*-system", "system-x", false],
    ["*cache*", "redis-cache-0", true],
    ["*", "anything", true],
    ["kube*system", "kube-system", false],
  ])("%s against %s: %s", (pattern, name, expected) => {
    expect(wildcardMatches(pattern, name)).toBe(expected);
  });
});

describe("selectorMatches (Kubernetes label selectors)", () => {
  const sel = (s: Partial<LabelSelector>): LabelSelector => ({
    matchLabels: {},
    matchExpressions: [],
    ...s,
  });
  it.each<[string, LabelSelector, Record<string, string>, boolean]>([
    ["empty selects everything", sel({}), {}, true],
    ["matchLabels equal", sel({ matchLabels: { env: "prod" } }), { env: "prod", x: "y" }, true],
    ["matchLabels differ", sel({ matchLabels: { env: "prod" } }), { env: "dev" }, false],
    ["matchLabels missing", sel({ matchLabels: { env: "prod" } }), {}, false],
    [
      "In",
      sel({ matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] }),
      { tier: "b" },
      true,
    ],
    [
      "In without the key",
      sel({ matchExpressions: [{ key: "tier", operator: "In", values: ["a"] }] }),
      {},
      false,
    ],
    [
      "NotIn",
      sel({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["a"] }] }),
      { tier: "a" },
      false,
    ],
    [
      "NotIn without the key",
      sel({ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["a"] }] }),
      {},
      true,
    ],
    [
      "Exists",
      sel({ matchExpressions: [{ key: "tier", operator: "Exists", values: [] }] }),
      { tier: "" },
      true,
    ],
    [
      "DoesNotExist",
      sel({ matchExpressions: [{ key: "tier", operator: "DoesNotExist", values: [] }] }),
      { tier: "a" },
      false,
    ],
    [
      "labels and expressions are ANDed",
      sel({
        matchLabels: { env: "prod" },
        matchExpressions: [{ key: "tier", operator: "Exists", values: [] }],
      }),
      { env: "prod" },
      false,
    ],
  ])("%s", (_name, selector, labels, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

const PROD_NAMESPACES = { namespaceSelector: { matchLabels: { env: "prod" } } };

describe("matchObject (criteria as Gatekeeper's matcher applies them)", () => {
  const namespaces = new Map([
    ["shop", objectFacts(namespace("shop", { env: "prod" }))],
    ["dev", objectFacts(namespace("dev", { env: "dev" }))],
  ]);
  const outcome = (m: unknown, o: Record<string, unknown>) => {
    const { match, problems } = parseMatch(m);
    expect(problems).toEqual([]);
    return matchObject(match, objectFacts(o), (n) => namespaces.get(n)).kind;
  };
  it.each<[string, unknown, Record<string, unknown>, string]>([
    ["no match criteria select everything", undefined, pod("shop"), "match"],
    [
      "kind in the core group",
      { kinds: [{ apiGroups: [""], kinds: ["Pod"] }] },
      pod("shop"),
      "match",
    ],
    [
      "kind in another group",
      { kinds: [{ apiGroups: [""], kinds: ["Deployment"] }] },
      deployment("shop"),
      "no-match",
    ],
    [
      "apiGroups *",
      { kinds: [{ apiGroups: ["*"], kinds: ["Deployment"] }] },
      deployment("shop"),
      "match",
    ],
    ["kinds *", { kinds: [{ apiGroups: ["apps"], kinds: ["*"] }] }, deployment("shop"), "match"],
    [
      "any one kinds entry",
      {
        kinds: [
          { apiGroups: ["batch"], kinds: ["Job"] },
          { apiGroups: ["apps"], kinds: ["Deployment"] },
        ],
      },
      deployment("shop"),
      "match",
    ],
    ["namespaces", { namespaces: ["shop"] }, pod("shop"), "match"],
    ["namespaces, another one", { namespaces: ["shop"] }, pod("dev"), "no-match"],
    ["namespaces do not exclude cluster-scoped objects", { namespaces: ["shop"] }, pod(), "match"],
    ["a Namespace is judged by its own name", { namespaces: ["shop"] }, namespace("shop"), "match"],
    [
      "excludedNamespaces prefix glob",
      { excludedNamespaces: ["kube-*"] },
      pod("kube-system"),
      "no-match",
    ],
    [
      "excludedNamespaces on the Namespace itself",
      { excludedNamespaces: ["kube-*"] },
      namespace("kube-public"),
      "no-match",
    ],
    ["scope Cluster takes Namespaces", { scope: "Cluster" }, namespace("shop"), "match"],
    ["scope Cluster leaves namespaced objects", { scope: "Cluster" }, pod("shop"), "no-match"],
    ["scope Namespaced leaves Namespaces", { scope: "Namespaced" }, namespace("shop"), "no-match"],
    ["scope Namespaced takes namespaced objects", { scope: "Namespaced" }, pod("shop"), "match"],
    [
      "labelSelector",
      { labelSelector: { matchLabels: { app: "api" } } },
      pod("shop", { app: "api" }),
      "match",
    ],
    [
      "labelSelector, other labels",
      { labelSelector: { matchLabels: { app: "api" } } },
      pod("shop", { app: "web" }),
      "no-match",
    ],
    ["namespaceSelector, the namespace's labels", PROD_NAMESPACES, pod("shop"), "match"],
    ["namespaceSelector, another namespace", PROD_NAMESPACES, pod("dev"), "no-match"],
    [
      "namespaceSelector on a Namespace reads its labels",
      PROD_NAMESPACES,
      namespace("x", { env: "prod" }),
      "match",
    ],
    ["namespaceSelector selects cluster-scoped objects", PROD_NAMESPACES, pod(), "match"],
    ["namespaceSelector without the Namespace", PROD_NAMESPACES, pod("billing"), "unknown"],
    [
      "another criterion decides before the missing Namespace",
      { ...PROD_NAMESPACES, kinds: [{ apiGroups: ["apps"], kinds: ["Deployment"] }] },
      pod("billing"),
      "no-match",
    ],
    ["name glob", { name: "api-*" }, pod("shop", {}, "api-7"), "match"],
    ["name exact", { name: "api" }, pod("shop", {}, "api-7"), "no-match"],
  ])("%s", (_name, match, object, expected) => {
    expect(outcome(match, object)).toBe(expected);
  });

  it("says which namespace is missing", () => {
    const { match } = parseMatch(PROD_NAMESPACES);
    expect(matchObject(match, objectFacts(pod("billing")), () => undefined)).toEqual({
      kind: "unknown",
      reason: expect.stringMatching(/^namespace billing not in repository/),
    });
  });
});

describe("parseMatch", () => {
  it.each<[string, unknown, string]>([
    ["a list, not a mapping", [], "spec.match must be a mapping"],
    ["kinds not a list", { kinds: "Pod" }, "spec.match.kinds must be a list"],
    [
      "namespaces not strings",
      { namespaces: [1] },
      "spec.match.namespaces must be a list of strings",
    ],
    [
      "unknown scope",
      { scope: "cluster" },
      'spec.match.scope must be *, Cluster or Namespaced, found "cluster"',
    ],
    [
      "unknown operator",
      { labelSelector: { matchExpressions: [{ key: "a", operator: "Has" }] } },
      'spec.match.labelSelector.matchExpressions[0] has operator "Has" (one of In, NotIn, Exists, DoesNotExist)',
    ],
    [
      "Exists with values",
      {
        namespaceSelector: { matchExpressions: [{ key: "a", operator: "Exists", values: ["x"] }] },
      },
      "spec.match.namespaceSelector.matchExpressions[0] operator Exists takes no values",
    ],
    [
      "a label value that is not a string",
      { labelSelector: { matchLabels: { a: 1 } } },
      "spec.match.labelSelector.matchLabels.a must be a string",
    ],
  ])("reports %s", (_name, value, message) => {
    expect(parseMatch(value).problems.map((p) => p.message)).toEqual([message]);
  });
});

describe("enforcementOf", () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    ["deny by default", {}, { action: "deny" }],
    ["an empty action is deny", { enforcementAction: "" }, { action: "deny" }],
    ["warn, in any case", { enforcementAction: "Warn" }, { action: "warn" }],
    ["dryrun", { enforcementAction: "dryrun" }, { action: "dryrun" }],
    [
      "scoped: the strictest action for gator or *",
      {
        enforcementAction: "scoped",
        scopedEnforcementActions: [
          { action: "warn", enforcementPoints: [{ name: "gator.gatekeeper.sh" }] },
          { action: "deny", enforcementPoints: [{ name: "*" }] },
          { action: "deny", enforcementPoints: [{ name: "validation.gatekeeper.sh" }] },
        ],
      },
      { action: "deny" },
    ],
    [
      "scoped to the webhook only",
      {
        enforcementAction: "scoped",
        scopedEnforcementActions: [
          { action: "deny", enforcementPoints: [{ name: "validation.gatekeeper.sh" }] },
        ],
      },
      { notEnforced: expect.stringContaining("gator.gatekeeper.sh") },
    ],
    [
      "unknown",
      { enforcementAction: "block" },
      { problem: expect.objectContaining({ path: ["spec", "enforcementAction"] }) },
    ],
  ])("%s", (_name, spec, expected) => {
    expect(enforcementOf(spec)).toEqual(expected);
  });
});

describe("buildInventory and reviewOf", () => {
  it("files objects by namespace, groupVersion, kind and name, any name being a plain key", () => {
    const odd = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "__proto__", namespace: "shop" },
    };
    const inventory = JSON.parse(
      JSON.stringify(
        buildInventory([namespace("shop"), deployment("shop"), odd, { kind: "NoVersion" }]),
      ),
    ) as unknown;
    expect(inventory).toEqual({
      cluster: { v1: { Namespace: { shop: namespace("shop") } } },
      namespace: {
        shop: {
          "apps/v1": { Deployment: { web: deployment("shop") } },
          v1: { ConfigMap: { ["__proto__"]: odd } },
        },
      },
    });
    expect(({} as Record<string, unknown>).metadata).toBeUndefined();
  });

  it("builds the admission review of a CREATE, with the namespace object when known", () => {
    const d = deployment("shop");
    expect(reviewOf(d, objectFacts(d), namespace("shop"))).toEqual({
      kind: { group: "apps", version: "v1", kind: "Deployment" },
      name: "web",
      namespace: "shop",
      operation: "CREATE",
      object: d,
      _unstable: { namespace: namespace("shop") },
    });
  });

  it.each<[unknown, unknown]>([
    [{ path: ["spec", "containers", 0] }, ["spec", "containers", 0]],
    [{ path: "spec.containers.0.image" }, ["spec", "containers", 0, "image"]],
    [{ path: [{}] }, []],
    [{ missing: ["owner"] }, []],
    ["text", []],
  ])("reads the path hint of details %j", (details, expected) => {
    expect(detailsPath(details)).toEqual(expected);
  });
});
