// The impact comparison: per policy, what only the head's policies flag, what only the base's did,
// what the head's cannot evaluate; a reworded message is the same finding, not a new one.
import type { EvaluationReport } from "../../src/core/report.js";
import type { Finding } from "../../src/core/types.js";
import { compareReports, EVALUATION_ERRORS } from "../../src/review/policy-change.js";

const finding = (rule: string, name: string, message: string, line = 2): Finding => ({
  rule,
  severity: "error",
  message,
  file: `apps/${name}.yaml`,
  lines: { start: line, end: line },
  resource: { apiVersion: "apps/v1", kind: "Deployment", name },
  path: [],
  fingerprint: `${rule}/${name}`,
  status: { kind: "open" },
});
const report = (
  findings: Finding[],
  errors: EvaluationReport["errors"] = [],
): EvaluationReport => ({
  findings,
  skipped: [],
  errors,
  filesEvaluated: 1,
  documentsEvaluated: findings.length,
});

describe("compareReports", () => {
  it("reports newly flagged and no longer flagged findings per policy, sorted by rule", () => {
    const base = report([
      finding("b.deny", "web", "web is bad"),
      finding("a.deny", "api", "api is bad"),
    ]);
    const head = report([
      finding("b.deny", "web", "web is bad"),
      finding("b.deny", "one", "one is bad"),
    ]);
    expect(compareReports([base], [head])).toEqual([
      expect.objectContaining({
        rule: "a.deny",
        newlyFlagged: [],
        noLongerFlagged: [
          expect.objectContaining({ file: "apps/api.yaml", message: "api is bad" }),
        ],
      }),
      expect.objectContaining({
        rule: "b.deny",
        newlyFlagged: [expect.objectContaining({ file: "apps/one.yaml", line: 2 })],
        noLongerFlagged: [],
      }),
    ]);
  });

  it("takes a finding whose message the change rewords as the same finding", () => {
    const base = report([finding("main.deny", "web", "fewer than 2 replicas")]);
    const head = report([finding("main.deny", "web", "fewer than 3 replicas")]);
    expect(compareReports([base], [head])).toEqual([]);
  });

  it("counts a second finding at the same place as new", () => {
    const base = report([finding("main.deny", "web", "one")]);
    const head = report([finding("main.deny", "web", "one"), finding("main.deny", "web", "two")]);
    expect(compareReports([base], [head])[0]!.newlyFlagged).toEqual([
      expect.objectContaining({ message: "two" }),
    ]);
  });

  it("lists what the head cannot evaluate: 'not evaluated' findings and new evaluation errors", () => {
    const base = report([], [{ file: "apps/old.yaml", line: 1, message: "already broken" }]);
    const head = report(
      [finding("K8sRequired/owner", "web", "not evaluated: namespace shop not in repository")],
      [
        { file: "apps/old.yaml", line: 1, message: "already broken" },
        { file: "apps/web.yaml", line: 3, message: "policy stopped after 20 s" },
      ],
    );
    expect(compareReports([base], [head])).toEqual([
      expect.objectContaining({
        rule: EVALUATION_ERRORS,
        failsToEvaluate: [{ file: "apps/web.yaml", line: 3, message: "policy stopped after 20 s" }],
      }),
      expect.objectContaining({
        rule: "K8sRequired/owner",
        newlyFlagged: [],
        failsToEvaluate: [expect.objectContaining({ file: "apps/web.yaml" })],
      }),
    ]);
  });
});
