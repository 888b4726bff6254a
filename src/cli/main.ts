// The `portcullis` command: dispatches sub-commands; the process boundary (argv, exit code) lives here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../adapters/fs/policy-bundle.js";
import { runCheck, type CliIo } from "./check-command.js";
import { runReview } from "./review-command.js";
import { runRules } from "./rules-command.js";

const USAGE = `usage: portcullis <command> [options]

commands:
  check [paths...]   evaluate manifests with the built-in policies (portcullis check --help)
  review [repo]      review base...head of a git repository as the GitHub App would (portcullis review --help)
  rules              list the built-in rules
  version            print the version`;

export function version(): string {
  return (
    JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }
  ).version;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "check":
      return runCheck(rest, io);
    case "review":
      return runReview(rest, io);
    case "rules":
      return runRules(rest, io);
    case "version":
    case "--version":
      io.stdout.write(`${io.version}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      io.stderr.write(`portcullis: unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

export async function main(): Promise<void> {
  const io: CliIo = {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    version: version(),
  };
  try {
    process.exitCode = await runCli(process.argv.slice(2), io);
  } catch (err) {
    process.stderr.write(
      `portcullis: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 2;
  }
}
