// What a one-file `check` loads (docs/decisions.md, "Start-up of a one-file check"): through
// bin/portcullis it runs from the bundle alone (the opa-wasm SDK inside it, no file of
// node_modules loaded), sorts without building ICU's collator, and compiles no wasm: the policy
// module is read back from the code cache the build recorded. A preload counts all three.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";

const ROOT = packageRoot();
const BIN = join(ROOT, "bin", "portcullis");
const built = existsSync(join(ROOT, "dist", "portcullis.cjs"));
if (!built)
  process.stderr.write("start-up tests skipped: the bundle is not built (npm run build)\n");

const work = mkdtempSync(join(tmpdir(), "portcullis-startup-"));
const probe = join(work, "probe.cjs");
writeFileSync(
  probe,
  `const Module = require("node:module");
const seen = { collate: 0, files: [], wasmCompiled: 0 };
WebAssembly.Module = new Proxy(WebAssembly.Module, {
  construct(target, args, newTarget) { seen.wasmCompiled++; return Reflect.construct(target, args, newTarget); },
});
const compare = String.prototype.localeCompare;
String.prototype.localeCompare = function (...args) { seen.collate++; return compare.apply(this, args); };
const Collator = Intl.Collator;
Intl.Collator = function (...args) { seen.collate++; return new Collator(...args); };
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (!isMain && !request.startsWith("node:") && !Module.isBuiltin(request)) seen.files.push(request);
  return load.apply(this, arguments);
};
process.on("exit", () => {
  seen.builtins = process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13));
  require("node:fs").writeFileSync(process.env.PROBE_OUT, JSON.stringify(seen));
});
`,
);
const file = join(work, "web.yaml");
writeFileSync(
  file,
  `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:latest
`,
);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Node's modules a one-file check does not load (each pulls in more: streams, readline, workers). */
const NOT_LOADED = ["zlib", "worker_threads", "fs/promises"];

(built ? describe : describe.skip)("a one-file check through bin/portcullis", () => {
  it.each(["text", "json"])(
    "loads no file of node_modules nor Node modules it does not use, never collates with ICU, compiles no wasm (--format %s)",
    (format) => {
      const out = join(work, `seen-${format}.json`);
      const r = spawnSync(
        process.execPath,
        ["-r", probe, BIN, "check", file, "--format", format, "--fail-on", "never"],
        { cwd: work, encoding: "utf8", env: { ...process.env, LANG: "C.UTF-8", PROBE_OUT: out } },
      );
      expect(r.status).toBe(0);
      // Findings on one line of one file: the sort that used to build ICU's locale list.
      expect(r.stdout).toMatch(/PCK\d+[\s\S]*PCK\d+/);
      const { builtins, ...seen } = JSON.parse(readFileSync(out, "utf8")) as {
        collate: number;
        files: string[];
        wasmCompiled: number;
        builtins: string[];
      };
      expect(seen).toEqual({ collate: 0, files: [], wasmCompiled: 0 });
      // Node modules only larger runs, user policies or rendering use (src/adapters/lazy-builtins.ts).
      expect(builtins).toContain("fs"); // the probe sees Node's modules at all
      expect(builtins.filter((m) => NOT_LOADED.includes(m))).toEqual([]);
    },
  );
});
