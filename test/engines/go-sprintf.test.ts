// sprintf parity: the host implementation must format exactly as the pinned `opa eval` (Go) does.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { goQuote, goSprintf } from "../../src/engines/opa/go-sprintf.js";
// @ts-expect-error: a plain ES module script without types
import { ensureOpa } from "../../scripts/tools.mjs";

const CASES: [string, unknown[]][] = [
  ["container %s is privileged", ["web"]],
  ["container %q is privileged", ['we"b\n']],
  ["%v", [["a", "b"]]],
  ["%v", [{ b: 1, a: [true, null] }]],
  ["%v and %v", [1, 2.5]],
  ["%d replicas", [3]],
  ["%d", [2.5]],
  ["%s", [42]],
  ["%v", [1e21]],
  ["%v", [0.000012]],
  ["%v", [1234567.5]],
  ["%v", [123456.5]],
  ["%.2f", [3.14159]],
  ["%x", [255]],
  ["%5s|%-5s|", ["ab", "cd"]],
  ["100%% sure %s", ["yes"]],
  ["missing %s %s", ["one"]],
  ["extra", ["one"]],
  ["%t", [true]],
  ["%q", ["ünïcode ✓ \u0007"]],
];

describe("goSprintf", () => {
  it("formats every case exactly as opa eval does", () => {
    const dir = mkdtempSync(join(tmpdir(), "sprintf-"));
    const rego = [
      "package parity",
      "results := [",
      ...CASES.map(([f, args]) => `  sprintf(${JSON.stringify(f)}, ${JSON.stringify(args)}),`),
      "]",
    ].join("\n");
    writeFileSync(join(dir, "parity.rego"), rego);
    const out = execFileSync(
      ensureOpa({ quiet: true }),
      ["eval", "-f", "json", "-d", dir, "data.parity.results"],
      { encoding: "utf8" },
    );
    const expected = JSON.parse(out).result[0].expressions[0].value as string[];
    const actual = CASES.map(([f, args]) => goSprintf(f, args));
    expect(actual).toEqual(expected);
  });

  it("quotes like strconv.Quote", () => {
    expect(goQuote('a"b\\c\td')).toBe('"a\\"b\\\\c\\td"');
  });
});
