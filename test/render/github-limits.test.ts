// GitHub's limits: the fitter cuts at a line and says what it left out; every field of a check
// fitted by fitCheck passes the rules the loopback stand-in enforces as GitHub does (422).
import { fitCheck, type PolicyCheck } from "../../src/render/check-run.js";
import {
  fitSections,
  fitText,
  GITHUB_LIMITS,
  SEE_ALL_LOCALLY,
} from "../../src/render/github-limits.js";
import { githubRefusals } from "../support/github-stand-in.js";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

describe("fitText", () => {
  it("keeps a text that fits as it is", () => {
    expect(fitText("a\nb", 3)).toBe("a\nb");
  });

  it("cuts at a line and counts the lines left out, within the limit", () => {
    const lines = Array.from({ length: 5_000 }, (_, i) => `| path/${i} | ✅ ünïcödé |`);
    const out = fitText(lines.join("\n"), 10_000);
    expect(bytes(out)).toBeLessThanOrEqual(10_000);
    const kept = out.split("\n").filter((l) => l.startsWith("| path/"));
    expect(kept).toEqual(lines.slice(0, kept.length));
    expect(out).toContain(
      `_… ${5_000 - kept.length} more lines cut at GitHub's size limit: ${SEE_ALL_LOCALLY}._`,
    );
  });

  it("cuts one enormous line by characters, never inside one", () => {
    const out = fitText("é".repeat(50_000), 1_001);
    expect(bytes(out)).toBeLessThanOrEqual(1_001);
    expect(out.endsWith("…")).toBe(true);
  });
});

describe("fitSections", () => {
  it("says what the rows left out are and where to see them", () => {
    const out = fitSections(
      ["## head"],
      [
        {
          head: ["| File | Status |", "| --- | --- |"],
          items: Array.from({ length: 1_000 }, (_, i) => `| f${i} | ok |`),
          noun: "file",
          seeAll: "see the Files tab",
          hidden: (from) => `${1_000 - from} approved`,
        },
      ],
      2_000,
    );
    expect(bytes(out)).toBeLessThanOrEqual(2_000);
    const shown = out.split("\n").filter((l) => l.startsWith("| f")).length;
    expect(out).toContain(
      `_… ${1_000 - shown} more files not shown (${1_000 - shown} approved): see the Files tab._`,
    );
  });
});

describe("fitCheck", () => {
  it("fits every field GitHub limits, so the stand-in (as GitHub) refuses nothing", () => {
    const huge = "x".repeat(200_000);
    const hostile: PolicyCheck = {
      conclusion: "failure",
      title: `${huge}\nsecond line`,
      summary: Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join("\n"),
      text: huge,
      annotations: Array.from({ length: 50 }, () => ({
        path: "a.yaml",
        start_line: 0,
        end_line: -3,
        annotation_level: "failure" as const,
        message: huge,
        title: huge,
        raw_details: huge,
      })),
      actions: Array.from({ length: 5 }, (_, i) => ({
        label: `label that is far too long ${i}`,
        description: "a description well beyond forty characters in length",
        identifier: `identifier-far-too-long-${i}`,
      })),
    };
    const fitted = fitCheck(hostile);
    expect(
      githubRefusals("POST", "/repos/o/r/check-runs", {
        output: hostile,
        actions: hostile.actions,
      }),
    ).not.toEqual([]);
    expect(
      githubRefusals("POST", "/repos/o/r/check-runs", { output: fitted, actions: fitted.actions }),
    ).toEqual([]);
    expect(bytes(fitted.title)).toBeLessThanOrEqual(GITHUB_LIMITS.checkTitle);
    expect(fitted.title).not.toContain("\n");
    expect(fitted.actions).toHaveLength(3);
    expect(fitted.summary).toMatch(/more lines cut at GitHub's size limit/);
  });
});
