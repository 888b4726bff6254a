#!/usr/bin/env node
// The `portcullis` pre-commit hook (`language: script` in .pre-commit-hooks.yaml). pre-commit runs
// this file from its clone of the repository at the `rev` a user pins; it runs the published npm
// package of that same version through npx, which installs the package with its production
// dependencies only (no jest, TypeScript or esbuild, no build, no Go) into npm's cache, once.
// `language: node` would instead `npm install --include=dev` the clone and build it (Go for opa).
//
// PORTCULLIS_HOOK_PACKAGE replaces the package spec (a tarball from `npm pack`, a folder, another
// version): offline tests and unreleased checkouts. Arguments are passed on to `portcullis`.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

function packageSpec() {
  const override = process.env.PORTCULLIS_HOOK_PACKAGE;
  if (override) return override;
  const { name, version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  return `${name}@${version}`;
}

// npx is a .cmd file on Windows, which Node starts only through a shell: quote each argument
// there (file names on Windows cannot contain a double quote).
const windows = process.platform === "win32";
const quote = (arg) => (windows ? `"${arg}"` : arg);

const args = ["--yes", "--package", packageSpec(), "--", "portcullis", ...process.argv.slice(2)];
const result = spawnSync(windows ? "npx.cmd" : "npx", args.map(quote), {
  stdio: "inherit",
  shell: windows,
  env: {
    // Quiet installs: no audit, funding or update notices among the findings; npm's own errors
    // (an unreachable registry, a missing version) still show.
    npm_config_audit: "false",
    npm_config_fund: "false",
    npm_config_update_notifier: "false",
    npm_config_loglevel: "error",
    ...process.env,
  },
});
if (result.error) {
  process.stderr.write(
    `portcullis pre-commit hook: cannot run npx (${result.error.message}); it comes with Node >= 20's npm\n`,
  );
  process.exit(2);
}
process.exit(result.status ?? 2);
