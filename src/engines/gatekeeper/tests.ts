// The repository's gator suites (`kind: Suite`, test.gatekeeper.sh), run as `gator verify` runs
// them: each case's template and constraint loaded by the project's Gatekeeper engine (proven equal
// to gator over gatekeeper-library, docs/decisions.md), its object evaluated, its assertions judged.
// Each result at the case's line in its suite file.
import { posix } from "node:path";
import { isYamlOrJson } from "../../core/file-role.js";
import { messageOf } from "../../core/errors.js";
import { NO_TESTS, type PolicyTestResult, type PolicyTestRun } from "../../core/policy-change.js";
import type { Problem } from "../../core/problem.js";
import type { PolicySource } from "../../ports/policy-compiler.js";
import { parseManifest } from "../../yaml/index.js";
import type { ParsedDocument } from "../../yaml/types.js";
import { engineOf, type Engine, type PolicyTestContext } from "../engine.js";
import type { GatekeeperCel } from "./cel-code.js";
import { loadGatekeeperCel } from "./cel-engine.js";
import { checkAssertion, isSuite, type SuiteCase, type SuiteTest } from "./suite.js";

const ENGINE = "gatekeeper";

/** A case's template and constraint, loaded: the engines that judge it, or why none can. */
interface SuitePolicies {
  readonly engines: readonly Engine[];
  readonly problems: readonly Problem[];
}

/** A suite-relative path inside the repository, or undefined (absolute, `..` out of it). */
function resolveIn(suiteFile: string, path: unknown): string | undefined {
  if (typeof path !== "string" || path === "" || path.startsWith("/") || path.includes("\0"))
    return undefined;
  const joined = posix.normalize(posix.join(posix.dirname(suiteFile), path));
  return joined.startsWith("../") || joined === ".." ? undefined : joined;
}

interface CaseAt {
  readonly suite: string;
  readonly line: number;
  readonly test: SuiteTest;
  readonly testIndex: number;
  readonly kase: SuiteCase;
}

/** Every case of every suite document, with its line. */
function casesOf(file: string, doc: ParsedDocument): CaseAt[] {
  const tests = (doc.value as { tests?: unknown }).tests;
  if (!Array.isArray(tests)) return [];
  return tests.flatMap((test: SuiteTest, testIndex) =>
    (Array.isArray(test?.cases) ? test.cases : []).map((kase, j) => ({
      suite: file,
      line: doc.locate(["tests", testIndex, "cases", j, "name"]).lines.start,
      test,
      testIndex,
      kase,
    })),
  );
}

