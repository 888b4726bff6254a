#!/usr/bin/env node
// Bundles the CLI (dist/cli/main.js and everything it imports, packages included) into one file,
// dist/portcullis.cjs, which bin/portcullis runs: Node then loads one script instead of ~180
// modules. `check` gets a bundle of its own, dist/portcullis-check.cjs, without what only the
// other commands load (review's git and GitHub output, the Action's Probot and Octokit: 1.1 of
// 2.3 MB), which a one-file check would read on every start. Then runs each once on the bundled
// example to record V8's code cache beside it (`<bundle>.cache`): the functions a check compiles
// are read back instead of compiled again on every run (docs/decisions.md, "Start-up of a
// one-file check"). The OPA wasm SDK is bundled too (opaSdkInside below).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./tools.mjs";

const outfile = join(ROOT, "dist", "portcullis.cjs");
const checkOutfile = join(ROOT, "dist", "portcullis-check.cjs");
for (const f of [outfile, checkOutfile]) rmSync(`${f}.cache`, { force: true });
// Until it is made again below, bin/portcullis runs `check` (and records its cache) from the
// whole bundle.
rmSync(checkOutfile, { force: true });
writeWasmCodeCache();
let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // An install without dev dependencies: bin/portcullis runs dist/cli/main.js as it is.
  rmSync(outfile, { force: true });
  process.stderr.write("esbuild is not installed: the CLI runs unbundled (a slower start)\n");
  process.exit(0);
}

/**
 * dist/engines/opa/opa-sdk.js loads the opa-wasm SDK from node_modules at run time, where esbuild
 * cannot follow it: in the bundle it becomes two static requires, so the SDK (and the yaml version
 * its builtins use) is bundled, compiled into the code cache and held by the startup snapshot.
 */
const opaSdkInside = {
  name: "opa-sdk-inside",
  setup(build) {
    build.onLoad({ filter: /[\\/]engines[\\/]opa[\\/]opa-sdk\.js$/ }, () => {
      const entry = createRequire(join(ROOT, "package.json")).resolve(
        "@open-policy-agent/opa-wasm",
      );
      const table = join(dirname(entry), "builtins", "index.js");
      return {
        contents: `export const { LoadedPolicy } = require(${JSON.stringify(entry)});
export const SDK_BUILTINS = require(${JSON.stringify(table)});`,
        resolveDir: ROOT,
        loader: "js",
      };
    });
  },
};

/**
 * In `check`'s bundle, the modules of the other commands (imported by dist/cli/main.js when they
 * run) are left out: bin/portcullis gives it `check` alone, and should anything else reach it,
 * the command fails at the boundary instead of running something else.
 */
const checkOnly = {
  name: "check-only",
  setup(build) {
    const main = join(ROOT, "dist", "cli", "main.js");
    build.onResolve({ filter: /^\.\/(review|rules|action)-command\.js$/ }, (args) =>
      args.importer === main ? { path: args.path, namespace: "check-only" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "check-only" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in check's bundle (bin/portcullis runs the whole one for other commands)`)});`,
      loader: "js",
    }));
  },
};

/** Bundles dist/cli/main.js into `file` (ASCII only) and records its code cache with a check. */
async function bundle(file, plugins) {
  await esbuild.build({
    entryPoints: [join(ROOT, "dist", "cli", "main.js")],
    outfile: file,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    // The sources find their package (and require packages) from import.meta.url.
    define: { "import.meta.url": "__portcullis_url" },
    banner: { js: "var __portcullis_url = require('node:url').pathToFileURL(__filename).href;" },
    plugins,
    legalComments: "none",
    logLevel: "warning",
  });
  // ASCII only: V8 then reads the bundle as a one-byte string (a few non-ASCII characters in
  // regular expressions and comments, which esbuild leaves as they are, made it decode all of it
  // to UTF-16 on every start). \uXXXX means the same character in a string, a regular
  // expression, an identifier or a comment.
  const text = readFileSync(file, "utf8");
  writeFileSync(
    file,
    text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`),
  );
  // A check records the whole bundle's cache too: review runs the same engines and reading.
  const example = join(ROOT, "examples", "fleet");
  const warm = spawnSync(
    process.execPath,
    [join(ROOT, "bin", "portcullis"), "check", example, "--format", "json", "--fail-on", "never"],
    { env: { ...process.env, PORTCULLIS_CODE_CACHE: "write" }, stdio: "ignore" },
  );
  if (warm.status !== 0 || !existsSync(`${file}.cache`))
    process.stderr.write(`could not record the code cache of ${file}: it runs without it\n`);
}

await bundle(outfile, [opaSdkInside]);
await bundle(checkOutfile, [opaSdkInside, checkOnly]);

/**
 * Compiles the built-in policy module (dist/policies/policy.wasm) and records V8's code for it
 * beside it, read back on every run instead of compiling it (src/engines/opa/wasm-code-cache.ts).
 * In a Node started without V8 flags (NODE_OPTIONS left out), as `portcullis` is: V8 reads the
 * code back only under the same flags. Without it every run compiles the module, as before.
 */
function writeWasmCodeCache() {
  const wasm = join(ROOT, "dist", "policies", "policy.wasm");
  const target = `${wasm}.cache`;
  rmSync(target, { force: true });
  if (!existsSync(wasm)) return;
  const writer = pathToFileURL(join(ROOT, "dist", "engines", "opa", "wasm-code-cache.js")).href;
  const script = `import { readFileSync } from "node:fs";
import { writeCodeCache } from ${JSON.stringify(writer)};
writeCodeCache(readFileSync(${JSON.stringify(wasm)}), ${JSON.stringify(target)});`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_OPTIONS"));
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    env,
    encoding: "utf8",
  });
  if (r.status !== 0)
    process.stderr.write(
      `could not record the policy module's code cache (every run compiles it): ${(r.stderr || `signal ${r.signal}`).trim().split("\n")[0]}\n`,
    );
}
