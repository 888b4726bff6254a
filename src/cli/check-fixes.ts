// `check --fix` / `--fix-dry-run`: applies the open findings' fixes in memory, a few rounds, then
// writes the files (or prints a diff git can apply). Plain --fix applies only the fixes that cannot
// change whether the workload starts (core/fix-safety.ts); `--fix=all` applies the others too.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { applyFixes } from "../fixes/fix.js";
import { fixSafety } from "../fixes/fix-safety.js";
import type { Finding } from "../core/types.js";
import { diffEdits, renderUnifiedDiff } from "../render/unified-diff.js";
import type { EvaluationReport, SourceFile } from "../review/evaluate-files.js";
import type { CliIo } from "./check-command.js";
import { MAX_FIX_ROUNDS } from "../core/limits.js";

/** Which fixes a run applies: the safe ones, or all of them (`--fix=all`). */
export type FixScope = "safe" | "all";

const inScope = (f: Finding, scope: FixScope) =>
  f.status.kind === "open" &&
  f.fix !== undefined &&
  f.documentIndex !== undefined &&
  (scope === "all" || fixSafety(f.rule).safe);

/** Applies the fixes in scope of every open finding, file by file, in memory. */
function applyRound(
  report: EvaluationReport,
  files: readonly SourceFile[],
  scope: FixScope,
): { files: SourceFile[]; applied: number } {
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) {
    if (!inScope(f, scope)) continue;
    byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  }
  let applied = 0;
  const result = files.map((source) => {
    const findings = byFile.get(source.path);
    if (!findings) return source;
    const fixed = applyFixes(
      source.path,
      Buffer.from(source.content).toString("utf8"),
      findings.map((f) => ({ documentIndex: f.documentIndex!, fix: f.fix! })),
    );
    applied += fixed.outcomes.filter((o) => o.applied && o.note === undefined).length;
    return fixed.changed
      ? { path: source.path, content: new TextEncoder().encode(fixed.text) }
      : source;
  });
  return { files: result, applied };
}

/** Fixes rounds until nothing more applies; returns the fixed files and the report on them. */
export async function fixRounds(
  report: EvaluationReport,
  files: readonly SourceFile[],
  scope: FixScope,
  evaluate: (files: readonly SourceFile[]) => Promise<EvaluationReport>,
): Promise<{ files: readonly SourceFile[]; report: EvaluationReport }> {
  for (let round = 0; round < MAX_FIX_ROUNDS; round++) {
    const next = applyRound(report, files, scope);
    if (next.applied === 0) break;
    files = next.files;
    report = await evaluate(files);
  }
  return { files, report };
}

/**
 * Writes the fixed files (or prints their diff against the originals), and lists the fixes that
 * remain: those that need a look (with why) and those the fixer could not apply.
 */
export function publishFixes(
  original: readonly SourceFile[],
  fixed: readonly SourceFile[],
  remaining: EvaluationReport,
  io: CliIo,
  options: { readonly dryRun: boolean; readonly scope: FixScope },
): void {
  let changedFiles = 0;
  fixed.forEach((f, i) => {
    const before = original[i]!;
    if (f === before) return;
    changedFiles++;
    const oldText = Buffer.from(before.content).toString("utf8");
    const newText = Buffer.from(f.content).toString("utf8");
    if (options.dryRun)
      io.stdout.write(renderUnifiedDiff(f.path, oldText, diffEdits(oldText, newText)));
    else writeFileSync(resolve(io.cwd, f.path), newText);
  });
  io.stderr.write(
    `portcullis: ${options.dryRun ? "would change" : "fixed"} ${changedFiles} file(s)${
      options.scope === "all" ? " (--fix=all: fixes that need a look included)" : ""
    }\n`,
  );
  for (const x of remaining.findings.filter((f) => f.status.kind === "open" && f.fix)) {
    const where = `${x.file}:${x.lines.start} ${x.rule} (${x.fix!.op} ${x.fix!.path.join(".")})`;
    const safety = fixSafety(x.rule);
    io.stderr.write(
      options.scope === "safe" && !safety.safe
        ? `portcullis: fix needs a look, not applied: ${where}: ${safety.reason} (--fix=all applies it)\n`
        : `portcullis: fix not applied: ${where}\n`,
    );
  }
}
