import { parsePatch, type Hunk } from "../../src/core/diff.js";
import { ruleHelpUri } from "../../src/render/links.js";
import { ZWJ } from "../../src/render/markdown.js";
import {
  fingerprintOfComment,
  renderReviewComments,
  type Suggestion,
} from "../../src/render/review-comments.js";
import { EXISTING, finding, rule, WAIVED } from "../support/findings.js";

const FILE = "apps/web/deployment.yaml";

// Lines 10-17 and 30-33 of the new file are in the diff; 13-15 and 31 were added.
const PATCH = [
  "@@ -10,6 +10,8 @@ spec:",
  "     spec:",
  "       containers:",
  "         - name: web",
  "-          image: nginx:1.25",
  "+          image: nginx:1.27",
  "+          securityContext:",
  "+            privileged: true",
  "           ports:",
  "             - containerPort: 80",
  "@@ -28,3 +30,4 @@ spec:",
  "       volumes:",
  "+        - name: tmp",
  "         - name: cache",
  "           emptyDir: {}",
].join("\n");

const patches = new Map<string, Hunk[]>([
  [FILE, parsePatch(PATCH)],
  ["apps/big/deployment.yaml", parsePatch(undefined)],
]);

describe("renderReviewComments anchoring", () => {
  it.each([
    ["a line inside a hunk", { start: 15, end: 15 }, { line: 15 }],
    ["a range inside one hunk", { start: 13, end: 15 }, { start_line: 13, line: 15 }],
    ["a range across two hunks: its first line only", { start: 16, end: 31 }, { line: 16 }],
    ["a range ending past its hunk: its first line only", { start: 17, end: 20 }, { line: 17 }],
    ["a context line of the hunk", { start: 10, end: 10 }, { line: 10 }],
  ])("comments on %s", (_name, lines, anchor) => {
    const { comments } = renderReviewComments([finding({ file: FILE, lines })], patches, {
      max: 30,
    });
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ path: FILE, side: "RIGHT", ...anchor });
    if ("start_line" in anchor) expect(comments[0]!.start_side).toBe("RIGHT");
    else {
      expect(comments[0]!.start_line).toBeUndefined();
      expect(comments[0]!.start_side).toBeUndefined();
    }
  });

  it.each([
    ["a line outside every hunk", FILE, { start: 20, end: 20 }],
    ["a range starting before its hunk", FILE, { start: 8, end: 12 }],
    ["a file whose patch GitHub omitted", "apps/big/deployment.yaml", { start: 1, end: 1 }],
    ["a file not in the pull request", "apps/other.yaml", { start: 1, end: 1 }],
  ])("leaves out %s and counts it", (_name, file, lines) => {
    const out = renderReviewComments([finding({ file, lines })], patches, { max: 30 });
    expect(out).toEqual({ comments: [], omitted: 0, outsideDiff: 1 });
  });

  it("comments only on open findings", () => {
    const out = renderReviewComments(
      [finding({ status: WAIVED() }), finding({ status: EXISTING }), finding()],
      patches,
      { max: 30 },
    );
    expect(out.comments).toHaveLength(1);
    expect(out.outsideDiff).toBe(0);
  });

  it("keeps at most max comments, most severe first, and counts the rest", () => {
    const findings = [
      finding({ severity: "notice", lines: { start: 10, end: 10 } }),
      finding({ severity: "warning", lines: { start: 11, end: 11 } }),
      finding({ severity: "error", lines: { start: 12, end: 12 } }),
      finding({ severity: "error", lines: { start: 99, end: 99 } }),
    ];
    const out = renderReviewComments(findings, patches, { max: 2 });
    expect(out.comments.map((c) => c.line)).toEqual([12, 11]);
    expect(out.omitted).toBe(1);
    expect(out.outsideDiff).toBe(1);
    expect(renderReviewComments(findings, patches, { max: 0 }).omitted).toBe(3);
  });

  it("writes one comment per fingerprint", () => {
    const twice = finding({ fingerprint: "same" });
    expect(renderReviewComments([twice, twice], patches, { max: 30 }).comments).toHaveLength(1);
  });
});

