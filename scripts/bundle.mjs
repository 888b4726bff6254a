#!/usr/bin/env node
// Bundles the CLI (dist/cli/main.js and everything it imports, packages included) into one file,
// dist/portcullis.mjs, which bin/portcullis runs: Node then loads one module instead of ~180
// (about 40 ms less for every `portcullis` command; docs/decisions.md). The OPA wasm SDK stays a
// package of its own: it is loaded with createRequire, and its builtin table is patched in place.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./tools.mjs";

const outfile = join(ROOT, "dist", "portcullis.mjs");
let esbuild;
try {
  esbuild = await import("esbuild");
} catch {
  // An install without dev dependencies: bin/portcullis runs dist/cli/main.js as it is.
  rmSync(outfile, { force: true });
  process.stderr.write("esbuild is not installed: the CLI runs unbundled (a slower start)\n");
  process.exit(0);
}

await esbuild.build({
  entryPoints: [join(ROOT, "dist", "cli", "main.js")],
  outfile,
  bundle: true,
  platform: "node",
  target: "node20",
  format: "esm",
  // CommonJS packages in an ES module bundle still call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __portcullisRequire } from 'node:module'; const require = __portcullisRequire(import.meta.url);",
  },
  external: ["@open-policy-agent/opa-wasm"],
  legalComments: "none",
  logLevel: "warning",
});
