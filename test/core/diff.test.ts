import { addedLines, canComment, hunkOf, parsePatch, sameHunk } from "../../src/core/diff.js";

// The `patch` field of "list pull request files": hunks only, no `---`/`+++` headers.
const MODIFIED = [
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
].join("\n");

// Two hunks, a removed line in the second, and a file whose last line has no newline.
const TWO_HUNKS = [
  "@@ -1,4 +1,5 @@",
  " apiVersion: apps/v1",
  " kind: Deployment",
  "+# managed by flux",
  " metadata:",
  "   name: web",
  "@@ -40,4 +41,3 @@ spec:",
  "       volumes:",
  "-        - name: cache",
  "-          emptyDir: {}",
  "+        - name: tmp",
  "       restartPolicy: Always",
  "\\ No newline at end of file",
].join("\n");

const NEW_FILE = [
  "@@ -0,0 +1,12 @@",
  "+apiVersion: v1",
  "+kind: Service",
  "+metadata:",
  "+  name: web",
  "+  namespace: prod",
  "+spec:",
  "+  type: LoadBalancer",
  "+  selector:",
  "+    app: web",
  "+  ports:",
  "+    - port: 80",
  "+      targetPort: 8080",
  "\\ No newline at end of file",
].join("\n");

const DELETION_ONLY = ["@@ -5,2 +4,0 @@", "-  labels:", "-    team: a"].join("\n");

const NO_COUNTS = ["@@ -3 +3 @@", "-replicas: 1", "+replicas: 3"].join("\n");

describe("parsePatch", () => {
  it.each([
    ["a modified hunk", MODIFIED, [{ start: 10, end: 17, added: [13, 14, 15] }]],
    [
      "two hunks with removals and no newline at the end",
      TWO_HUNKS,
      [
        { start: 1, end: 5, added: [3] },
        { start: 41, end: 43, added: [42] },
      ],
    ],
    [
      "a new file",
      NEW_FILE,
      [{ start: 1, end: 12, added: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }],
    ],
    ["a pure deletion (no RIGHT line)", DELETION_ONLY, [{ start: 4, end: 3, added: [] }]],
    ["a header without counts (one line each)", NO_COUNTS, [{ start: 3, end: 3, added: [3] }]],
    ["an omitted patch (large diff)", undefined, []],
    ["an empty patch (rename, binary)", "", []],
    ["text without a hunk header", "Binary files differ", []],
  ])("reads %s", (_name, patch, expected) => {
    const hunks = parsePatch(patch);
    expect(hunks.map((h) => ({ start: h.start, end: h.end, added: [...h.added] }))).toEqual(
      expected,
    );
  });

  it("keeps the header numbers of each hunk", () => {
    const [first, second] = parsePatch(TWO_HUNKS);
    expect(first).toMatchObject({ oldStart: 1, oldLines: 4, newStart: 1, newLines: 5 });
    expect(second).toMatchObject({ oldStart: 40, oldLines: 4, newStart: 41, newLines: 3 });
  });

  it("covers only the lines a truncated hunk actually shows", () => {
    const hunks = parsePatch(["@@ -1,3 +1,6 @@", " a: 1", "+b: 2"].join("\n"));
    expect(hunks.map((h) => [h.start, h.end])).toEqual([[1, 2]]);
  });

  it("reads CRLF patches and a context line whose leading space was stripped", () => {
    const hunks = parsePatch("@@ -1,3 +1,3 @@\r\n a: 1\r\n\r\n-b: 2\r\n+b: 3\r\n");
    expect(hunks.map((h) => [h.start, h.end, [...h.added]])).toEqual([[1, 3, [3]]]);
  });

  it("ignores lines after a hunk's counts are used up", () => {
    const hunks = parsePatch(["@@ -1 +1 @@", "-a", "+b", "+stray", " stray"].join("\n"));
    expect(hunks.map((h) => [h.start, h.end, [...h.added]])).toEqual([[1, 1, [1]]]);
  });
});

describe("canComment and sameHunk", () => {
  const two = parsePatch(TWO_HUNKS);

  it.each([
    [1, true, "a context line"],
    [3, true, "an added line"],
    [5, true, "the last line of the first hunk"],
    [6, false, "a line between hunks"],
    [40, false, "the line before the second hunk"],
    [42, true, "the added line of the second hunk"],
    [43, true, "the last line, before the no-newline marker"],
    [44, false, "past the last hunk"],
    [0, false, "line 0"],
    [1.5, false, "a fractional line"],
  ])("line %d: %s (%s)", (line, expected) => {
    expect(canComment(two, line)).toBe(expected);
  });

  it.each([
    [1, 5, true, "both ends in the first hunk"],
    [3, 3, true, "a single line"],
    [4, 41, false, "ends in different hunks"],
    [5, 6, false, "the end past the hunk"],
    [41, 42, true, "both ends in the second hunk"],
    [6, 7, false, "neither end in a hunk"],
  ])("lines %d-%d: %s (%s)", (start, end, expected) => {
    expect(sameHunk(two, start, end)).toBe(expected);
  });

  it("allows nothing in a file whose patch GitHub omitted", () => {
    const none = parsePatch(undefined);
    expect(canComment(none, 1)).toBe(false);
    expect(sameHunk(none, 1, 1)).toBe(false);
  });

  it("allows nothing in a pure deletion", () => {
    const del = parsePatch(DELETION_ONLY);
    expect([3, 4, 5].map((l) => canComment(del, l))).toEqual([false, false, false]);
  });

  it("finds the hunk of a line and every added line", () => {
    expect(hunkOf(two, 42)?.newStart).toBe(41);
    expect(hunkOf(two, 20)).toBeUndefined();
    expect([...addedLines(two)]).toEqual([3, 42]);
  });
});
