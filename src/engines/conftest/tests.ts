// The repository's Rego unit tests (`test_` rules), run as `opa test` / `conftest verify` run them:
// the pinned opa, under the same capabilities as the policies (no network, clock or random
// builtins), in the render sandbox (no PATH, closed proxies, no network namespace where allowed),
// time- and output-limited. Each result at its rule's file and line.
import { fsPromises } from "../../adapters/lazy-builtins.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataKeysOf, isDataFile } from "../../core/file-role.js";
import { messageOf } from "../../core/errors.js";
import { deepMerge } from "../../core/plain-data.js";
import {
  MAX_POLICY_TEST_OUTPUT_BYTES,
  NO_TESTS,
  type PolicyTestResult,
  type PolicyTestRun,
} from "../../core/policy-change.js";
import type { Problem } from "../../core/problem.js";
import type { PolicySource } from "../../ports/policy-compiler.js";
import {
  findUnshare,
  refusedPath,
  runSandboxed,
  sandboxEnvironment,
  withoutTempDir,
  writeTree,
  type SandboxResult,
} from "../../gitops/adapters/sandbox.js";
import { defaultOpaTools } from "../opa/opa-build.js";
import { parsePolicyData } from "../opa/user-policies.js";
import type { PolicyTestContext } from "../engine.js";
import { under } from "../repository-files.js";
import { compareText } from "../../core/compare-text.js";

const ENGINE = "conftest";
/** Where the modules go inside the temporary folder (a name no repository path can take). */
const MODULES = "policy";
/** A Rego rule whose name makes it a test, as opa finds them. */
const TEST_RULE = /^\s*test_[A-Za-z0-9_]*\b/m;

/** One entry of `opa test --format json`. */
interface OpaTestEntry {
  readonly location?: { readonly file?: string; readonly row?: number };
  readonly package?: string;
  readonly name?: string;
  readonly fail?: boolean;
  readonly skip?: boolean;
  readonly error?: { readonly message?: string; readonly code?: string };
}

/** Where the repository's test, data and modules are, as `policies.*` names them. */
async function readInputs(ctx: PolicyTestContext) {
  const config = ctx.config.policies;
  // Policies and their tests (`*_test.rego`, which the policies' own load leaves out).
  const modules = (await ctx.files.list(config.paths)).filter((p) => p.endsWith(".rego"));
  const dataPaths =
    config.data.length > 0 ? (await ctx.files.list(config.data)).filter(isDataFile) : [];
  const sources = await ctx.files.read([...modules, ...dataPaths]);
  const dataFiles = sources.slice(modules.length).map((f) => ({
    ...f,
    under: dataKeysOf(config.data.find((d) => under(d)(f.path)) ?? f.path, f.path),
  }));
  return { modules: sources.slice(0, modules.length), dataFiles };
}

/** The repository's Rego tests at the files `ctx` reads (`policies.paths`, `policies.data`). */
export async function runRegoTests(ctx: PolicyTestContext): Promise<PolicyTestRun> {
  const config = ctx.config.policies;
  if (!config.enabled) return NO_TESTS;
  const { modules, dataFiles } = await readInputs(ctx);
  if (!modules.some((m) => TEST_RULE.test(m.text))) return NO_TESTS;
  const atConfig = (message: string): PolicyTestRun => ({
    results: [],
    problems: [{ file: ctx.configFile, line: 1, message }],
  });
  const refused = refusedPath(
    modules.map((m) => m.path),
    "",
  );
  if (refused !== undefined)
    return atConfig(`Rego tests not run: ${JSON.stringify(refused)} is not a plain path`);
  let data: Record<string, unknown>;
  let tools;
  try {
    // No pull request, as in `check`: a test's verdict does not depend on who approved the change;
    // a test gives one `with data.portcullis.pull_request as {...}` (docs/repository-policies.md).
    data = deepMerge(parsePolicyData(dataFiles), { portcullis: { pull_request: null } }) as Record<
      string,
      unknown
    >;
    tools = defaultOpaTools(ctx.env);
  } catch (err) {
    return atConfig(`Rego tests not run: ${messageOf(err)}`);
  }
  const run = (v0: boolean) => runOpaTest(modules, data, tools, v0, ctx);
  if (config.regoVersion !== "auto") return run(config.regoVersion === "v0");
  // auto: v1, then v0 when v1 cannot parse them (as the policies themselves are read); when
  // neither parses, v1's errors are the ones to read.
  const parseError = (r: PolicyTestRun) =>
    r.problems.some((p) => /rego_parse_error/.test(p.message));
  const v1 = await run(false);
  if (!parseError(v1)) return v1;
  const v0 = await run(true);
  return parseError(v0) ? v1 : v0;
}

