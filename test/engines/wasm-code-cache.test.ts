// The policy module's code cache (src/engines/opa/wasm-code-cache.ts): the module read back from
// it evaluates as the compiled one, and a cache that is not exactly the one for this module, this
// Node and these V8 flags is ignored (the module is compiled, with the same findings). Each case
// runs in a child Node over the built modules: V8's flags are the process's, and jest's own
// would keep V8 from reading any cache.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";

const ROOT = packageRoot();
const DIST = join(ROOT, "dist");
const built =
  existsSync(join(DIST, "engines", "opa", "wasm-code-cache.js")) &&
  existsSync(join(DIST, "policies", "policy.wasm"));
if (!built) process.stderr.write("wasm code cache tests skipped: run `npm run build` first\n");

const work = mkdtempSync(join(tmpdir(), "portcullis-wasm-cache-"));
const WASM = join(work, "policy.wasm");
const CACHE = `${WASM}.cache`;
const child = join(work, "child.mjs");
const url = (path: string): string => JSON.stringify(pathToFileURL(join(DIST, path)).href);

/**
 * The child: `write` records a cache for WASM; `read` loads WASM with its cache (if any) and
 * prints whether the module came from it and the findings of one Deployment.
 */
writeFileSync(
  child,
  `import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { Script, runInThisContext } from "node:vm";
import { cachedModule, writeCodeCache } from ${url("engines/opa/wasm-code-cache.js")};
import { withCodeCache } from ${url("core/code-cache-files.js")};
import { WasmPolicyEngine } from ${url("engines/opa/wasm-policy-engine.js")};
const [mode, wasmFile, cacheFile] = process.argv.slice(2);
const wasm = readFileSync(wasmFile);
if (mode === "write") writeCodeCache(wasm, cacheFile);
else if (mode === "after") {
  // What V8 does with wasm compiled after the cache was read (a repository's Rego, say).
  const cached = cachedModule(withCodeCache(wasm, cacheFile)) !== undefined;
  let natives = true;
  try { new Script("%IsLiftoffFunction(isNaN)"); } catch { natives = false; }
  setFlagsFromString("--allow-natives-syntax");
  // (module (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))
  const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,6,1,96,1,127,1,127,3,2,1,0,7,5,1,1,102,0,0,10,9,1,7,0,32,0,65,1,106,11]);
  const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f;
  const state = runInThisContext("(function (f) { return [%IsUncompiledWasmFunction(f), %IsLiftoffFunction(f)]; })");
  const before = state(f);
  f(1);
  process.stdout.write(JSON.stringify({ cached, natives, lazy: before[0], liftoff: state(f)[1] }));
} else {
  const registered = withCodeCache(wasm, cacheFile);
  const cached = cachedModule(registered) !== undefined;
  let results;
  try {
    const engine = new WasmPolicyEngine(registered);
    engine.setSettings({});
    const document = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" },
      spec: { template: { spec: { containers: [{ name: "web", image: "nginx:latest" }] } } } };
    results = engine.evaluate([{ document, file: { path: "web.yaml", partial: false } }]);
  } catch (err) {
    results = String(err);
  }
  process.stdout.write(JSON.stringify({ cached, results }));
}
`,
);

function run(
  mode: "write" | "read" | "after",
  env: Record<string, string> = {},
  flags: string[] = [],
): string {
  const r = spawnSync(process.execPath, [...flags, child, mode, WASM, CACHE], {
    encoding: "utf8",
    env: { ...withoutNodeOptions(), ...env },
  });
  if (r.status !== 0) throw new Error(`child ${mode} failed: ${r.stderr}`);
  return r.stdout;
}

function withoutNodeOptions(): Record<string, string> {
  const env = { ...process.env } as Record<string, string>;
  delete env.NODE_OPTIONS;
  return env;
}

const read = (
  env?: Record<string, string>,
  flags?: string[],
): { cached: boolean; results: unknown } =>
  JSON.parse(run("read", env, flags)) as { cached: boolean; results: unknown };

afterAll(() => rmSync(work, { recursive: true, force: true }));

(built ? describe : describe.skip)("the policy module's code cache", () => {
  let compiled: unknown;

  beforeAll(() => {
    copyFileSync(join(DIST, "policies", "policy.wasm"), WASM);
    rmSync(CACHE, { force: true });
    const fresh = read();
    expect(fresh.cached).toBe(false);
    compiled = fresh.results;
  });

  beforeEach(() => run("write"));

  it("gives the module back, which finds what the compiled module finds", () => {
    const cached = read();
    expect(cached.cached).toBe(true);
    expect(cached.results).toEqual(compiled);
    expect(JSON.stringify(compiled)).toMatch(/PCK\d+/);
  });

  const damage: [string, (data: Buffer) => Buffer][] = [
    ["one byte of the code changed", (d) => flip(d, d.length - 100)],
    ["truncated", (d) => d.subarray(0, d.length - 1)],
    ["cut after the header", (d) => d.subarray(0, d.indexOf(10, d.indexOf(10) + 1) + 1)],
    ["empty", () => Buffer.alloc(0)],
    ["not a cache", () => Buffer.from("\0asm garbage")],
    ["made by another Node", (d) => replace(d, `"node":"${process.version}"`, `"node":"v0.0.0"`)],
    ["made for another module", (d) => flip(d, d.indexOf(10, d.indexOf(10) + 1) + 200)],
  ];

  it.each(damage)("is ignored when %s (the module is compiled, same findings)", (_, change) => {
    writeFileSync(CACHE, change(readFileSync(CACHE)));
    const r = read();
    expect(r).toEqual({ cached: false, results: compiled });
  });

  // V8's flags are the process's: those the cache is read under are set back, so wasm compiled
  // later (a repository's policies) is compiled lazily by Liftoff as without the cache, and the
  // runtime functions' syntax is refused again.
  it("leaves V8's flags as they were once the module is read", () => {
    const after = JSON.parse(run("after")) as Record<string, boolean>;
    expect(after).toEqual({ cached: true, natives: false, lazy: true, liftoff: true });
  });

  it("is ignored when the module was rebuilt since", () => {
    const wasm = readFileSync(WASM);
    try {
      // Another module of the same length: one byte of a data segment's text changed.
      writeFileSync(WASM, flip(wasm, wasm.length - 10));
      expect(read().cached).toBe(false);
    } finally {
      writeFileSync(WASM, wasm);
    }
  });

  it("is ignored when Node runs with a V8 flag the cache is not made under", () => {
    expect(read({ NODE_OPTIONS: "--max-old-space-size=512" })).toEqual({
      cached: false,
      results: compiled,
    });
    expect(read({}, ["--no-liftoff"])).toEqual({ cached: false, results: compiled });
  });
});

function flip(data: Buffer, at: number): Buffer {
  const copy = Buffer.from(data);
  copy[at] = copy[at]! ^ 0xff;
  return copy;
}

function replace(data: Buffer, from: string, to: string): Buffer {
  const text = data.toString("latin1");
  expect(text.includes(from)).toBe(true);
  return Buffer.from(text.replace(from, to), "latin1");
}