/** The gator suites under `policies.gatekeeper` at the files `ctx` reads. */
export async function runGatekeeperSuites(ctx: PolicyTestContext): Promise<PolicyTestRun> {
  const dirs = ctx.config.policies.gatekeeper;
  if (!ctx.config.policies.enabled || dirs.length === 0) return NO_TESTS;
  const files = (await ctx.files.list(dirs)).filter(isYamlOrJson);
  const texts = await ctx.files.read(files);
  const cases: CaseAt[] = [];
  for (const f of texts) {
    if (!/^kind:\s*["']?Suite/m.test(f.text)) continue;
    for (const doc of parseManifest(f.path, f.text).documents)
      if (isSuite(doc.value)) cases.push(...casesOf(f.path, doc));
  }
  if (cases.length === 0) return NO_TESTS;
  if (!ctx.opa)
    return {
      results: [],
      problems: [
        {
          file: cases[0]!.suite,
          line: 1,
          message: "gator suites need the OPA toolchain, which is not set up",
        },
      ],
    };
  const runner = new SuiteRunner(ctx);
  const started = Date.now();
  const results: PolicyTestResult[] = [];
  const problems: Problem[] = [];
  for (const [i, c] of cases.entries()) {
    if (Date.now() - started > ctx.timeLimitMs) {
      problems.push({
        file: c.suite,
        line: c.line,
        message: `gator suites stopped after ${Math.round(ctx.timeLimitMs / 1000)} s: ${cases.length - i} cases not run`,
      });
      break;
    }
    results.push(await runner.run(c));
  }
  return { results, problems };
}

class SuiteRunner {
  private readonly loads = new Map<string, Promise<SuitePolicies>>();
  constructor(private readonly ctx: PolicyTestContext) {}

  async run(c: CaseAt): Promise<PolicyTestResult> {
    const name = `${c.test.name ?? `test ${c.testIndex + 1}`} / ${c.kase.name ?? "case"}`;
    const base = { engine: ENGINE, file: c.suite, line: c.line, name };
    if (c.test.skip === true || c.kase.skip === true) return { ...base, outcome: "skip" };
    try {
      const failure = await this.judge(c);
      return failure === undefined
        ? { ...base, outcome: "pass" }
        : { ...base, outcome: failure.error ? "error" : "fail", message: failure.message };
    } catch (err) {
      return { ...base, outcome: "error", message: messageOf(err) };
    }
  }

  /** Why the case fails (`error`: it could not be decided), or undefined when it holds. */
  private async judge(c: CaseAt): Promise<{ message: string; error?: boolean } | undefined> {
    const paths = {
      template: resolveIn(c.suite, c.test.template),
      constraint: resolveIn(c.suite, c.test.constraint),
      object: resolveIn(c.suite, c.kase.object),
      inventory: (c.kase.inventory ?? []).map((p) => resolveIn(c.suite, p)),
    };
    const bad = [paths.template, paths.constraint, paths.object, ...paths.inventory].some(
      (p) => p === undefined,
    );
    if (bad) return { message: "a path of this case is not inside the repository", error: true };
    const [template, constraint, object, ...inventory] = await this.ctx.files.read([
      paths.template!,
      paths.constraint!,
      paths.object!,
      ...(paths.inventory as string[]),
    ]);
    const missing = [template, constraint, object, ...inventory].find((s) => s!.text === "");
    if (missing) return { message: `${missing.path} is missing or empty`, error: true };
    const objects = parseManifest(object!.path, object!.text).documents.map((d) => d.value);
    if (objects.length !== 1)
      return {
        message: `${object!.path} holds ${objects.length} objects; a case takes one`,
        error: true,
      };
    const inventoryObjects = inventory.flatMap((s) =>
      parseManifest(s!.path, s!.text).documents.map((d) => d.value),
    );
    const loaded = await this.load([template!, constraint!], inventoryObjects);
    const problem = loaded.problems[0];
    if (problem)
      return { message: `${problem.file}:${problem.line}: ${problem.message}`, error: true };
    if (loaded.engines.length === 0)
      return { message: "the constraint holds no evaluable policy", error: true };
    const input = { document: objects[0], file: { path: object!.path, partial: false } };
    const results = await Promise.all(loaded.engines.map((e) => e.evaluate([input])));
    const messages: string[] = [];
    for (const [result] of results) {
      if (!result || !result.ok) return { message: result?.error ?? "not evaluated", error: true };
      messages.push(...result.findings.map((f) => f.msg));
    }
    const undecided = messages.find((m) => m.startsWith("not evaluated"));
    if (undecided) return { message: undecided, error: true };
    const failures = (c.kase.assertions ?? [])
      .map((a) => checkAssertion(a, messages))
      .filter((x): x is string => x !== undefined);
    return failures.length > 0 ? { message: failures.join("; ") } : undefined;
  }

  private load(files: PolicySource[], inventory: unknown[]): Promise<SuitePolicies> {
    const key = JSON.stringify([files.map((f) => f.text), inventory]);
    let loading = this.loads.get(key);
    if (!loading) {
      loading = this.compile(files, inventory);
      this.loads.set(key, loading);
    }
    return loading;
  }

  /** The template's Rego engine and, for K8sNativeValidation code, its CEL engine (as gator runs CEL first). */
  private async compile(files: PolicySource[], inventory: unknown[]): Promise<SuitePolicies> {
    const loaded = await this.ctx.opa!.compiler.gatekeeper(files, inventory);
    const cel = loaded.cel
      ? await loadGatekeeperCel(loaded.cel as GatekeeperCel, inventory, [], {
          ...(this.ctx.env as NodeJS.ProcessEnv),
        })
      : { problems: [] };
    return {
      engines: [
        ...(loaded.engine ? [engineOf(ENGINE, loaded.engine)] : []),
        ...(cel.engine ? [cel.engine] : []),
      ],
      problems: [...loaded.errors, ...loaded.notEvaluated, ...cel.problems],
    };
  }
}
