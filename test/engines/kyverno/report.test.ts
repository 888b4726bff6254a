// Reading Kyverno's report as it arrives, and mapping it to documents: no kyverno needed.
import { batches, failedPath, findingOf } from "../../../src/engines/kyverno/evaluate.js";
import {
  NO_NAMESPACE_SUFFIX,
  unknownNamespaceCopy,
} from "../../../src/engines/kyverno/namespaces.js";
import { readKyvernoDocuments } from "../../../src/engines/kyverno/policies.js";
import { ReportStream } from "../../../src/engines/kyverno/report-stream.js";
import { DISALLOW_PRIVILEGED } from "./fixtures.js";

const result = (name: string, outcome = "fail") => ({
  policy: "p",
  rule: "r",
  result: outcome,
  resources: [{ apiVersion: "v1", kind: "Pod", namespace: "default", name }],
  message: `m {"x": "[}"} ${name}`,
});
const report = (
  results: unknown[],
  summary = { pass: 0, fail: results.length, warn: 0, error: 0, skip: 0 },
) =>
  JSON.stringify({
    kind: "ClusterReport",
    apiVersion: "openreports.io/v1alpha1",
    metadata: { name: "merged" },
    summary,
    results,
  });

function read(chunks: string[]) {
  const seen: unknown[] = [];
  const stream = new ReportStream((r) => seen.push(r));
  for (const c of chunks) stream.push(c);
  return { seen, end: stream.end() };
}

describe("ReportStream", () => {
  const whole = `Warning: policies.yaml: deprecated\n\nMutation:\nMutation has been applied successfully.${report([result("a"), result("b")])}\n`;

  it("hands over each result once complete, after the warnings, whatever the chunking", () => {
    const once = read([whole]);
    expect(once.end).toBeUndefined();
    expect(once.seen).toEqual([result("a"), result("b")]);
    expect(read(whole.split(""))).toEqual(once);
  });

  it("reads every report: the ClusterReport and, after `---`, a PolicyReport per namespace (namespaced Policy)", () => {
    const namespaced = report([result("b")]).replace('"ClusterReport"', '"PolicyReport"');
    const both = read([`Warning: x\n${report([result("a")])}\n---\n${namespaced}\n`]);
    expect(both.end).toBeUndefined();
    expect(both.seen).toEqual([result("a"), result("b")]);
    // only namespaced policies: a PolicyReport alone, never taken for no report (exit 0 or not)
    const alone = new ReportStream(() => undefined);
    const seen: unknown[] = [];
    const only = new ReportStream((r) => seen.push(r));
    only.push(`Warning: x\n${namespaced}\n---\n${namespaced}`);
    expect(only.end(true)).toBeUndefined();
    expect(seen).toEqual([result("b"), result("b")]);
    alone.push(`${namespaced}\n---\n${namespaced.slice(0, 50)}`);
    expect(alone.end(true)).toBe("kyverno's report was cut off");
    const miscounted = report([result("a")], { pass: 0, fail: 2, warn: 0, error: 0, skip: 0 });
    expect(read([`${report([])}\n---\n${miscounted}`]).end).toBe(
      "kyverno's report lists 1 results but counts 2",
    );
  });

  it("refuses a namespaced Policy without metadata.namespace: the namespace it judges is unknown", () => {
    const text = DISALLOW_PRIVILEGED.replace("kind: ClusterPolicy", "kind: Policy");
    const read_ = readKyvernoDocuments([{ path: "p.yaml", text }]);
    expect(read_.policies).toEqual([]);
    expect(read_.problems).toEqual([
      expect.objectContaining({
        file: "p.yaml",
        message: expect.stringContaining("has no metadata.namespace") as unknown,
      }),
    ]);
    const placed = text.replace(/^( {2}name: .*)$/m, "$1\n  namespace: prod");
    expect(readKyvernoDocuments([{ path: "p.yaml", text: placed }]).policies).toHaveLength(1);
  });

  it("never takes a cut, miscounted or trailing report for fewer failures", () => {
    expect(read([whole.slice(0, whole.length - 40)]).end).toBe("kyverno's report was cut off");
    expect(
      read([report([result("a")], { pass: 0, fail: 2, warn: 0, error: 0, skip: 0 })]).end,
    ).toBe("kyverno's report lists 1 results but counts 2");
    expect(read([`${report([])}\n{"kind":"ClusterReport"}`]).end).toBe(
      "kyverno printed more after its report",
    );
    // Kyverno prints no report when nothing matched, and exits 0: zero results, not a failure.
    const quiet = new ReportStream(() => undefined);
    quiet.push("Warning: policies.yaml: deprecated\n");
    expect(quiet.end(true)).toBeUndefined();
    expect(quiet.end(false)).toBe("kyverno printed no report: Warning: policies.yaml: deprecated");
    expect(read(["Error: policies.yaml: invalid\n"]).end).toBe(
      "kyverno printed no report: Error: policies.yaml: invalid",
    );
  });
});

