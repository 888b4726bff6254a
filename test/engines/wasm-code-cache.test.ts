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
import { cachedModule, writeCodeCache } from ${url("engines/opa/wasm-code-cache.js")};
import { withCodeCache } from ${url("core/code-cache-files.js")};
import { WasmPolicyEngine } from ${url("engines/opa/wasm-policy-engine.js")};
const [mode, wasmFile, cacheFile] = process.argv.slice(2);
const wasm = readFileSync(wasmFile);
if (mode === "write") writeCodeCache(wasm, cacheFile);
else {
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
  mode: "write" | "read",
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
