// `portcullis rules`: the built-in catalogue, one line per rule (or JSON).
import { loadPolicyBundle } from "../adapters/fs/policy-bundle.js";
import { ruleHelpUri } from "../render/links.js";
import type { CliIo } from "./check-command.js";

export function runRules(argv: readonly string[], io: CliIo): number {
  const bundle = io.bundle ?? loadPolicyBundle();
  const rules = [...bundle.rules.values()].sort((a, b) => a.id.localeCompare(b.id));
  if (argv.includes("--json")) {
    io.stdout.write(
      `${JSON.stringify(
        rules.map((r) => ({ ...r, helpUri: ruleHelpUri(r.id) })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  for (const r of rules) io.stdout.write(`${r.id}  ${r.severity.padEnd(7)}  ${r.title}\n`);
  return 0;
}
