// Kyverno conformance: Portcullis' own suite (test/fixtures/kyverno/conformance, written in the style
// of `kyverno test`: policies, resources, an exception, expected pass/fail/skip per rule) passes
// through the Kyverno engine, and the pinned `kyverno test` agrees on the same suite.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../../src/adapters/fs/policy-bundle.js";
import type { RawFinding } from "../../../src/core/findings.js";
import { loadKyverno } from "../../../src/engines/kyverno/index.js";
import { runKyvernoTests } from "../../../src/engines/kyverno/tests.js";
import { parseManifest } from "../../../src/yaml/index.js";
import { describeWithKyverno } from "../../support/kyverno.js";

const DIR = join(packageRoot(), "test", "fixtures", "kyverno", "conformance");
const read = (name: string) => readFileSync(join(DIR, name), "utf8");

interface Expectation {
  policy: string;
  rule?: string;
  kind: string;
  resources: string[];
  result: "pass" | "fail" | "skip";
}

const suite = parseYaml(read("kyverno-test.yaml")) as { results: Expectation[] };
const resources = parseManifest("resources.yaml", read("resources.yaml")).documents;
const keyOf = (kind: string, nsName: string) => `${kind}/${nsName}`;
const docKey = (v: unknown) => {
  const o = v as { kind: string; metadata: { name: string; namespace: string } };
  return keyOf(o.kind, `${o.metadata.namespace}/${o.metadata.name}`);
};

describeWithKyverno("Kyverno conformance suite", () => {
  let findings: Map<string, RawFinding[]>;

  beforeAll(async () => {
    const load = loadKyverno(
      [
        { path: "policies.yaml", text: read("policies.yaml") },
        { path: "exceptions.yaml", text: read("exceptions.yaml") },
      ],
      process.env,
    );
    expect(load.problems).toEqual([]);
    const results = await load.engines[0]!.evaluate(
      resources.map((d) => ({
        document: d.value,
        file: { path: "resources.yaml", partial: false },
      })),
    );
    findings = new Map();
    results.forEach((r, i) => {
      if (!r.ok) throw new Error(r.error);
      findings.set(docKey(resources[i]!.value), [...r.findings]);
    });
  });

  test("every expectation of the suite holds through Portcullis", () => {
    const expectedFails = new Set<string>();
    for (const e of suite.results)
      for (const nsName of e.resources) {
        const id = e.rule ? `${e.policy}/${e.rule}` : e.policy;
        const got = (findings.get(keyOf(e.kind, nsName)) ?? []).filter((f) => f.rule === id);
        if (e.result === "fail") expectedFails.add(`${keyOf(e.kind, nsName)} ${id}`);
        expect({ id, nsName, failed: got.length > 0 }).toEqual({
          id,
          nsName,
          failed: e.result === "fail",
        });
      }
    // Nothing beyond the suite: every finding is an expected failure.
    const all = [...findings].flatMap(([k, fs]) => fs.map((f) => `${k} ${f.rule}`));
    expect(new Set(all)).toEqual(expectedFails);
  });

  test("findings sit on the field Kyverno names, with Kyverno's message and the policy's action", () => {
    const bad = findings.get("Pod/apps/bad")!;
    const privileged = bad.find((f) => f.rule === "forbid-privileged/no-privileged")!;
    expect(privileged.path).toEqual(["spec", "containers", 1, "securityContext", "privileged"]);
    expect(privileged.msg).toBe(
      "validation error: containers must not run privileged. rule no-privileged failed at path /spec/containers/1/securityContext/privileged/",
    );
    expect(privileged.severity).toBe("error");
    expect(privileged.policy).toEqual({ file: "policies.yaml", line: 9 });
    // Audit is a warning; a rule's own failureAction (Enforce) wins over the policy's.
    const unowned = findings.get("ConfigMap/apps/unowned")!;
    expect(unowned.find((f) => f.rule === "owner-label/has-owner")).toMatchObject({
      severity: "warning",
      path: ["metadata", "labels"],
    });
    const personal = findings.get("ConfigMap/apps/personal")!;
    expect(personal.find((f) => f.rule === "owner-label/owner-is-team")).toMatchObject({
      severity: "error",
      msg: "owner must name a team (team-*), not alice",
      path: ["kind"],
    });
    // A ValidatingPolicy: its name is the rule id, Deny is an error, the link is the validation's line.
    expect(unowned.find((f) => f.rule === "small-configmaps")).toMatchObject({
      severity: "error",
      msg: "a ConfigMap holds at most two keys",
      policy: { file: "policies.yaml", line: expect.any(Number) as number },
    });
  });

  test("the pinned `kyverno test` runs the same suite and agrees with every expectation", async () => {
    const files = new Map(
      ["kyverno-test.yaml", "policies.yaml", "resources.yaml", "exceptions.yaml"].map((f) => [
        `suite/${f}`,
        read(f),
      ]),
    );
    const run = await runKyvernoTests(files);
    expect(run.problems).toEqual([]);
    const cases = suite.results.reduce((n, e) => n + e.resources.length, 0);
    expect(run.results).toHaveLength(cases);
    expect(run.results.filter((r) => !r.passed)).toEqual([]);
    expect(run.results[0]).toMatchObject({ file: "suite/kyverno-test.yaml", line: 16 });
  });

  test("`kyverno test` and Portcullis both see a wrong expectation as wrong", async () => {
    const wrong = read("kyverno-test.yaml").replace(
      "resources: [apps/web]\n    result: fail",
      "resources: [apps/web]\n    result: pass",
    );
    expect(wrong).not.toBe(read("kyverno-test.yaml"));
    const files = new Map([
      ["kyverno-test.yaml", wrong],
      ...["policies.yaml", "resources.yaml", "exceptions.yaml"].map((f): [string, string] => [
        f,
        read(f),
      ]),
    ]);
    const run = await runKyvernoTests(files);
    const failed = run.results.filter((r) => !r.passed);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ policy: "service-ports", rule: "named-or-high" });
    expect(failed[0]!.resource).toContain("web");
    // Portcullis says the same: that Service fails the rule.
    expect(findings.get("Service/apps/web")!.map((f) => f.rule)).toContain(
      "service-ports/named-or-high",
    );
  });
});