describe("mapping results to documents", () => {
  const obj = (name: string, namespace?: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...(namespace ? { namespace } : {}) },
  });

  it("puts documents naming the same resource in separate runs (no namespace is `default`)", () => {
    const rs = [obj("a"), obj("a", "default"), obj("b"), obj("a", "x")].map((object, input) => ({
      input,
      object,
    }));
    expect(batches(rs).map((g) => g.map((r) => r.input))).toEqual([[0, 2, 3], [1]]);
    expect(batches(rs, 2).map((g) => g.map((r) => r.input))).toEqual([
      [0, 2],
      [1, 3],
    ]);
  });

  it("reads Kyverno's failed path, array indexes as numbers", () => {
    expect(
      failedPath("rule r failed at path /spec/containers/10/securityContext/privileged/"),
    ).toEqual(["spec", "containers", 10, "securityContext", "privileged"]);
    expect(failedPath("no latest")).toBeUndefined();
  });

  it("weighs a failure by the failure-action override of the resource's namespace, as admission does", () => {
    const audit = DISALLOW_PRIVILEGED.replace(
      "validationFailureAction: Enforce",
      [
        "validationFailureAction: Audit",
        "  validationFailureActionOverrides:",
        "    - action: Enforce",
        '      namespaces: ["prod-*"]',
        "    - action: Enforce",
        "      namespaceSelector: {matchLabels: {tier: critical}}",
      ].join("\n"),
    );
    const byName = (text: string) =>
      new Map(readKyvernoDocuments([{ path: "p.yaml", text }]).policies.map((p) => [p.name, p]));
    const failIn = (namespace: string) => ({
      policy: "disallow-privileged-containers",
      rule: "privileged-containers",
      result: "fail",
      resources: [{ apiVersion: "v1", kind: "Pod", namespace, name: "p" }],
      message: "validation error: no",
    });
    const weigh = (text: string, ns: string) => findingOf(byName(text), failIn(ns))?.severity;
    // the namespaces listed: Enforce; a selector whose labels are unknown: Enforce (fail closed)
    expect(weigh(audit, "prod-eu")).toBe("error");
    expect(weigh(audit, "dev")).toBe("error");
    const listedOnly = audit.replace(/\n {4}- action: Enforce\n {6}namespaceSelector.*/, "");
    expect(weigh(listedOnly, "dev")).toBe("warning");
    expect(weigh(listedOnly, "prod-eu")).toBe("error");
    // a rule's own overrides win over the policy's; the first override that matches decides
    const ruleLevel = listedOnly.replace(
      'message: "Privileged mode is not allowed."',
      'message: "Privileged mode is not allowed."\n        failureActionOverrides:\n          - action: Audit\n            namespaces: [prod-eu]',
    );
    expect(weigh(ruleLevel, "prod-eu")).toBe("warning");
    expect(weigh(ruleLevel, "prod-us")).toBe("warning");
  });

  it("judges a rule that matches UPDATE requests only: a change to a resource is one at admission", () => {
    const text = DISALLOW_PRIVILEGED.replace(
      "kinds: [Pod]",
      "kinds: [Pod]\n              operations: [UPDATE]",
    ).replace(
      "      validate:",
      [
        "      exclude:",
        "        any:",
        "          - resources:",
        "              operations: [CREATE]",
        "          - resources:",
        "              namespaces: [kube-system]",
        "      validate:",
      ].join("\n"),
    );
    const [policy] = readKyvernoDocuments([{ path: "p.yaml", text }]).policies;
    const rule = (policy!.document.spec as { rules: Record<string, unknown>[] }).rules[0]!;
    // Kyverno's CLI reviews each resource as CREATE: the UPDATE rule must apply to it...
    expect(rule.match).toEqual({
      any: [{ resources: { kinds: ["Pod"], operations: ["UPDATE", "CREATE"] } }],
    });
    // ...and an exclusion of CREATE requests alone must not take it away
    expect(rule.exclude).toEqual({ any: [{ resources: { namespaces: ["kube-system"] } }] });
  });

  it("a marker copy never excludes by the namespaces it cannot decide (it would exclude them all)", () => {
    const text = DISALLOW_PRIVILEGED.replace(
      "kinds: [Pod]",
      "kinds: [Pod]\n              namespaceSelector: {matchLabels: {env: prod}}",
    ).replace(
      "      validate:",
      "      exclude:\n        any:\n          - resources: {namespaces: [kube-system]}\n          - resources: {names: [debug-*]}\n      validate:",
    );
    const [policy] = readKyvernoDocuments([{ path: "p.yaml", text }]).policies;
    const rules = (copy: Record<string, unknown> | undefined) =>
      (copy!.spec as { rules: Record<string, unknown>[] }).rules;
    const selector = rules(unknownNamespaceCopy(policy!))[0]!;
    expect(selector.match).toEqual({ any: [{ resources: { kinds: ["Pod"] } }] });
    // the namespace list is known: kept for a resource in a namespace the repository does not define
    expect(selector.exclude).toEqual({
      any: [{ resources: { namespaces: ["kube-system"] } }, { resources: { names: ["debug-*"] } }],
    });
    const none = rules(unknownNamespaceCopy(policy!, NO_NAMESPACE_SUFFIX))[0]!;
    expect(none.exclude).toEqual({ any: [{ resources: { names: ["debug-*"] } }] });
  });

  it("names the written rule of an autogen result and links its line; an error is not evaluated", () => {
    const { policies } = readKyvernoDocuments([{ path: "k/p.yaml", text: DISALLOW_PRIVILEGED }]);
    const byName = new Map(policies.map((p) => [p.name, p]));
    const autogen = {
      policy: "disallow-privileged-containers",
      rule: "autogen-cronjob-privileged-containers",
      result: "error",
      message: "variable substitution failed",
    };
    expect(findingOf(byName, autogen)).toEqual({
      rule: "disallow-privileged-containers/privileged-containers",
      msg: "not evaluated: Kyverno could not evaluate the rule: variable substitution failed",
      path: ["kind"],
      severity: "error",
      policy: { file: "k/p.yaml", line: 9 },
    });
    expect(findingOf(byName, { ...autogen, result: "pass" })).toBeUndefined();
    expect(findingOf(byName, { ...autogen, result: "skip" })).toBeUndefined();
  });
});
