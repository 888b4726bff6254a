// What `check` reads from standard input, and where it writes its report: --output's file
// (checked before the run) or standard output.
import { closeSync, openSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Config } from "../config/config.js";
import type { SourceFile } from "../core/report.js";
import type { TextSink } from "../render/json-stream.js";
import type { CliIo } from "./check-command.js";

/**
 * Standard input as the file at `path`, refused once past the file size limit: the rest is not
 * read (an input that never ends, a renderer gone wrong, would otherwise fill the memory).
 */
export async function readStdin(path: string, io: CliIo, config: Config): Promise<SourceFile> {
  const max = config.limits.maxFileBytes;
  const content = await io.stdin!(max);
  if (content.length <= max) return { path, content };
  const refused = `standard input is more than ${max} bytes, above the ${max}-byte limit (limits.maxFileBytes); it was not evaluated`;
  return { path, content: new Uint8Array(), refused };
}

/**
 * Checked before the run: where --output writes must be a file in an existing folder, and not
 * one of the files given to check (`paths`, relative to `cwd`), which the report would replace.
 */
export function outputProblem(
  path: string,
  given: string,
  paths: readonly string[],
  cwd: string,
): string | undefined {
  const stat = (p: string) => {
    try {
      return statSync(p);
    } catch {
      return undefined;
    }
  };
  if (stat(path)?.isDirectory()) return `--output ${given} is a directory, not a file`;
  const folder = stat(dirname(path));
  if (!folder) return `--output ${given}: the folder ${dirname(given)} does not exist`;
  if (!folder.isDirectory()) return `--output ${given}: ${dirname(given)} is not a folder`;
  const checked = paths.find((p) => p !== "-" && resolve(cwd, p) === path);
  if (checked)
    return `--output ${given} is ${checked}, a file given to check: the report would replace it`;
  return undefined;
}

/**
 * Where the report goes: the --output file (written as it is rendered) or standard output. A
 * write to the file that fails (a full disk) names the file (writeSync's error names none).
 */
export function outputSink(io: CliIo, outputAbs: string | undefined): TextSink {
  if (!outputAbs) return { write: (text) => io.stdout.write(text), end: () => undefined };
  const fd = openSync(outputAbs, "w");
  const write = (text: string) => {
    try {
      writeFileSync(fd, text);
    } catch (err) {
      closeSync(fd);
      throw Object.assign(err as NodeJS.ErrnoException, { path: outputAbs });
    }
  };
  return { write, end: () => closeSync(fd) };
}
