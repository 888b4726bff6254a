import { buildReviewOutput } from "../../src/review/review-output.js";
import type { ChangeReview } from "../../src/review/review-changes.js";
import { bundle, evaluate, testConfig } from "../support/engine.js";

const TEXT = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
    - name: a
      image: ghcr.io/acme/a:1.0.0
      securityContext:
        privileged: true
`;

async function review(overrides: Partial<ChangeReview> = {}): Promise<ChangeReview> {
  return {
    config: testConfig(),
    configErrors: [],
    headConfigErrors: [],
    configChanged: false,
    report: await evaluate({ "p.yaml": TEXT }),
    changedFiles: [
      {
        path: "p.yaml",
        status: "added",
        patch: `@@ -0,0 +1,9 @@\n${TEXT.trimEnd()
          .split("\n")
          .map((l) => `+${l}`)
          .join("\n")}`,
      },
    ],
    headTexts: new Map([["p.yaml", TEXT]]),
    complete: true,
    totalChanged: 1,
    policyModules: [],
    ...overrides,
  };
}

describe("buildReviewOutput", () => {
  it("offers Apply fixes when fix commits are enabled and something is fixable", async () => {
    const { check } = buildReviewOutput(await review(), bundle().rules, "h".repeat(40), {
      enabled: true,
    });
    expect(check.actions).toEqual([
      {
        label: "Apply fixes",
        description: "Commit every safe fix to this branch",
        identifier: "apply-fixes",
      },
    ]);
    expect(check.summary).toContain("**Apply fixes** above commits them all");
  });

  it("offers no button on a fork, and says why next to the suggestions", async () => {
    const { check } = buildReviewOutput(await review(), bundle().rules, "h".repeat(40), {
      enabled: false,
      reason: "the branch is in a fork",
    });
    expect(check.actions).toBeUndefined();
    expect(check.summary).toContain(
      "accept the suggestions on the changed lines (the branch is in a fork)",
    );
  });

  it("fails an incomplete review whatever the findings", async () => {
    const { check } = buildReviewOutput(
      await review({
        report: await evaluate({}),
        changedFiles: [],
        complete: false,
        totalChanged: 3500,
      }),
      bundle().rules,
      "h".repeat(40),
    );
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("Incomplete: 3500 files changed, too many to review");
  });
});
