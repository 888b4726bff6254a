// The `portcullis` command: dispatches sub-commands; the process boundary (argv, exit code) lives here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../adapters/fs/policy-bundle.js";
import { UnreadableError } from "../adapters/fs/unreadable.js";
import { SettingError } from "../core/settings.js";
import { runCheck, type CliIo } from "./check-command.js";
import { CliError, didYouMean, parseCommandArgs } from "./command-args.js";
import { messageOf } from "../core/errors.js";

const USAGE = `usage: portcullis <command> [options]

commands:
  check [paths...]   evaluate manifests with the built-in policies (portcullis check --help)
  review [repo]      review base...head of a git repository as the GitHub App would (portcullis review --help)
  rules              list the built-in rules (portcullis rules --help)
  action             the GitHub Action's entry point (docs/action.md)
  version            print the version`;

const VERSION = { name: "version", usage: "usage: portcullis version\n\nPrints the version." };
const COMMANDS = ["check", "review", "rules", "action", "version", "help"];

export function version(): string {
  return (
    JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }
  ).version;
}

/** Why PORTCULLIS_TODAY (when set) is not a calendar day: refused at the boundary, never ignored. */
export function todayProblem(env: CliIo["env"]): string | undefined {
  const fixed = env.PORTCULLIS_TODAY;
  if (!fixed) return undefined;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(fixed) ? new Date(`${fixed}T00:00:00Z`) : undefined;
  return day && !Number.isNaN(day.getTime()) && day.toISOString().startsWith(fixed)
    ? undefined
    : `PORTCULLIS_TODAY must be a day as YYYY-MM-DD, not ${JSON.stringify(fixed)}`;
}

/** Runs a command; what fails at the boundary is one line on stderr and exit 2. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    io.stderr.write(`${boundaryMessage(err)}\n`);
    if (io.env.PORTCULLIS_DEBUG && err instanceof Error) io.stderr.write(`${err.stack}\n`);
    return 2;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  const badDay = ["check", "review", "action"].includes(command ?? "") && todayProblem(io.env);
  if (badDay) {
    io.stderr.write(`portcullis: ${badDay}\n`);
    return 2;
  }
  switch (command) {
    case "check":
      return runCheck(rest, io);
    // Each loaded only when it runs: a one-file `check` starts without review's git, renderers,
    // owners and GitHub output, or the Action's Probot and Octokit (docs/benchmarks.md, "Scale").
    case "review":
      return (await import("./review-command.js")).runReview(rest, io);
    case "rules":
      return (await import("./rules-command.js")).runRules(rest, io);
    case "action":
      return (await import("./action-command.js")).runAction(rest, io);
    case "version":
    case "--version": {
      const parsed = parseCommandArgs(rest, io, VERSION, {}, []);
      if (typeof parsed === "number") return parsed;
      if (parsed.positionals.length > 0) {
        io.stderr.write(`portcullis version: takes no arguments\n`);
        return 2;
      }
      io.stdout.write(`${io.version}\n`);
      return 0;
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default: {
      const guess = didYouMean(command.replace(/^-+/, ""), COMMANDS);
      io.stderr.write(
        `portcullis: unknown command "${command}"${guess ? ` (did you mean "${guess}"?)` : ""}; commands: check, review, rules, version (portcullis --help)\n`,
      );
      return 2;
    }
  }
}

/** What the user reads when a command fails at the process boundary: one line, no stack. */
export function boundaryMessage(err: unknown): string {
  if (err instanceof CliError || err instanceof UnreadableError || err instanceof SettingError)
    return `portcullis: ${err.message}`;
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === "object" && typeof e.code === "string" && e.syscall) {
    const what: Record<string, string> = {
      EISDIR: "is a directory",
      ENOTDIR: "a part of the path is not a directory",
      ENOENT: "no such file or directory",
      EACCES: "permission denied",
      EPERM: "operation not permitted",
      ENOSPC: "no space left on the device",
      EROFS: "read-only file system",
    };
    return `portcullis: cannot ${e.syscall} ${e.path ?? ""}: ${what[e.code] ?? e.code}`.replace(
      / +:/,
      ":",
    );
  }
  const message = messageOf(err);
  return `portcullis: internal error: ${message.split("\n")[0]} (PORTCULLIS_DEBUG=1 prints the stack)`;
}

/**
 * A closed pipe (`portcullis rules --json | head -1`) ends the run quietly, as other tools do;
 * any other failure to write (a full disk) in one line, exit 2.
 */
function onWriteError(stream: NodeJS.WriteStream, name: string): void {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    if (name !== "standard error") process.stderr.write(`${boundaryMessage(named(err, name))}\n`);
    process.exit(2);
  });
}

const named = (err: NodeJS.ErrnoException, name: string) => Object.assign(err, { path: name });

/** Once what `stream` holds is written. */
const flushed = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write("", () => resolve()));

export async function main(): Promise<void> {
  onWriteError(process.stdout, "standard output");
  onWriteError(process.stderr, "standard error");
  const io: CliIo = {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    version: version(),
    stdin: async (maxBytes = Infinity) => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of process.stdin) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size > maxBytes) break; // the rest is not read (the input may never end)
      }
      return Buffer.concat(chunks);
    },
  };
  process.exitCode = await runCli(process.argv.slice(2), io);
  // Everything is written once both streams have flushed (bin/portcullis exits right after).
  await flushed(process.stdout);
  await flushed(process.stderr);
}
