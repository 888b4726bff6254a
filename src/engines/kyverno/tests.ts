// A repository's own Kyverno test suites (`kyverno-test.yaml`, Kyverno's `Test` kind) run by the
// pinned `kyverno test` in the renderers' lock, one run per suite folder; each verdict comes back
// with the suite file and the line of the expectation it checks.
import { posix } from "node:path";
import { isPlainObject } from "../../core/plain-data.js";
import { parseManifest } from "../../yaml/index.js";
import type { ParsedDocument } from "../../yaml/types.js";
import { NO_TESTS, type PolicyTestRun } from "../../core/policy-change.js";
import type { PolicyTestContext } from "../engine.js";
import { KyvernoCli, KYVERNO_INSTALL_HINT } from "./run.js";

export const KYVERNO_TEST_FILE = "kyverno-test.yaml";

export interface KyvernoTestResult {
  /** The suite file (repository-relative) and the line of the expectation this verdict checks. */
  readonly file: string;
  readonly line: number;
  readonly policy: string;
  readonly rule: string;
  /** `apiVersion/Kind/namespace/name` as Kyverno names it. */
  readonly resource: string;
  readonly passed: boolean;
  /** Kyverno's reason ("Ok", "Want fail, got pass"...). */
  readonly reason: string;
}

/** A suite that could not be run, at its file. */
export interface KyvernoTestProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export interface KyvernoTestRun {
  readonly results: readonly KyvernoTestResult[];
  readonly problems: readonly KyvernoTestProblem[];
}

const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined ? "" : String(v));

/** The line of the `results` entry (and its resource item) a verdict row checks. */
function lineOf(doc: ParsedDocument | undefined, row: Record<string, unknown>): number {
  if (!doc || !isPlainObject(doc.value)) return 1;
  const results = Array.isArray(doc.value.results) ? doc.value.results : [];
  const resource = str(row.RESOURCE);
  const name = resource.split("/").slice(-1)[0] ?? "";
  const namespaced = resource.split("/").slice(-2).join("/");
  for (let i = 0; i < results.length; i++) {
    const r: unknown = results[i];
    if (!isPlainObject(r) || str(r.policy).split("/").pop() !== str(row.POLICY)) continue;
    if (str(r.rule) !== str(row.RULE)) continue;
    const names = Array.isArray(r.resources) ? r.resources.map(str) : [str(r.resource)];
    const k = names.findIndex((n) => n === name || n === namespaced || n === resource);
    if (k < 0) continue;
    const at = Array.isArray(r.resources) ? ["results", i, "resources", k] : ["results", i];
    return doc.locate(at).lines.start;
  }
  return doc.kindLine;
}

/** The JSON arrays of `kyverno test -o json` (after its progress lines). */
function verdictRows(stdout: string): Record<string, unknown>[] | undefined {
  // The array starts and ends on lines of their own; a summary line follows it.
  const array = /^\[[\s\S]*?^\]$/m.exec(stdout);
  if (!array) return undefined;
  try {
    const parsed: unknown = JSON.parse(array[0]);
    return Array.isArray(parsed) ? parsed.filter(isPlainObject) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs every suite among `files` (repository-relative path -> text: the suites and every file they
 * name, from the same folder down). A suite Kyverno cannot run is a problem at its file, never a pass.
 */
export async function runKyvernoTests(
  files: ReadonlyMap<string, string>,
  cli: KyvernoCli = new KyvernoCli(),
): Promise<KyvernoTestRun> {
  const results: KyvernoTestResult[] = [];
  const problems: KyvernoTestProblem[] = [];
  const suites = [...files.keys()].filter((p) => posix.basename(p) === KYVERNO_TEST_FILE).sort();
  for (const suite of suites) {
    const dir = posix.dirname(suite);
    const prefix = dir === "." ? "" : `${dir}/`;
    const copy = new Map(
      [...files]
        // Only this suite: `kyverno test .` would also run the suites of folders below.
        .filter(([p]) => p.startsWith(prefix) && (p === suite || !suites.includes(p)))
        .map(([p, text]) => [p.slice(prefix.length), text]),
    );
    const doc = parseManifest(suite, files.get(suite)!).documents[0];
    let stdout = "";
    const ran = await cli.run(["test", ".", "-o", "json", "--remove-color"], copy, (chunk) => {
      stdout += chunk;
    });
    const rows = verdictRows(stdout);
    // `kyverno test` exits 1 when a test fails: the verdicts still came.
    if (!rows) {
      const why = ran.ok ? "kyverno test printed no verdicts" : ran.message;
      problems.push({
        file: suite,
        line: doc?.kindLine ?? 1,
        message: `Kyverno test suite could not run: ${why}`,
      });
      continue;
    }
    for (const row of rows)
      results.push({
        file: suite,
        line: lineOf(doc, row),
        policy: str(row.POLICY),
        rule: str(row.RULE),
        resource: str(row.RESOURCE),
        passed: str(row.RESULT) === "Pass",
        reason: str(row.REASON),
      });
  }
  return { results, problems };
}

/**
 * The plug-in point's `tests` (src/engines/engine.ts): the `kyverno-test.yaml` suites under the
 * admission folders at the head, each with every file of its folder and below, run by the pinned
 * `kyverno test`; without the binary, a problem at the first suite, never a pass.
 */
export async function kyvernoPolicyTests(
  ctx: PolicyTestContext,
  cli = new KyvernoCli({ timeLimitMs: ctx.timeLimitMs }, ctx.env as NodeJS.ProcessEnv),
): Promise<PolicyTestRun> {
  const dirs = ctx.config.policies.gatekeeper;
  if (!ctx.config.policies.enabled || dirs.length === 0) return NO_TESTS;
  const listed = await ctx.files.list(dirs);
  const suites = listed.filter((p) => posix.basename(p) === KYVERNO_TEST_FILE);
  if (suites.length === 0) return NO_TESTS;
  const folders = suites.map((s) => (posix.dirname(s) === "." ? "" : `${posix.dirname(s)}/`));
  const wanted = listed.filter((p) => folders.some((f) => p.startsWith(f)));
  const files = new Map((await ctx.files.read(wanted)).map((f) => [f.path, f.text]));
  if (!cli.available)
    return {
      results: [],
      problems: [
        {
          file: suites[0]!,
          line: 1,
          message: `Kyverno test suites cannot run: kyverno is not installed (${KYVERNO_INSTALL_HINT})`,
        },
      ],
    };
  const run = await runKyvernoTests(files, cli);
  return {
    problems: [...run.problems],
    results: run.results.map((r) => ({
      engine: "kyverno",
      file: r.file,
      line: r.line,
      name: `${r.policy}/${r.rule} ${r.resource}`,
      outcome: r.passed ? "pass" : "fail",
      ...(r.passed ? {} : { message: r.reason }),
    })),
  };
}
