// `portcullis rules`: the built-in catalogue, one line per rule (or JSON).
import { loadPolicyBundle } from "../adapters/fs/policy-bundle.js";
import { ruleHelpUri } from "../render/links.js";
import type { CliIo } from "./check-command.js";
import { parseCommandArgs, usageError } from "./command-args.js";
import { compareText } from "../core/compare-text.js";

export const RULES_USAGE = `usage: portcullis rules [--json]

Lists the built-in rules: id, default severity and title (--json: every field, with its help link).

options:
      --json      print the rules as a JSON array
  -h, --help      show this help`;

const RULES = { name: "rules", usage: RULES_USAGE };

export function runRules(argv: readonly string[], io: CliIo): number {
  const parsed = parseCommandArgs(argv, io, RULES, { json: { type: "boolean" } }, []);
  if (typeof parsed === "number") return parsed;
  if (parsed.positionals.length > 0)
    return usageError(io, RULES, `takes no arguments (got "${parsed.positionals[0]}")`);
  const bundle = io.bundle ?? loadPolicyBundle();
  const rules = [...bundle.rules.values()].sort((a, b) => compareText(a.id, b.id));
  if (parsed.values.flag("json")) {
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
