// conftest-style Rego of the repository (`deny`/`violation`/`warn`): config `policies.paths`
// (read at the base commit in a review, in the working tree by `check`), or `check --policy`.
import { resolve } from "node:path";
import { DEFAULT_POLICIES, type Config } from "../../config/config.js";
import { dataKeysOf, isDataFile, isPolicyModule } from "../../core/file-role.js";
import { messageOf } from "../../core/errors.js";
import { deepMerge } from "../../core/plain-data.js";
import { locationOf } from "../../ports/policy-compiler.js";
import {
  compilePolicies,
  loadPolicyData,
  readPolicySources,
  UserPolicyEngine,
} from "../opa/user-policies.js";
import { defaultOpaTools } from "../opa/opa-build.js";
import {
  engineOf,
  NOTHING_LOADED,
  type Engine,
  type EngineContext,
  type EngineDescriptor,
  type EngineLoad,
  type Problem,
} from "../engine.js";
import { under } from "../repository-files.js";
import { runRegoTests } from "./tests.js";

const ID = "conftest";

/** A policy that could not be loaded: at the file and line the compiler named, else `fallback`. */
export function loadProblem(err: unknown, fallback: string, what: string): Problem {
  const at = locationOf(err);
  return {
    file: at.file ?? fallback,
    line: at.line ?? 1,
    message: `${what} could not be loaded: ${messageOf(err)}`,
  };
}

async function fromConfig(ctx: EngineContext): Promise<EngineLoad> {
  const config = ctx.config.policies;
  const opa = ctx.opa;
  if (!opa) return NOTHING_LOADED;
  const modules = (await ctx.files.list(config.paths)).filter(isPolicyModule);
  const problems: Problem[] = [];
  // The default directory may simply not exist; a configured one that holds nothing is a mistake.
  const configured = JSON.stringify(config.paths) !== JSON.stringify(DEFAULT_POLICIES.paths);
  for (const dir of config.paths) {
    if (configured && !modules.some(under(dir)))
      problems.push({
        file: ctx.configFile,
        line: 1,
        message: `policies.paths: ${dir} holds no .rego module ${ctx.files.where}`,
      });
  }
  if (modules.length === 0) return { ...NOTHING_LOADED, problems };

  const dataPaths =
    config.data.length > 0 ? (await ctx.files.list(config.data)).filter(isDataFile) : [];
  for (const d of config.data) {
    if (!dataPaths.some(under(d)))
      problems.push({
        file: ctx.configFile,
        line: 1,
        message: `policies.data: ${d} holds no JSON or YAML file ${ctx.files.where}`,
      });
  }
  const sources = await ctx.files.read([...modules, ...dataPaths]);
  try {
    const pullRequest = opa.pullRequest ? await opa.pullRequest(config.teams) : undefined;
    // Each file's data goes under its folders below the configured data path, as OPA loads it.
    const dataFiles = sources.slice(modules.length).map((f) => ({
      ...f,
      under: dataKeysOf(config.data.find((d) => under(d)(f.path)) ?? f.path, f.path),
    }));
    const data = deepMerge(opa.parseData(dataFiles), {
      portcullis: { pull_request: pullRequest ?? null },
    }) as Record<string, unknown>;
    const engine = await opa.compiler.conftest({
      modules: sources.slice(0, modules.length),
      namespaces: config.allNamespaces ? "all" : config.namespaces,
      ...(config.regoVersion === "auto" ? {} : { regoVersion: config.regoVersion }),
      data,
    });
    return { ...NOTHING_LOADED, engines: [engineOf(ID, engine)], problems, files: modules };
  } catch (err) {
    problems.push(loadProblem(err, modules[0]!, "repository policy"));
    return { ...NOTHING_LOADED, problems, files: modules };
  }
}

/**
 * `check --policy DIR...`: each folder compiled on its own (a broken one costs only itself), with
 * the `--data` files and the namespaces and Rego version of the configuration section.
 */
async function fromCommandLine(ctx: EngineContext): Promise<EngineLoad> {
  const { root, policy, data, env } = ctx.commandLine!;
  const config = ctx.config.policies;
  const engines: Engine[] = [];
  const problems: Problem[] = [];
  const files: string[] = [];
  for (const dir of policy) {
    try {
      const sources = readPolicySources(resolve(root, dir), dir);
      files.push(...sources.map((s) => s.path));
      const compiled = await compilePolicies(
        sources,
        {
          namespaces: config.allNamespaces ? "all" : config.namespaces,
          ...(config.regoVersion === "auto" ? {} : { regoVersion: config.regoVersion }),
        },
        defaultOpaTools(env),
      );
      const values = loadPolicyData(data.map((d) => resolve(root, d)));
      engines.push(engineOf(ID, new UserPolicyEngine(compiled, values)));
    } catch (err) {
      // The built-in catalogue still runs; the broken policy fails the run with the compiler's words.
      problems.push(loadProblem(err, dir, "repository policy"));
    }
  }
  return { engines, problems, notEvaluated: [], files };
}

export const conftestEngine: EngineDescriptor = {
  id: ID,
  config: [
    "policies.enabled",
    "policies.paths",
    "policies.namespaces",
    "policies.allNamespaces",
    "policies.regoVersion",
    "policies.data",
    "policies.teams",
  ],
  reads: (config: Config) => (config.policies.enabled ? config.policies.paths : []),
  load: (ctx) => {
    if (ctx.commandLine && ctx.commandLine.policy.length > 0) return fromCommandLine(ctx);
    return ctx.config.policies.enabled ? fromConfig(ctx) : Promise.resolve(NOTHING_LOADED);
  },
  tests: runRegoTests,
};
