#!/usr/bin/env node
// npm's postinstall hook: build once after installing from a checkout (pre-commit and git installs
// need dist/); a packed install already carries dist/ and skips. Not `prepare`: npm prints its banner on
// `npm pack`'s stdout, which pre-commit reads as the tarball name.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

const built = ["dist/cli/main.js", "dist/portcullis.cjs", "dist/policies/policy.wasm"].every((p) =>
  existsSync(join(ROOT, p)),
);
const canBuild = existsSync(join(ROOT, "node_modules", "typescript"));
if (!built && canBuild) execSync("npm run build", { cwd: ROOT, stdio: "inherit" });
