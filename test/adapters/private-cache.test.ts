// The policy cache is kept only in a folder no other user can write (src/adapters/fs/private-cache.ts):
// its modules are keyed by the hash of their sources and cannot be checked against that key, so a
// module planted in a shared folder would be run as the policy.
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateCacheDir } from "../../src/adapters/fs/private-cache.js";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { findOpa } from "../../src/engines/opa/opa-binary.js";
import { buildWasm } from "../../src/engines/opa/opa-build.js";

const work = mkdtempSync(join(tmpdir(), "portcullis-private-cache-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const opa = (() => {
  try {
    return findOpa();
  } catch {
    return undefined;
  }
})();
if (!opa) process.stderr.write("private-cache compile tests skipped: opa is not built\n");

const build = {
  sources: [
    { path: "policy/p.rego", text: "package p\nimport rego.v1\ndeny contains 1 if input.x\n" },
  ],
  entrypoints: ["p/deny"],
  v0: false,
};

/** Compiles `build` with the cache in `dir`, returns the module. */
function compileIn(dir: string): Promise<Uint8Array> {
  const capabilities = join(packageRoot(), "dist", "policies", "capabilities.json");
  return buildWasm(build, { opa: opa!, capabilities, cacheDir: dir });
}

/** Overwrites every cached module in `dir` with bytes that are not the compiler's. */
function plant(dir: string): Buffer {
  const planted = Buffer.from("\0asm planted by another user");
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".wasm")))
    writeFileSync(join(dir, f), planted);
  return planted;
}

describe("the policy cache's folder", () => {
  it("is made for this user alone by default (mode 0700, the user id in its name)", () => {
    const dir = privateCacheDir("portcullis-test-cache");
    expect(dir).toBeDefined();
    if (process.getuid)
      expect(dir).toMatch(new RegExp(`portcullis-test-cache-${process.getuid()}$`));
    expect(statSync(dir!).mode & 0o077).toBe(0);
    rmSync(dir!, { recursive: true, force: true });
  });

  it("is not used when others may write to it, or it is a link", () => {
    const open = join(work, "open");
    expect(privateCacheDir("x", open)).toBe(open);
    chmodSync(open, 0o777);
    expect(privateCacheDir("x", open)).toBeUndefined();
    chmodSync(open, 0o720);
    expect(privateCacheDir("x", open)).toBeUndefined();
    const link = join(work, "link");
    const target = join(work, "target");
    expect(privateCacheDir("x", target)).toBe(target);
    symlinkSync(target, link);
    expect(privateCacheDir("x", link)).toBeUndefined();
  });

  (process.getuid?.() === 0 ? it : it.skip)("is not used when another user owns it", () => {
    const theirs = join(work, "theirs");
    expect(privateCacheDir("x", theirs)).toBe(theirs);
    chownSync(theirs, 65534, 65534);
    expect(privateCacheDir("x", theirs)).toBeUndefined();
  });

  (opa ? it : it.skip)(
    "never hands back a module planted while others could write to the folder",
    async () => {
      const dir = join(work, "modules");
      const real = await compileIn(dir);
      expect(existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(".wasm"))).toBe(true);
      const planted = plant(dir);
      // While the folder is the user's own, the cache is read (what makes this test able to fail).
      expect(Buffer.from(await compileIn(dir))).toEqual(planted);
      chmodSync(dir, 0o777);
      // Compiled anew (opa's output differs run to run in a temporary name: compared by size).
      const fresh = Buffer.from(await compileIn(dir));
      expect(fresh.equals(planted)).toBe(false);
      expect(Math.abs(fresh.length - real.length)).toBeLessThan(64);
      expect(new WebAssembly.Module(fresh)).toBeInstanceOf(WebAssembly.Module);
    },
    120_000,
  );
});
