// The layering of docs/architecture.md is enforced by lint (eslint.config.js): a wrong import fails.
import { ESLint } from "eslint";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";

const root = packageRoot();
const eslint = new ESLint({ cwd: root });

/** The layering errors lint reports for `code` placed at `file` (repository-relative). */
async function layeringErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages.filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("the layering is enforced by lint", () => {
  it("fails a pure folder (core) that imports the file system or an SDK", async () => {
    expect(
      await layeringErrors(
        "src/core/deliberate-wrong.ts",
        'import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n',
      ),
    ).toEqual([expect.stringContaining("a pure folder does no I/O")]);
    expect(
      await layeringErrors(
        "src/render/deliberate-wrong.ts",
        'import { Octokit } from "@octokit/rest";\nexport const x = Octokit;\n',
      ),
    ).toEqual([expect.stringContaining("a pure folder does no I/O")]);
  });

  it("fails core importing a use case or an adapter", async () => {
    expect(
      await layeringErrors(
        "src/core/deliberate-wrong.ts",
        'import { evaluateFiles } from "../review/evaluate-files.js";\nexport const x = evaluateFiles;\n',
      ),
    ).toEqual([expect.stringContaining("core is the shared vocabulary")]);
  });

  it("fails an adapter that imports a use case, and passes one that imports a port", async () => {
    expect(
      await layeringErrors(
        "src/adapters/github/deliberate-wrong.ts",
        'import { reviewChanges } from "../../review/review-changes.js";\nexport const x = reviewChanges;\n',
      ),
    ).toEqual([expect.stringContaining("adapters implement ports")]);
    expect(
      await layeringErrors(
        "src/adapters/github/deliberate-wrong.ts",
        'import { publishGitChecks } from "../../owners/git-checks.js";\nexport const x = publishGitChecks;\n',
      ),
    ).toEqual([expect.stringContaining("adapters implement ports")]);
    expect(
      await layeringErrors(
        "src/adapters/github/fine.ts",
        'import type { TaskQueue } from "../../ports/task-queue.js";\nexport type X = TaskQueue<string>;\n',
      ),
    ).toEqual([]);
  });

  it("fails a use case that imports a front door", async () => {
    expect(
      await layeringErrors(
        "src/review/deliberate-wrong.ts",
        'import { runCheck } from "../cli/check-command.js";\nexport const x = runCheck;\n',
      ),
    ).toEqual([expect.stringContaining("use cases are driven by the front doors")]);
  });

  it("passes the repository's own sources", async () => {
    const results = await eslint.lintFiles(["src/**/*.ts"]);
    const layering = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === "no-restricted-imports")
        .map((m) => `${r.filePath}:${m.line}: ${m.message}`),
    );
    expect(layering).toEqual([]);
  });
});
