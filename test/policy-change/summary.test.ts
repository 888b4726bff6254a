// The policy-change parts of the summary stay within their own byte budgets, whatever the number
// of failing tests or changed findings, and say how many were left out and where to see them.
import type { PolicyChangeReport } from "../../src/core/policy-change.js";
import { utf8Length } from "../../src/render/markdown.js";
import {
  POLICY_IMPACT_BUDGET,
  POLICY_TESTS_BUDGET,
  policyTestAnnotations,
  renderPolicyChange,
} from "../../src/render/policy-change.js";

const many = (n: number) => Array.from({ length: n }, (_, i) => i);

const report: PolicyChangeReport = {
  changedPolicyFiles: ["policy/main.rego"],
  tests: {
    results: many(3000).map((i) => ({
      engine: "conftest",
      file: "policy/main_test.rego",
      line: i + 1,
      name: `data.main.test_${i}`,
      outcome: "fail" as const,
      message: "x".repeat(400),
    })),
    problems: [],
  },
  impact: {
    entries: many(400).map((p) => ({
      rule: `main.rule_${p}`,
      newlyFlagged: many(30).map((i) => ({
        file: `apps/${i}.yaml`,
        line: 2,
        message: "m".repeat(200),
      })),
      noLongerFlagged: [],
      failsToEvaluate: [],
    })),
    filesEvaluated: 1000,
    documentsEvaluated: 1000,
    problems: [],
  },
  headBlobUrl: "https://github.com/acme/fleet/blob/" + "a".repeat(40) + "/",
};

describe("the policy-change summary", () => {
  it("fits the tests and the impact in their budgets and says what it left out", () => {
    const text = renderPolicyChange(report);
    expect(utf8Length(text)).toBeLessThanOrEqual(POLICY_TESTS_BUDGET + POLICY_IMPACT_BUDGET + 2);
    expect(text).toContain("### ❌ The policies' own tests fail at the head");
    expect(text).toMatch(
      /_… \d+ more failing tests not shown: run `portcullis review` locally to see them all\._/,
    );
    expect(text).toContain("### Impact of the policy change");
    expect(text).toMatch(/_… \d+ more lines not shown/);
    // Per policy, 10 items, then a count.
    expect(text).toContain(
      "  - _… 20 more newly flagged: run `portcullis review` locally to see them all._",
    );
  });

  it("annotates at most the room left, within GitHub's field limits", () => {
    const annotations = policyTestAnnotations(report.tests, 50);
    expect(annotations).toHaveLength(50);
    expect(annotations[0]).toMatchObject({
      path: "policy/main_test.rego",
      start_line: 1,
      annotation_level: "failure",
    });
  });
});
