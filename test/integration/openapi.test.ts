// The validator itself: it must accept GitHub-shaped bodies and reject wrong ones, or it proves nothing.
import { requestBodyErrors } from "../support/openapi.js";

describe("requestBodyErrors (GitHub's OpenAPI description)", () => {
  it("accepts a valid check-run update", () => {
    expect(
      requestBodyErrors("PATCH", "/repos/o/r/check-runs/1", {
        status: "completed",
        conclusion: "failure",
        output: {
          title: "t",
          summary: "s",
          annotations: [
            {
              path: "a.yaml",
              start_line: 1,
              end_line: 1,
              annotation_level: "failure",
              message: "m",
            },
          ],
        },
      }),
    ).toEqual([]);
  });

  it("rejects an unknown conclusion and a bad annotation level", () => {
    const errors = requestBodyErrors("PATCH", "/repos/o/r/check-runs/1", {
      conclusion: "passed",
      output: {
        title: "t",
        summary: "s",
        annotations: [
          { path: "a", start_line: 1, end_line: 1, annotation_level: "error", message: "m" },
        ],
      },
    });
    expect(errors.some((e) => e.includes("/conclusion"))).toBe(true);
    expect(errors.some((e) => e.includes("/output/annotations/0/annotation_level"))).toBe(true);
  });

  it("knows a route GitHub does not have", () => {
    expect(() => requestBodyErrors("POST", "/repos/o/r/no-such-thing", {})).toThrow(
      "GitHub's REST API has no POST",
    );
  });
});