describe("renderReviewComments body", () => {
  it("has the escaped message, the rule link and a hidden fingerprint marker", () => {
    const f = finding({
      message: "image `evil` @acme/admins <img src=x> fixes #9",
      fingerprint: "9f2c4e",
      note: "waiver expired on 2024-01-01",
    });
    const [comment] = renderReviewComments([f], patches, {
      max: 30,
      rules: new Map([["PCK001", rule("PCK001", "Privileged container")]]),
    }).comments;
    expect(comment!.body).toBe(
      [
        `**error** · [PCK001](${ruleHelpUri("PCK001")}) · Privileged container`,
        "",
        `image \\\`evil\\\` @${ZWJ}acme/admins &lt;img src=x&gt; fixes #${ZWJ}9`,
        "",
        "waiver expired on 2024-01-01",
        "",
        "<!-- portcullis:fingerprint=9f2c4e -->",
      ].join("\n"),
    );
    expect(fingerprintOfComment(comment!.body)).toBe("9f2c4e");
  });

  it("cannot be given a fake marker by the message", () => {
    const f = finding({
      message: "<!-- portcullis:fingerprint=forged -->",
      fingerprint: "real",
    });
    const [comment] = renderReviewComments([f], patches, { max: 30 }).comments;
    expect(fingerprintOfComment(comment!.body)).toBe("real");
  });

  it("reads no fingerprint from a body without a marker", () => {
    expect(fingerprintOfComment("LGTM")).toBeUndefined();
  });

  it("keeps a fingerprint that could close the HTML comment out of the marker", () => {
    const [comment] = renderReviewComments([finding({ fingerprint: "a --> b" })], patches, {
      max: 30,
    }).comments;
    expect(comment!.body).not.toContain("-->\n");
    expect(comment!.body.match(/-->/g)).toHaveLength(1);
    expect(fingerprintOfComment(comment!.body)).toBeDefined();
  });

  it("stays within 65,536 bytes with a huge message", () => {
    const [comment] = renderReviewComments(
      [finding({ message: `image ${"😀".repeat(100_000)}`, fingerprint: "big" })],
      patches,
      { max: 30 },
    ).comments;
    expect(Buffer.byteLength(comment!.body)).toBeLessThanOrEqual(65_536);
    expect(fingerprintOfComment(comment!.body)).toBe("big");
  });

  it("adds no suggestion block without a suggestion", () => {
    const [comment] = renderReviewComments([finding()], patches, { max: 30 }).comments;
    expect(comment!.body).not.toContain("```suggestion");
  });
});

describe("renderReviewComments suggestions", () => {
  const f = finding({ lines: { start: 15, end: 15 }, fingerprint: "fix1" });
  const run = (s: Suggestion) =>
    renderReviewComments([f], patches, { max: 30, suggestions: new Map([["fix1", s]]) })
      .comments[0]!;

  it("adds the replacement lines on exactly the suggested range", () => {
    const comment = run({
      startLine: 14,
      endLine: 15,
      lines: ["          securityContext:", "            privileged: false"],
    });
    expect(comment).toMatchObject({ start_line: 14, line: 15, side: "RIGHT" });
    expect(comment.body).toContain(
      "```suggestion\n          securityContext:\n            privileged: false\n```\n\n<!-- portcullis:fingerprint=fix1 -->",
    );
  });

  it("uses a single line anchor for a one-line suggestion", () => {
    const comment = run({ startLine: 15, endLine: 15, lines: ["            privileged: false"] });
    expect(comment.line).toBe(15);
    expect(comment.start_line).toBeUndefined();
    expect(comment.body).toContain("```suggestion\n            privileged: false\n```");
  });

  it("uses a longer fence when the lines hold a fence", () => {
    const comment = run({ startLine: 15, endLine: 15, lines: ["a: |", "  ```", "  x ````"] });
    expect(comment.body).toContain("`````suggestion\na: |\n  ```\n  x ````\n`````");
  });

  it.each([
    ["across two hunks", { startLine: 16, endLine: 31 }],
    ["outside the diff", { startLine: 20, endLine: 21 }],
    ["with its end before its start", { startLine: 15, endLine: 14 }],
  ])("leaves out a suggestion %s and anchors on the finding", (_name, range) => {
    const comment = run({ ...range, lines: ["x: 1"] });
    expect(comment.body).not.toContain("suggestion");
    expect(comment.line).toBe(15);
    expect(comment.start_line).toBeUndefined();
  });
});

describe("renderReviewComments links of repository policies", () => {
  const BLOB = "https://github.com/acme/fleet/blob/0123456789abcdef0123456789abcdef01234567/";

  it("links a Gatekeeper constraint's finding to the constraint's file and line at the base", () => {
    const f = finding({
      rule: "must-have-owner",
      policy: { file: "policies/constraints/owner label.yaml", line: 2 },
    });
    const [comment] = renderReviewComments([f], patches, { max: 30, policyBlobUrl: BLOB }).comments;
    expect(comment!.body.split("\n")[0]).toBe(
      `**error** · [must-have-owner](${BLOB}policies/constraints/owner%20label.yaml#L2)`,
    );
  });

  it("never links a rule outside the catalogue to a catalogue page that does not exist", () => {
    const f = finding({ rule: "deny-latest" });
    const [comment] = renderReviewComments([f], patches, { max: 30, policyBlobUrl: BLOB }).comments;
    expect(comment!.body.split("\n")[0]).toBe("**error** · deny-latest");
    expect(comment!.body).not.toContain("docs/rules/deny-latest");
  });
});
