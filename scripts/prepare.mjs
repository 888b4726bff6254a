#!/usr/bin/env node
// npm's prepare hook: build once after install (pre-commit and git installs need dist/), never twice.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./tools.mjs";

const built = ["dist/cli/main.js", "dist/policies/policy.wasm"].every((p) =>
  existsSync(join(ROOT, p)),
);
const canBuild = existsSync(join(ROOT, "node_modules", "typescript"));
if (!built && canBuild) execSync("npm run build", { cwd: ROOT, stdio: "inherit" });
