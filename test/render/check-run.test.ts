import type { ConfigError, FailLevel } from "../../src/config/config.js";
import type { Finding, SkippedFile } from "../../src/core/types.js";
import {
  annotationBatches,
  MAX_ANNOTATIONS,
  renderPolicyCheck,
  type PolicyCheckInput,
} from "../../src/render/check-run.js";
import { ruleHelpUri } from "../../src/render/links.js";
import type { EvaluationError } from "../../src/review/evaluate-files.js";
import { EXISTING, finding, rule, WAIVED } from "../support/findings.js";

const RULES = new Map([
  ["PCK001", rule("PCK001", "Privileged container")],
  ["PCK007", rule("PCK007", "Writable root filesystem", "warning")],
  ["PCK012", rule("PCK012", "Image tag is latest", "notice")],
]);

function input(overrides: Partial<PolicyCheckInput> = {}): PolicyCheckInput {
  return {
    findings: [],
    skipped: [],
    errors: [],
    failOn: "error",
    failOnExisting: false,
    rules: RULES,
    configErrors: [],
    headSha: "0123456789abcdef0123456789abcdef01234567",
    ...overrides,
  };
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const evaluationError: EvaluationError = {
  file: "apps/web/broken.yaml",
  line: 3,
  message: "policy engine aborted",
};

describe("renderPolicyCheck conclusion", () => {
  const cases: [string, Finding[], FailLevel, boolean, EvaluationError[], string][] = [
    ["no findings", [], "error", false, [], "success"],
    ["a new error at failOn error", [finding()], "error", false, [], "failure"],
    [
      "a new warning at failOn error",
      [finding({ severity: "warning" })],
      "error",
      false,
      [],
      "success",
    ],
    [
      "a new warning at failOn warning",
      [finding({ severity: "warning" })],
      "warning",
      false,
      [],
      "failure",
    ],
    [
      "a new notice at failOn warning",
      [finding({ severity: "notice" })],
      "warning",
      false,
      [],
      "success",
    ],
    ["a waived error", [finding({ status: WAIVED() })], "error", true, [], "success"],
    ["a pre-existing error", [finding({ status: EXISTING })], "error", false, [], "success"],
    [
      "a pre-existing error with failOnExisting",
      [finding({ status: EXISTING })],
      "error",
      true,
      [],
      "failure",
    ],
    [
      "a pre-existing notice with failOnExisting",
      [finding({ severity: "notice", status: EXISTING })],
      "error",
      true,
      [],
      "success",
    ],
    ["a new error at failOn never", [finding()], "never", true, [], "success"],
    ["an evaluation error, even at failOn never", [], "never", false, [evaluationError], "failure"],
  ];

  it.each(cases)("%s", (_name, findings, failOn, failOnExisting, errors, expected) => {
    expect(renderPolicyCheck(input({ findings, failOn, failOnExisting, errors })).conclusion).toBe(
      expected,
    );
  });

  it("shows errors of the pull request's own config without failing on them", () => {
    const configErrors: ConfigError[] = [
      { path: "rules.PCK0O1", message: 'unknown rule (did you mean "PCK001"?)', line: 4 },
    ];
    const check = renderPolicyCheck(input({ configErrors }));
    expect(check.conclusion).toBe("success");
    expect(check.summary).toContain("### Configuration errors in this pull request");
    expect(check.summary).toContain(
      '`rules.PCK0O1` line 4: unknown rule \\(did you mean "PCK001"?\\)',
    );
  });
});

describe("renderPolicyCheck title", () => {
  it("counts findings by severity, the new ones, and the waived ones", () => {
    const findings = [
      finding(),
      finding(),
      finding({ status: EXISTING }),
      finding({ rule: "PCK007", severity: "warning", status: EXISTING }),
      finding({ rule: "PCK007", severity: "warning", status: WAIVED() }),
    ];
    expect(renderPolicyCheck(input({ findings })).title).toBe(
      "3 errors, 1 warning (2 new) · 1 waived",
    );
  });

  it("says when there is nothing, and when documents were not evaluated", () => {
    expect(renderPolicyCheck(input()).title).toBe("No findings");
    expect(renderPolicyCheck(input({ errors: [evaluationError, evaluationError] })).title).toBe(
      "No findings · 2 documents not evaluated",
    );
  });
});

describe("renderPolicyCheck summary", () => {
  const waivedUntil = WAIVED({
    reason: "vendor image writes to /var/lib; SEC-142",
    expires: "2027-03-31",
    source: "annotation",
    line: 5,
  });
  const findings = [
    finding({ rule: "PCK012", severity: "notice" }),
    finding(),
    finding({ status: EXISTING }),
    finding({
      rule: "PCK007",
      severity: "warning",
      status: waivedUntil,
      lines: { start: 20, end: 22 },
    }),
  ];
  const skipped: SkippedFile[] = [
    {
      file: "charts/web/templates/deploy.yaml",
      reason: "Helm chart template: only its rendered output is a manifest",
    },
  ];
  const check = renderPolicyCheck(input({ findings, skipped, errors: [evaluationError] }));

  it("tells the verdict, the fail level and the commit", () => {
    expect(check.summary).toMatch(/^## ❌ Policy check failed\n/);
    expect(check.summary).toContain("Fails on new findings at **error** and above.");
    expect(check.summary).toContain("Commit `0123456789ab`.");
    expect(check.summary).toContain("- **1** finding fails the check");
    expect(check.summary).toContain("- **1** document could not be evaluated");
  });

  it("has a table by rule, linked to the rule page, most severe first", () => {
    const rows = check.summary.split("\n").filter((l) => l.startsWith("| ["));
    expect(rows).toEqual([
      `| [PCK001](${ruleHelpUri("PCK001")}) | Privileged container | error | 1 | 1 | 0 |`,
      `| [PCK007](${ruleHelpUri("PCK007")}) | Writable root filesystem | warning | 0 | 0 | 1 |`,
      `| [PCK012](${ruleHelpUri("PCK012")}) | Image tag is latest | notice | 1 | 0 | 0 |`,
    ]);
  });

  it("lists waived findings with the reason and the expiry", () => {
    expect(check.summary).toContain("### Waived findings");
    expect(check.summary).toContain(
      `- [PCK007](${ruleHelpUri("PCK007")}) apps/web/deployment.yaml line 20: container web is privileged. Waived by annotation on line 5: vendor image writes to /var/lib; SEC-142 (until 2027-03-31)`,
    );
  });

  it("lists files not evaluated and why, evaluation errors first", () => {
    const section = check.summary.slice(check.summary.indexOf("### Files not evaluated"));
    expect(section).toContain(
      "- apps/web/broken.yaml line 3: could not evaluate: policy engine aborted",
    );
    expect(section).toContain(
      "- charts/web/templates/deploy.yaml: skipped: Helm chart template: only its rendered output is a manifest",
    );
    expect(section.indexOf("broken.yaml")).toBeLessThan(section.indexOf("charts/web"));
  });

  it("passes with nothing at the fail level and says what fails it", () => {
    const ok = renderPolicyCheck(input({ findings: [finding({ severity: "warning" })] }));
    expect(ok.summary).toMatch(/^## ✅ Policy check passed\n/);
    expect(ok.summary).not.toContain("fails the check");
    const never = renderPolicyCheck(input({ failOn: "never" }));
    expect(never.summary).toContain("Report only (`failOn: never`)");
  });

  it("escapes attacker-controlled messages, paths, reasons and rule ids", () => {
    const evil = [
      finding({
        rule: "PCK999 | x](https://evil)",
        message:
          "image `x` <script>alert(1)</script> @acme/admins fixes #12 | [click](https://evil)",
        file: "apps/@octocat|x.yaml",
        status: WAIVED({ reason: "@here see #1 <b>bold</b> ```" }),
      }),
    ];
    const summary = renderPolicyCheck(
      input({ findings: evil, skipped: [{ file: "a/`b`.yaml", reason: "<img src=x>" }] }),
    ).summary;
    expect(summary).not.toMatch(/@[A-Za-z]/);
    expect(summary).not.toMatch(/#[0-9]/);
    expect(summary).not.toMatch(/<(script|b|img)/);
    // No backtick but the commit's code span is left unescaped.
    expect(summary.replace(/Commit `[0-9a-f]+`\./, "")).not.toMatch(/(^|[^\\])`/);
    expect(summary).not.toContain("](https://evil)");
    // Every table row keeps its seven cell borders.
    for (const row of summary.split("\n").filter((l) => l.startsWith("| ")))
      expect(row.replace(/\\\|/g, "").split("|").length - 1).toBe(7);
  });

  it("stays within 65,535 bytes with 5,000 findings and says how many rows are not shown", () => {
    const many = Array.from({ length: 5_000 }, (_, i) =>
      finding({
        rule: `PCX${String(i).padStart(4, "0")}`,
        file: `apps/team-${i}/deployment.yaml`,
        status:
          i % 2 === 0 ? { kind: "open" } : WAIVED({ reason: `ticket SEC-${i}: vendor image` }),
      }),
    );
    const manySkipped = Array.from({ length: 3_000 }, (_, i) => ({
      file: `charts/c${i}/templates/x.yaml`,
      reason: "Helm chart template",
    }));
    const big = renderPolicyCheck(input({ findings: many, skipped: manySkipped }));
    expect(bytes(big.summary)).toBeLessThanOrEqual(65_535);
    const shownRules = big.summary.split("\n").filter((l) => /^\| \[?PCX/.test(l)).length;
    expect(shownRules).toBeGreaterThan(0);
    expect(big.summary).toContain(
      `_… ${5_000 - shownRules} more rules not shown: run \`portcullis review\` locally to see them all._`,
    );
    // Later sections are cut, never dropped.
    expect(big.summary).toContain("### Files not evaluated");
    expect(big.summary).toMatch(
      /_… \d+ more files not shown: run `portcullis review` locally to see them all\._/,
    );
    expect(big.summary).toContain("### Waived findings");
    expect(big.summary).toMatch(
      /_… \d+ more waived findings not shown: run `portcullis review` locally to see them all\._/,
    );
    expect(big.text).toBeDefined();
    expect(bytes(big.text!)).toBeLessThanOrEqual(65_535);
    const shownFindings = big.text!.split("\n").filter((l) => l.startsWith("| apps/")).length;
    expect(big.text).toContain(
      `_… ${5_000 - shownFindings} more findings not shown: run \`portcullis review\` locally to see them all._`,
    );
  });

  it("counts UTF-8 bytes, not characters, with multi-byte text", () => {
    const wide = Array.from({ length: 5_000 }, (_, i) =>
      finding({
        rule: `PCÉ${i}`,
        message: `conteneur « web » privilégié 😀 ${"€".repeat(50)}`,
        status: WAIVED({ reason: `raison 理由 ${"é".repeat(100)} ${i}` }),
      }),
    );
    const check = renderPolicyCheck(input({ findings: wide }));
    expect(check.summary.length).toBeLessThan(bytes(check.summary));
    expect(bytes(check.summary)).toBeLessThanOrEqual(65_535);
    expect(bytes(check.summary)).toBeGreaterThan(60_000);
    expect(check.summary).not.toContain("\ufffd");
    expect(bytes(check.text!)).toBeLessThanOrEqual(65_535);
  });
});

describe("renderPolicyCheck details", () => {
  it("lists every finding in the text, new ones first", () => {
    const check = renderPolicyCheck(
      input({
        findings: [
          finding({ status: WAIVED() }),
          finding({ rule: "PCK012", severity: "notice" }),
          finding({ status: EXISTING, lines: { start: 3, end: 3 } }),
        ],
      }),
    );
    const rows = check.text!.split("\n").filter((l) => l.startsWith("| apps/"));
    expect(rows.map((r) => r.split(" | ")[4])).toEqual(["new", "pre-existing", "waived"]);
  });

  it("has no text when there is no finding", () => {
    expect(renderPolicyCheck(input()).text).toBeUndefined();
  });
});

describe("renderPolicyCheck annotations", () => {
  it("maps severities to levels and links the rule page", () => {
    const check = renderPolicyCheck(
      input({
        findings: [
          finding({ lines: { start: 14, end: 16 } }),
          finding({ rule: "PCK007", severity: "warning" }),
          finding({ rule: "PCK012", severity: "notice", note: "waiver expired on 2024-01-01" }),
        ],
      }),
    );
    expect(check.annotations).toEqual([
      {
        path: "apps/web/deployment.yaml",
        start_line: 14,
        end_line: 16,
        annotation_level: "failure",
        message: `container web is privileged\n${ruleHelpUri("PCK001")}`,
        title: "PCK001: Privileged container",
        raw_details: expect.stringContaining("Resource: Deployment prod/web"),
      },
      expect.objectContaining({
        annotation_level: "warning",
        title: "PCK007: Writable root filesystem",
      }),
      expect.objectContaining({
        annotation_level: "notice",
        message: `container web is privileged (waiver expired on 2024-01-01)\n${ruleHelpUri("PCK012")}`,
      }),
    ]);
    expect(check.annotations[0]!.raw_details).toContain(
      "Field: spec.template.spec.containers.0.securityContext.privileged",
    );
  });

  it("makes waived and pre-existing findings notices with the reason", () => {
    const check = renderPolicyCheck(
      input({
        findings: [
          finding({ status: WAIVED({ expires: "2027-03-31" }) }),
          finding({ status: EXISTING }),
        ],
      }),
    );
    const [existing, waived] = check.annotations;
    expect(existing).toMatchObject({
      annotation_level: "notice",
      title: "PCK001: Privileged container (pre-existing)",
    });
    expect(existing!.message).toMatch(/^Pre-existing: also found on the base branch\. /);
    expect(waived).toMatchObject({
      annotation_level: "notice",
      title: "PCK001: Privileged container (waived)",
    });
    expect(waived!.message).toBe(
      `Waived by comment on line 14: node-local DNS cache needs the host network (until 2027-03-31). container web is privileged\n${ruleHelpUri("PCK001")}`,
    );
  });

  it("annotates documents that could not be evaluated, first", () => {
    const check = renderPolicyCheck(input({ findings: [finding()], errors: [evaluationError] }));
    expect(check.annotations[0]).toEqual({
      path: "apps/web/broken.yaml",
      start_line: 3,
      end_line: 3,
      annotation_level: "failure",
      message: "The policies could not evaluate this document: policy engine aborted",
      title: "Portcullis: document not evaluated",
    });
  });

  it("keeps message and raw_details within 64 KB, the rule link and a valid line range", () => {
    const huge = finding({
      message: `image ${"é".repeat(100_000)}`,
      fingerprint: "x".repeat(70_000),
      rule: "PCK001",
      lines: { start: 0, end: -3 },
    });
    const [a] = renderPolicyCheck(input({ findings: [huge] })).annotations;
    expect(bytes(a!.message)).toBeLessThanOrEqual(65_535);
    expect(a!.message.endsWith(`… (cut)\n${ruleHelpUri("PCK001")}`)).toBe(true);
    expect(bytes(a!.raw_details!)).toBeLessThanOrEqual(65_535);
    expect(a).toMatchObject({ start_line: 1, end_line: 1 });
  });

  it("keeps a title within 255 bytes", () => {
    const [a] = renderPolicyCheck(
      input({ findings: [finding({ rule: "R".repeat(400), status: WAIVED() })] }),
    ).annotations;
    expect(bytes(a!.title)).toBeLessThanOrEqual(255);
    expect(a!.title.endsWith("… (waived)")).toBe(true);
  });

  it(`keeps at most ${MAX_ANNOTATIONS} annotations, the most severe, and counts the rest in the summary`, () => {
    const findings = [
      ...Array.from({ length: 550 }, () => finding({ severity: "notice", rule: "PCK012" })),
      ...Array.from({ length: 50 }, () => finding()),
    ];
    const check = renderPolicyCheck(input({ findings }));
    expect(check.annotations).toHaveLength(500);
    expect(check.annotations.slice(0, 50).every((a) => a.annotation_level === "failure")).toBe(
      true,
    );
    expect(check.summary).toContain(
      "100 more findings have no annotation (at most 500 per check run); the details list every finding.",
    );
  });
});

describe("annotationBatches", () => {
  it("splits into requests of at most 50", () => {
    const items = Array.from({ length: 120 }, (_, i) => i);
    expect(annotationBatches(items, 50).map((b) => b.length)).toEqual([50, 50, 20]);
    expect(annotationBatches(items).flat()).toEqual(items);
    expect(annotationBatches([], 50)).toEqual([]);
  });

  it("refuses a batch size below one", () => {
    expect(() => annotationBatches([1], 0)).toThrow(RangeError);
  });
});

describe("renderPolicyCheck links of repository policies", () => {
  const BLOB = "https://github.com/acme/fleet/blob/0123456789abcdef0123456789abcdef01234567/";
  const gatekeeper = finding({
    rule: "must-have-owner",
    policy: { file: "policies/owner.yaml", line: 7 },
  });
  const conftest = finding({ rule: "deny-latest", lines: { start: 9, end: 9 } });

  it("links the constraint in the rule table, the details and the annotation", () => {
    const check = renderPolicyCheck(input({ findings: [gatekeeper], policyBlobUrl: BLOB }));
    const link = `[must-have-owner](${BLOB}policies/owner.yaml#L7)`;
    expect(check.summary).toContain(link);
    expect(check.text).toContain(link);
    expect(check.annotations[0]!.message).toContain(`${BLOB}policies/owner.yaml#L7`);
    expect(check.summary).not.toContain("docs/rules/must-have-owner");
  });

  it("gives a rule with neither a catalogue page nor a known policy no link at all", () => {
    const check = renderPolicyCheck(input({ findings: [conftest] }));
    expect(check.summary).toContain("| deny-latest |");
    expect(`${check.summary}${check.text}`).not.toContain("docs/rules/deny-latest");
    expect(check.annotations[0]!.message).not.toContain("https://");
  });
});