async function runOpaTest(
  modules: readonly PolicySource[],
  data: Record<string, unknown>,
  tools: { opa: string; capabilities: string },
  v0: boolean,
  ctx: PolicyTestContext,
): Promise<PolicyTestRun> {
  const root = await fsPromises().mkdtemp(join(tmpdir(), "portcullis-opa-test-"));
  try {
    const repo = join(root, "repo");
    const home = join(root, "home");
    await fsPromises().mkdir(home, { recursive: true });
    await writeTree(repo, new Map(modules.map((m) => [`${MODULES}/${m.path}`, m.text])));
    await fsPromises().writeFile(join(repo, "data.json"), JSON.stringify(data));
    const args = [
      "test",
      "--format",
      "json",
      "--capabilities",
      tools.capabilities,
      "--parallel",
      "1",
      "--timeout",
      `${Math.max(1, Math.floor(ctx.timeLimitMs / 1000))}s`,
      ...(v0 ? ["--v0-compatible"] : []),
      MODULES,
      "data.json",
    ];
    const result = await runSandboxed({
      what: "opa test",
      command: [tools.opa, ...args],
      cwd: repo,
      env: sandboxEnvironment(home),
      unshare: unshareOnce(),
      timeLimitMs: ctx.timeLimitMs,
      maxOutputBytes: MAX_POLICY_TEST_OUTPUT_BYTES,
      cleanError: (stderr) => withoutTempDir(stderr, repo).trim(),
      keepOutputOnFailure: true,
    });
    return testRunOf(result, ctx.configFile);
  } finally {
    await fsPromises().rm(root, { recursive: true, force: true });
  }
}

let unshare: { value: string | undefined } | undefined;
/** Whether this system gives a child an empty network namespace (asked once). */
function unshareOnce(): string | undefined {
  unshare ??= { value: findUnshare() };
  return unshare.value;
}

const inRepository = (file: string) =>
  file.startsWith(`${MODULES}/`) ? file.slice(MODULES.length + 1) : file;

/** `opa test`'s answer: its JSON report, or the errors that kept it from running, at their lines. */
export function testRunOf(result: SandboxResult, configFile: string): PolicyTestRun {
  const stdout = result.ok ? result.yaml : (result.output ?? "");
  let entries: OpaTestEntry[] | undefined;
  try {
    const parsed: unknown = JSON.parse(stdout);
    if (Array.isArray(parsed)) entries = parsed as OpaTestEntry[];
  } catch {
    entries = undefined;
  }
  if (entries !== undefined && (result.ok || result.reason === "failed"))
    return {
      // opa reports in the order its tests finished: sorted, the same input gives the same output.
      results: entries.map(resultOf).sort((a, b) => compareText(a.file, b.file) || a.line - b.line),
      problems: [],
    };
  if (result.ok) return NO_TESTS; // opa found no test rule after all
  const problems: Problem[] = [];
  for (const m of result.message.matchAll(/(\S+\.rego):(\d+): ([^\n]+)/g))
    problems.push({ file: inRepository(m[1]!), line: Number(m[2]), message: m[3]! });
  if (problems.length === 0)
    problems.push({
      file: configFile,
      line: 1,
      message: `Rego tests could not run: ${result.message.split("\n")[0] || result.reason}`,
    });
  return { results: [], problems };
}

function resultOf(e: OpaTestEntry): PolicyTestResult {
  const name = `${e.package ?? "data"}.${e.name ?? "?"}`;
  const base = {
    engine: ENGINE,
    file: inRepository(e.location?.file ?? ""),
    line: e.location?.row ?? 1,
    name,
  };
  if (e.error)
    return { ...base, outcome: "error", message: e.error.message ?? e.error.code ?? "error" };
  if (e.skip) return { ...base, outcome: "skip" };
  if (e.fail) return { ...base, outcome: "fail", message: "the test rule is false or undefined" };
  return { ...base, outcome: "pass" };
}
