// Two Kyverno questions a review must answer truthfully: the same policy name in two namespaces
// (Kyverno runs both; each finding is that policy's), and rules that match or exclude on the
// requesting user, which a pull request does not have (the GitOps controller applies it).
import { loadKyverno } from "../../../src/engines/kyverno/index.js";
import { KyvernoCli } from "../../../src/engines/kyverno/run.js";
import type { RawFinding } from "../../../src/core/findings.js";
import { parseManifest } from "../../../src/yaml/index.js";
import { describeWithKyverno } from "../../support/kyverno.js";

const policy = (
  namespace: string,
  action: string,
  message: string,
  label: string,
) => `apiVersion: kyverno.io/v1
kind: Policy
metadata:
  name: require-label
  namespace: ${namespace}
spec:
  validationFailureAction: ${action}
  rules:
    - name: label
      match:
        any:
          - resources:
              kinds: [ConfigMap]
      validate:
        message: "${message}"
        pattern:
          metadata:
            labels:
              ${label}: "?*"
`;

const configMap = (name: string, namespace: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n`;

/** Each resource's findings after loading `policies` (path -> text) into the pinned kyverno. */
async function findingsOf(policies: Record<string, string>, resources: string) {
  const load = loadKyverno(
    Object.entries(policies).map(([path, text]) => ({ path, text })),
    {},
    new KyvernoCli(),
  );
  expect(load.problems).toEqual([]);
  const file = parseManifest("resources.yaml", resources);
  const inputs = file.documents.map((d) => ({
    document: d.value,
    file: { path: "resources.yaml", partial: false },
  }));
  const results = await load.engines[0]!.evaluate(inputs);
  return {
    load,
    findings: results.map((r) => {
      if (!r.ok) throw new Error(r.error);
      return r.findings.map((f: RawFinding) => ({
        rule: f.rule,
        severity: f.severity,
        msg: f.msg,
        policy: f.policy,
      }));
    }),
  };
}

describeWithKyverno("Kyverno: namespaced policies of the same name", () => {
  it("evaluates both and reports each under its own namespace, severity and line", async () => {
    const { findings } = await findingsOf(
      {
        "admission/a.yaml": policy("team-a", "Enforce", "A needs team", "team"),
        "admission/b.yaml": policy("team-b", "Audit", "B needs owner", "owner"),
      },
      `${configMap("one", "team-a")}---\n${configMap("two", "team-b")}`,
    );
    expect(findings).toEqual([
      [
        {
          rule: "team-a/require-label/label",
          severity: "error",
          msg: "validation error: A needs team. rule label failed at path /metadata/labels/",
          policy: { file: "admission/a.yaml", line: 9 },
        },
      ],
      [
        {
          rule: "team-b/require-label/label",
          severity: "warning",
          msg: "validation error: B needs owner. rule label failed at path /metadata/labels/",
          policy: { file: "admission/b.yaml", line: 9 },
        },
      ],
    ]);
  });

  it("reports a resource that writes no namespace as not evaluated by each, not passed (it may be deployed to theirs)", async () => {
    const { findings } = await findingsOf(
      {
        "admission/a.yaml": policy("team-a", "Enforce", "A needs team", "team"),
        "admission/b.yaml": policy("team-b", "Audit", "B needs owner", "owner"),
      },
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anywhere\n",
    );
    const where = expect.stringMatching(/^not evaluated: .*the resource writes no namespace/);
    // Kyverno gives the two policies' results in either order.
    expect(findings.map((list) => [...list].sort((a, b) => (a.rule < b.rule ? -1 : 1)))).toEqual([
      [
        {
          rule: "team-a/require-label/label",
          severity: "error",
          msg: where,
          policy: { file: "admission/a.yaml", line: 9 },
        },
        {
          rule: "team-b/require-label/label",
          severity: "warning",
          msg: where,
          policy: { file: "admission/b.yaml", line: 9 },
        },
      ],
    ]);
  });
});

const userRules = (background: boolean) => `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: who
spec:
  background: ${background}
  validationFailureAction: Enforce
  rules:
    - name: for-alice
      match:
        any:
          - resources:
              kinds: [ConfigMap]
            subjects:
              - kind: User
                name: alice
      validate:
        message: "needs team"
        pattern:
          metadata:
            labels:
              team: "?*"
    - name: admins-exempt
      match:
        any:
          - resources:
              kinds: [ConfigMap]
      exclude:
        any:
          - resources:
              namespaces: [kube-system]
          - clusterRoles: [cluster-admin]
      validate:
        failureAction: Audit
        message: "needs owner"
        pattern:
          metadata:
            labels:
              owner: "?*"
    - name: by-username
      match:
        any:
          - resources:
              kinds: [ConfigMap]
              namespaces: [shop]
      validate:
        message: "not from {{request.userInfo.username}}"
        deny:
          conditions:
            any:
              - key: "{{request.userInfo.username}}"
                operator: Equals
                value: mallory
    - name: plain
      match:
        any:
          - resources:
              kinds: [ConfigMap]
      validate:
        message: "needs app"
        pattern:
          metadata:
            labels:
              app: "?*"
`;

describeWithKyverno(
  "Kyverno: rules on the requesting user, which a pull request does not have",
  () => {
    const NEEDS_USER =
      "not evaluated: needs the user making the request (subjects, roles or clusterRoles in match or exclude), which a review offline cannot ask";

    it("reports each resource a user rule may apply to as not evaluated, and judges the others", async () => {
      const { findings, load } = await findingsOf(
        { "admission/who.yaml": userRules(false) },
        `${configMap("cart", "shop")}---\n${configMap("dns", "kube-system")}`,
      );
      const brief = findings.map((list) => list.map((f) => [f.rule, f.severity, f.msg]));
      expect(brief).toEqual([
        [
          ["who/for-alice", "error", NEEDS_USER],
          ["who/admins-exempt", "warning", NEEDS_USER],
          [
            "who/by-username",
            "error",
            expect.stringMatching(/^not evaluated: Kyverno could not evaluate the rule: /),
          ],
          ["who/plain", "error", expect.stringContaining("needs app")],
        ],
        [
          // kube-system is excluded whoever applies; alice's rule may still apply there
          ["who/for-alice", "error", NEEDS_USER],
          ["who/plain", "error", expect.stringContaining("needs app")],
        ],
      ]);
      // The summary names the two rules and why.
      expect(load.notEvaluated.map((n) => [n.line, n.reason])).toEqual([
        [
          9,
          expect.stringContaining("Kyverno rule who/for-alice needs the user making the request"),
        ],
        [23, expect.stringContaining("Kyverno rule who/admins-exempt needs the user")],
      ]);
    });

    it("reports a background policy naming the user as Kyverno refuses it (as its webhook does)", async () => {
      const { findings } = await findingsOf(
        { "admission/who.yaml": userRules(true) },
        configMap("cart", "shop"),
      );
      expect(findings[0]).toEqual([
        expect.objectContaining({
          rule: "who",
          severity: "error",
          msg: expect.stringMatching(
            /^not evaluated: Kyverno refused the policy who: only select variables are allowed in background mode/,
          ) as string,
        }),
      ]);
    });

    it("reports a resource only a PolicyException naming the user excepts as not evaluated", async () => {
      const exception = (name: string, namespace: string, who: string) => `apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: ${name}
  namespace: kyverno
spec:
  exceptions:
    - policyName: who
      ruleNames: [plain]
  match:
    any:
      - resources:
          kinds: [ConfigMap]
          namespaces: [${namespace}]
${who}`;
      const flux =
        "        subjects:\n          - kind: ServiceAccount\n            name: kustomize-controller\n            namespace: flux-system\n";
      const { findings } = await findingsOf(
        {
          "admission/who.yaml": userRules(false).replace(
            /    - name: for-alice[\s\S]*?(?=    - name: plain)/,
            "",
          ),
          "admission/flux.yaml": exception("flux-may", "shop", flux),
          "admission/legacy.yaml": exception("legacy", "legacy", ""),
        },
        `${configMap("cart", "shop")}---\n${configMap("old", "legacy")}---\n${configMap("web", "prod")}`,
      );
      expect(findings.map((list) => list.map((f) => [f.rule, f.severity, f.msg]))).toEqual([
        [
          [
            "who/plain",
            "error",
            "not evaluated: the PolicyException flux-may excepts the resource for some users (subjects, roles or clusterRoles in its match), and a review offline has no user",
          ],
        ],
        // an exception without a user excepts whoever applies; elsewhere the rule judges
        [],
        [["who/plain", "error", expect.stringContaining("needs app")]],
      ]);
    });

    it("a filter naming only the user matches every kind without it (never an empty filter Kyverno refuses or ignores)", async () => {
      // alice's ConfigMaps, written as match.all of a kind and a user; Flux may apply anything
      const rules = userRules(false)
        .replace(
          "        any:\n          - resources:\n              kinds: [ConfigMap]\n            subjects:\n",
          "        all:\n          - resources:\n              kinds: [ConfigMap]\n          - subjects:\n",
        )
        .replace(/    - name: admins-exempt[\s\S]*?(?=    - name: plain)/, "");
      expect(rules).toContain("          - subjects:\n");
      const exception = `apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: flux-may-all
  namespace: kyverno
spec:
  exceptions:
    - policyName: who
      ruleNames: [plain]
  match:
    any:
      - subjects:
          - kind: ServiceAccount
            name: kustomize-controller
            namespace: flux-system
`;
      const { findings } = await findingsOf(
        { "admission/who.yaml": rules, "admission/flux.yaml": exception },
        `${configMap("cart", "shop")}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: shop\n`,
      );
      const sorted = (list: { rule: string; msg: string }[]) =>
        list.map((f) => [f.rule, f.msg]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
      expect(findings.map(sorted)).toEqual([
        [
          ["who/for-alice", NEEDS_USER],
          ["who/plain", expect.stringContaining("the PolicyException flux-may-all excepts")],
        ],
        // neither rule is for a Secret, whoever applies it
        [],
      ]);
    });

    it("reports a ValidatingPolicy whose CEL reads request.userInfo as not evaluated (Kyverno's error)", async () => {
      const vpol = `apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: not-for-admins
spec:
  validationActions: [Deny]
  matchConstraints:
    resourceRules:
      - apiGroups: [""]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [configmaps]
  matchConditions:
    - name: not-admins
      expression: "!('system:masters' in request.userInfo.groups)"
  validations:
    - expression: "request.userInfo.username != 'mallory'"
      message: not mallory
`;
      const { findings } = await findingsOf(
        { "admission/vpol.yaml": vpol },
        configMap("cart", "shop"),
      );
      expect(findings[0]!.map((f) => [f.rule, f.severity, f.msg])).toEqual([
        [
          "not-for-admins/evaluation",
          "error",
          "not evaluated: Kyverno could not evaluate the rule: failed to load context: no such key: groups",
        ],
      ]);
    });
  },
);
