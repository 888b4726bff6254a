// "Apply fixes": every safe fix of a pull request's open findings as one commit on its branch.
import { applyFixes } from "../fixes/fix.js";
import type { Finding } from "../core/types.js";
import type { CheckAction } from "../render/check-run.js";
import type { FileChange } from "../ports/commit-writer.js";
import { compareText } from "../core/compare-text.js";

export type { CommitWriter, FileChange } from "../ports/commit-writer.js";

export const APPLY_FIXES: CheckAction = {
  label: "Apply fixes",
  description: "Commit every safe fix to this branch",
  identifier: "apply-fixes",
};

export interface FixCommitPlan {
  readonly files: readonly FileChange[];
  /** Rule id -> how many of its findings the commit fixes. */
  readonly rules: ReadonlyMap<string, number>;
}

/** The files the fixes of `findings` change, with the rules they settle. */
export function planFixCommit(
  findings: readonly Finding[],
  texts: ReadonlyMap<string, string>,
): FixCommitPlan {
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.status.kind !== "open" || !f.fix || f.documentIndex === undefined || !texts.has(f.file))
      continue;
    byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  }
  const files: FileChange[] = [];
  const rules = new Map<string, number>();
  for (const [path, list] of byFile) {
    const result = applyFixes(
      path,
      texts.get(path)!,
      list.map((f) => ({ documentIndex: f.documentIndex!, fix: f.fix! })),
    );
    if (!result.changed) continue;
    files.push({ path, text: result.text });
    result.outcomes.forEach((o, i) => {
      if (o.applied && o.note === undefined)
        rules.set(list[i]!.rule, (rules.get(list[i]!.rule) ?? 0) + 1);
    });
  }
  return { files, rules };
}

export function fixCommitMessage(plan: FixCommitPlan): string {
  const lines = [...plan.rules]
    .sort(([a], [b]) => compareText(a, b))
    .map(([rule, n]) => `- ${rule}: ${n} finding${n === 1 ? "" : "s"}`);
  return `Apply Portcullis fixes\n\nSafe fixes for the open findings of this pull request:\n${lines.join("\n")}\n`;
}
