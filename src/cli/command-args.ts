// Argument parsing shared by the sub-commands: usage errors are one line on stderr and exit 2.
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CliIo } from "./check-command.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Command {
  readonly name: string;
  readonly usage: string;
}

/**
 * An error the user can act on (a bad argument, a missing or unreadable file): `main` prints its
 * message on one line and exits 2, never a stack trace.
 */
export class CliError extends Error {}

/** One line: what is wrong and where the help is. */
export function usageError(io: CliIo, command: Command, message: string): number {
  io.stderr.write(
    `portcullis ${command.name}: ${message} (portcullis ${command.name} --help shows the options)\n`,
  );
  return 2;
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two short words. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest of `candidates` to `word`, when it is close enough to be a typo of it. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const distance = c.startsWith(word) && word.length >= 3 ? 1 : editDistance(word, c);
    if (distance < bestDistance) [best, bestDistance] = [c, distance];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3))
    ? best
    : undefined;
}

/** node:util's parser messages, in one line and our words (with a did-you-mean for a typo). */
function parseErrorMessage(err: unknown, options: Options): string {
  const e = err as { code?: string; message?: string };
  const message = String(e.message ?? err).split("\n")[0]!;
  const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(message);
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) {
    const [, dashes, name] = unknown;
    const guess = dashes === "--" ? didYouMean(name!, Object.keys(options)) : undefined;
    return `unknown option ${dashes}${name}${guess ? ` (did you mean --${guess}?)` : ""}`;
  }
  const needsValue = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
  if (needsValue) return `${needsValue[1]} needs a value`;
  const noValue = /^Option '(--[\w-]+)' does not take an argument/.exec(message);
  if (noValue) return `${noValue[1]} takes no value`;
  return message.replace(/\. To specify .*$/, "");
}

/**
 * Parses a sub-command's arguments (with `-h/--help`, and `-f/--format` among `formats` when
 * there are any); returns the exit code instead when the command is done (help printed or a usage
 * error reported).
 */
export function parseCommandArgs<O extends Options, F extends string>(
  argv: readonly string[],
  io: CliIo,
  command: Command,
  options: O,
  formats: readonly F[],
) {
  const all: Options = {
    ...options,
    ...(formats.length > 0 ? { format: { type: "string", short: "f" } } : {}),
    help: { type: "boolean", short: "h" },
  };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: all });
  } catch (err) {
    return usageError(io, command, parseErrorMessage(err, all));
  }
  const raw = parsed.values as Record<string, string | boolean | undefined>;
  const values = {
    /** A string option's value (options declared `type: "string"`). */
    text: (name: keyof O & string) =>
      typeof raw[name] === "string" ? (raw[name] as string) : undefined,
    /** Whether a boolean option was given. */
    flag: (name: keyof O & string) => raw[name] === true,
    /** Whether an option was given at all. */
    given: (name: keyof O & string) => raw[name] !== undefined,
    /** Every value of a repeatable string option (`multiple: true`). */
    list: (name: keyof O & string): string[] => {
      const v = (parsed.values as Record<string, unknown>)[name];
      return Array.isArray(v)
        ? v.filter((x): x is string => typeof x === "string")
        : typeof v === "string"
          ? [v]
          : [];
    },
  };
  if (raw.help) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  const format = (raw.format ?? formats[0]) as F;
  if (formats.length > 0 && !formats.includes(format)) {
    return usageError(
      io,
      command,
      `unknown format "${String(raw.format)}" (one of ${formats.join(", ")})`,
    );
  }
  return { values, positionals: parsed.positionals, format };
}

/**
 * Refuses options that make no sense together or alone: `[a, b]` pairs that exclude each other,
 * and options that need another (`--namespace` without `--policy`).
 */
export function conflictingOptions(
  given: (name: string) => boolean,
  rules: {
    readonly exclusive?: readonly (readonly [string, string])[];
    readonly needs?: Readonly<Record<string, string>>;
  },
): string | undefined {
  for (const [a, b] of rules.exclusive ?? [])
    if (given(a) && given(b)) return `--${a} and --${b} cannot be used together`;
  for (const [option, needed] of Object.entries(rules.needs ?? {}))
    if (given(option) && !given(needed)) return `--${option} needs --${needed}`;
  return undefined;
}
