#!/usr/bin/env node
// Writes schemas/config.schema.json from the built catalogue (npm run build:ts first); `--check`
// exits 1 when the committed file differs (the schema test runs the same comparison).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const { configSchema } = await import(join(ROOT, "dist/config/config-schema.js"));
const { loadPolicyBundle } = await import(join(ROOT, "dist/adapters/fs/policy-bundle.js"));
const bundle = loadPolicyBundle();
const text = `${JSON.stringify(configSchema({ rules: bundle.rules, settingDefaults: bundle.settingDefaults }), null, 2)}\n`;
const file = join(ROOT, "schemas/config.schema.json");
if (process.argv.includes("--check")) {
  // Compared as data: the committed file is formatted by prettier.
  if (JSON.stringify(JSON.parse(readFileSync(file, "utf8"))) !== JSON.stringify(JSON.parse(text))) {
    process.stderr.write("schemas/config.schema.json is stale: run npm run schemas\n");
    process.exit(1);
  }
} else writeFileSync(file, text);
