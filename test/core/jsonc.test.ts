// JSON with comments, as VS Code and TypeScript read their settings files.
import { parseJsonc, stripJsonComments } from "../../src/core/jsonc.js";

describe("JSONC", () => {
  it("drops comments and trailing commas, never inside strings", () => {
    const text =
      '{\n  // a comment\n  "url": "https://x//y", /* block\n */ "s": "a,}\\"//",\n  "list": [1, 2,],\n}\n';
    expect(parseJsonc(text)).toEqual({
      value: { url: "https://x//y", s: 'a,}"//', list: [1, 2] },
    });
    // A block comment keeps its newlines: a later error still names the right line.
    expect(stripJsonComments("/* a\nb */1")!.split("\n")).toHaveLength(2);
  });

  it("is not JSONC when a string or comment never ends, or the rest is not JSON", () => {
    expect(parseJsonc('{"a": "b}')).toBeUndefined();
    expect(parseJsonc('{"a": 1 /* open')).toBeUndefined();
    expect(parseJsonc("a: 1")).toBeUndefined();
  });
});
