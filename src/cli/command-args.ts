// Argument parsing shared by the sub-commands: usage errors exit 2 with the command's usage text.
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CliIo } from "./check-command.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Command {
  readonly name: string;
  readonly usage: string;
}

export function usageError(io: CliIo, command: Command, message: string): number {
  io.stderr.write(`portcullis ${command.name}: ${message}\n${command.usage}\n`);
  return 2;
}

/**
 * Parses a sub-command's arguments (with `-h/--help` and `-f/--format` among `formats`); returns
 * the exit code instead when the command is done (help printed or a usage error reported).
 */
export function parseCommandArgs<O extends Options, F extends string>(
  argv: readonly string[],
  io: CliIo,
  command: Command,
  options: O,
  formats: readonly F[],
) {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        ...options,
        format: { type: "string", short: "f" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    return usageError(io, command, err instanceof Error ? err.message : String(err));
  }
  const raw = parsed.values as Record<string, string | boolean | undefined>;
  const values = {
    /** A string option's value (options declared `type: "string"`). */
    text: (name: keyof O & string) =>
      typeof raw[name] === "string" ? (raw[name] as string) : undefined,
    /** Whether a boolean option was given. */
    flag: (name: keyof O & string) => raw[name] === true,
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
  if (!formats.includes(format)) {
    return usageError(
      io,
      command,
      `unknown format "${String(raw.format)}" (one of ${formats.join(", ")})`,
    );
  }
  return { values, positionals: parsed.positionals, format };
}
