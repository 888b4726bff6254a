// The CRD search's reading of one file (src/engines/schema/crd-text.ts): whole within the limit;
// past it, scanned in 1 MiB chunks for "CustomResourceDefinition", found across a chunk's end.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { crdSearchText } from "../../../src/engines/schema/crd-text.js";

const dir = mkdtempSync(join(tmpdir(), "portcullis-crd-text-"));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const MIB = 1 << 20;

describe("crdSearchText", () => {
  it("reads a file within the limit whole", () => {
    expect(crdSearchText(file("small.yaml", "kind: ConfigMap\n"), 100)).toEqual({
      text: "kind: ConfigMap\n",
    });
  });

  it.each([0, 1, 12, 23, 24])(
    "finds the word past the limit when it starts %i bytes before a chunk's end",
    (before) => {
      const path = file(
        `big-${before}.yaml`,
        `${"#".repeat(MIB - before)}CustomResourceDefinition\n`,
      );
      expect(crdSearchText(path, 1000)).toEqual({
        refused: "a file larger than limits.maxFileBytes (1000 bytes)",
      });
    },
  );

  it("passes over a file past the limit without the word", () => {
    expect(
      crdSearchText(file("data.json", `[${'"CustomResource",'.repeat(200_000)}0]`), 1000),
    ).toEqual({});
  });

  it("refuses a FIFO at once instead of waiting for a writer", () => {
    const fifo = join(dir, "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    expect(crdSearchText(fifo, 1000)).toEqual({ refused: "not a regular file" });
  });
});
