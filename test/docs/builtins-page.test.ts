// The builtin list is one file (tools/wasm-builtins.json): every builtin of the pinned OPA is in
// exactly one of its lists, the compiler's capabilities and the host's table follow it, and
// docs/builtins.md is generated from it (so the documented list cannot drift).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { findOpa } from "../../src/engines/opa/opa-binary.js";
import { HOST_BUILTINS } from "../../src/engines/opa/host-builtins.js";
// @ts-expect-error: a plain ES module script without types
import { expectedBuiltinsPage } from "../../scripts/gen-builtin-docs.mjs";

const ROOT = packageRoot();
const lists = JSON.parse(readFileSync(join(ROOT, "tools", "wasm-builtins.json"), "utf8")) as {
  native: string[];
  sdk: string[];
  host: string[];
  erased: Record<string, string>;
  engine: Record<string, string>;
  refused: Record<string, string>;
  unsupported: Record<string, string>;
};
const names = (file: string) =>
  (JSON.parse(file) as { builtins: { name: string }[] }).builtins.map((b) => b.name).sort();

describe("the builtin list", () => {
  it("classifies every builtin of the pinned OPA exactly once", () => {
    const opa = names(execFileSync(findOpa(), ["capabilities", "--current"], { encoding: "utf8" }));
    const classified = [
      ...lists.native,
      ...lists.sdk,
      ...lists.host,
      ...Object.keys(lists.erased),
      ...Object.keys(lists.engine),
      ...Object.keys(lists.refused),
      ...Object.keys(lists.unsupported),
    ].sort();
    expect(classified).toEqual(opa);
  });

  it("is what policies are compiled against (npm run build:policies)", () => {
    const caps = names(readFileSync(join(ROOT, "dist", "policies", "capabilities.json"), "utf8"));
    expect(caps).toEqual([...lists.native, ...lists.sdk, ...lists.host].sort());
  });

  it("gives the pinned opa every builtin but the refused and unsupported ones, and no network", () => {
    const file = readFileSync(join(ROOT, "dist", "policies", "capabilities-opa.json"), "utf8");
    const opa = names(execFileSync(findOpa(), ["capabilities", "--current"], { encoding: "utf8" }));
    const withheld = new Set([...Object.keys(lists.refused), ...Object.keys(lists.unsupported)]);
    expect(names(file)).toEqual(opa.filter((n) => !withheld.has(n)));
    expect((JSON.parse(file) as { allow_net?: unknown }).allow_net).toEqual([]);
  });

  it("is what the host answers: the SDK's, sprintf and Portcullis's own, nothing else", () => {
    expect(Object.keys(HOST_BUILTINS).sort()).toEqual(
      [...new Set([...lists.sdk, ...lists.host, "json.is_valid"])].sort(),
    );
  });

  it("is the list docs/builtins.md shows (run `npm run docs:builtins` if not)", () => {
    expect(readFileSync(join(ROOT, "docs", "builtins.md"), "utf8")).toBe(expectedBuiltinsPage());
  });
});
