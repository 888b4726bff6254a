// Throwaway directories of files, and `portcullis check --format json` run on them in-process.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCommand } from "./cli.js";

const created: string[] = [];

/** A new directory holding `files` (repository-relative paths, text or bytes). */
export function workspace(files: Readonly<Record<string, string | Uint8Array>>): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-ws-"));
  created.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Deletes every directory `workspace` made (for an `afterAll`). */
export function removeWorkspaces(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface JsonFinding {
  readonly rule: string;
  readonly severity: string;
  readonly message: string;
  readonly file: string;
  readonly lines: { readonly start: number; readonly end: number };
  readonly status: string;
  readonly failing: boolean;
}

export interface JsonReport {
  readonly summary: { readonly filesEvaluated: number; readonly documentsEvaluated: number };
  readonly findings: readonly JsonFinding[];
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
  readonly errors: readonly { readonly file: string; readonly line: number }[];
}

/** `portcullis check . --format json` in a workspace of `files`: the exit code and the report. */
export async function checkFiles(
  files: Readonly<Record<string, string | Uint8Array>>,
  args: readonly string[] = [],
) {
  const dir = workspace(files);
  const { code, stdout, stderr } = await runCommand(
    ["check", ".", "--format", "json", ...args],
    dir,
  );
  return { code, stderr, report: JSON.parse(stdout) as JsonReport };
}

/** `portcullis check ...args --format json` in the folder `dir`: the exit code and the report. */
export async function checkIn(dir: string, ...args: string[]) {
  const r = await runCommand(["check", ...args, "--format", "json"], dir);
  return { code: r.code, stderr: r.stderr, report: JSON.parse(r.stdout || "null") as JsonReport };
}

/** `file:line:rule` of every finding, the shape most hostile-input tests compare. */
export function ruleLines(findings: readonly Pick<JsonFinding, "file" | "lines" | "rule">[]) {
  return findings.map((f) => `${f.file}:${f.lines.start}:${f.rule}`);
}
