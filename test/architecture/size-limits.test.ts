// Files and functions stay small enough to read (docs/architecture.md, "Size"): lint fails a
// function over 80 lines or a file over 600, blank lines and comments not counted (eslint.config.js).
import { ESLint } from "eslint";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";

const root = packageRoot();
const eslint = new ESLint({ cwd: root });

/** The size errors lint reports for `code` placed at `file` (repository-relative). */
async function sizeErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages
    .filter((m) => m.ruleId === "max-lines" || m.ruleId === "max-lines-per-function")
    .map((m) => `${m.ruleId}: ${m.message}`);
}

/** A function of `lines` statements, each a line of its own. */
function longFunction(lines: number): string {
  const body = Array.from({ length: lines }, (_, i) => `  total += ${i};`).join("\n");
  return `export function deliberatelyLong(): number {\n  let total = 0;\n${body}\n  return total;\n}\n`;
}

describe("file and function sizes are enforced by lint", () => {
  it("fails a function over 80 lines in src/ and in scripts/", async () => {
    const code = longFunction(80); // 80 statements + the signature, `let`, `return` and `}`
    expect(await sizeErrors("src/core/deliberately-long.ts", code)).toEqual([
      expect.stringMatching(
        /^max-lines-per-function: .*deliberatelyLong.* \(84\)\. Maximum allowed is 80/,
      ),
    ]);
    expect(await sizeErrors("scripts/deliberately-long.mjs", code)).toEqual([
      expect.stringContaining("max-lines-per-function"),
    ]);
  });

  it("passes a function of 80 lines, and does not count blank lines and comments", async () => {
    expect(await sizeErrors("src/core/fine.ts", longFunction(76))).toEqual([]);
    const commented = longFunction(76).replace(/\n {2}total/g, "\n\n  // a comment\n  total");
    expect(await sizeErrors("src/core/fine.ts", commented)).toEqual([]);
  });

  it("fails a source file over 600 lines", async () => {
    const code = Array.from({ length: 601 }, (_, i) => `export const v${i} = ${i};`).join("\n");
    expect(await sizeErrors("src/core/deliberately-long.ts", `${code}\n`)).toEqual([
      expect.stringMatching(/^max-lines: File has too many lines \(601\)\. Maximum allowed is 600/),
    ]);
  });

  it("exempts test files, and a function whose reason is stated next to it", async () => {
    expect(await sizeErrors("test/core/deliberately-long.test.ts", longFunction(200))).toEqual([]);
    const stated = `// eslint-disable-next-line max-lines-per-function -- a reason\n${longFunction(200)}`;
    expect(await sizeErrors("src/core/stated.ts", stated)).toEqual([]);
  });

  it("exempts no source file wholesale, and each exemption says why its function is one piece", async () => {
    const files = ["src", "scripts"].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => /\.(ts|mjs|cjs|js)$/.test(f))
        .map((f) => join(dir, f)),
    );
    const wholesale: string[] = [];
    const unstated: string[] = [];
    for (const file of files) {
      const config = (await eslint.calculateConfigForFile(join(root, file))) as {
        rules: Record<string, unknown[]>;
      };
      for (const rule of ["max-lines", "max-lines-per-function"])
        if (!["error", 2].includes(config.rules[rule]?.[0] as string | number))
          wholesale.push(`${file}: ${rule}`);
      readFileSync(join(root, file), "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (!/eslint-disable.*max-lines/.test(line)) return;
          const reason = /--\s*(.*)$/.exec(line)?.[1] ?? "";
          // A reason, not a deferral: "being changed in parallel", "split once that is merged".
          if (reason.length < 40 || /parallel|merged|split (later|when|once|after)/i.test(reason))
            unstated.push(`${file}:${i + 1}: ${reason || "(no reason)"}`);
        });
    }
    expect(wholesale).toEqual([]);
    expect(unstated).toEqual([]);
  }, 300_000);

  it("passes the repository's own sources and scripts", async () => {
    const results = await eslint.lintFiles(["src/**/*.ts", "scripts/**/*.mjs"]);
    const sizes = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === "max-lines" || m.ruleId === "max-lines-per-function")
        .map((m) => `${r.filePath}:${m.line}: ${m.message}`),
    );
    expect(sizes).toEqual([]);
    // Linting every source takes a while on a loaded machine.
  }, 300_000);
});
