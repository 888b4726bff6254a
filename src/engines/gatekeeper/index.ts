// Gatekeeper ConstraintTemplates and Constraints, evaluated as gator does: config
// `policies.admission` (and its older name `policies.gatekeeper`), or `check --admission`.
import type { Config } from "../../config/config.js";
import { loadGatekeeperDirectory } from "./directory.js";
import { defaultOpaTools } from "../opa/opa-build.js";
import { loadProblem } from "../conftest/index.js";
import {
  engineOf,
  NOTHING_LOADED,
  type Engine,
  type EngineContext,
  type EngineDescriptor,
  type EngineLoad,
  type Problem,
} from "../engine.js";
import { INVENTORY_MAX_FILES, under } from "../repository-files.js";
import type { GatekeeperCel } from "./cel-code.js";
import { loadGatekeeperCel } from "./cel-engine.js";

/** The CEL engine for the constraints of K8sNativeValidation templates, added to a load. */
async function withCel(
  load: EngineLoad,
  cel: unknown,
  inventory: readonly unknown[],
  previous: readonly unknown[],
  env: NodeJS.ProcessEnv,
): Promise<EngineLoad> {
  if (!cel) return load;
  const loaded = await loadGatekeeperCel(cel as GatekeeperCel, inventory, previous, env);
  return {
    ...load,
    engines: [...load.engines, ...(loaded.engine ? [loaded.engine] : [])],
    problems: [...load.problems, ...loaded.problems],
  };
}
import { runGatekeeperSuites } from "./tests.js";

const ID = "gatekeeper";

async function fromConfig(ctx: EngineContext): Promise<EngineLoad> {
  const dirs = ctx.config.policies.gatekeeper;
  const opa = ctx.opa;
  if (dirs.length === 0 || !opa) return NOTHING_LOADED;
  const { files, sources } = await ctx.admission.configured();
  const problems: Problem[] = dirs
    .filter((d) => !files.some(under(d)))
    .map((d) => ({
      file: ctx.configFile,
      line: 1,
      message: `${ctx.config.policies.admission.includes(d) ? "policies.admission" : "policies.gatekeeper"}: ${d} holds no YAML or JSON file ${ctx.files.where}`,
    }));
  if (files.length === 0) return { ...NOTHING_LOADED, problems };
  const [inventory, previous] = await Promise.all([
    ctx.admission.inventory(),
    ctx.previousNamespaces(),
  ]);
  // A cut inventory could hide the Namespace a selector needs: that fails, it is not a note.
  if (inventory.cut > 0)
    problems.push({
      file: ctx.configFile,
      line: 1,
      message: `Gatekeeper inventory: the head has ${inventory.cut} more YAML/JSON files than the ${INVENTORY_MAX_FILES} read for data.inventory; narrow policies.gatekeeper's reach with exclude`,
    });
  try {
    const loaded = await opa.compiler.gatekeeper(sources, inventory.objects, previous);
    const load: EngineLoad = {
      engines: loaded.engine ? [engineOf(ID, loaded.engine)] : [],
      problems: [...problems, ...loaded.errors],
      files: [...files],
      notEvaluated: loaded.notEvaluated.map((n) => ({
        file: n.file,
        reason: `Gatekeeper: ${n.message}`,
      })),
    };
    return await withCel(load, loaded.cel, inventory.objects, previous, process.env);
  } catch (err) {
    problems.push(loadProblem(err, files[0]!, "Gatekeeper policies"));
    return { ...NOTHING_LOADED, problems, files: [...files] };
  }
}

/**
 * `check --admission DIR...` (alias `--gatekeeper`): every YAML/JSON file of each folder; the
 * checked manifests are data.inventory. A folder without a constraint is an error.
 */
async function fromCommandLine(ctx: EngineContext): Promise<EngineLoad> {
  const { root, admission, env } = ctx.commandLine!;
  const inventory = (await ctx.admission.inventory()).objects;
  const engines: Engine[] = [];
  const problems: Problem[] = [];
  const notEvaluated: EngineLoad["notEvaluated"][number][] = [];
  for (const dir of admission) {
    const loaded = await loadGatekeeperDirectory(dir, root, inventory, () => defaultOpaTools(env));
    if (loaded.engine) engines.push(engineOf(ID, loaded.engine));
    problems.push(...loaded.errors);
    const cel = await withCel(NOTHING_LOADED, loaded.cel, inventory, [], {
      ...process.env,
      ...env,
    });
    engines.push(...cel.engines);
    problems.push(...cel.problems);
    for (const n of loaded.notEvaluated)
      notEvaluated.push({ file: n.file, line: n.line, reason: n.message });
  }
  return { engines, problems, notEvaluated, files: [] };
}

export const gatekeeperEngine: EngineDescriptor = {
  id: ID,
  config: ["policies.enabled", "policies.admission", "policies.gatekeeper"],
  reads: (config: Config) => (config.policies.enabled ? config.policies.gatekeeper : []),
  load: (ctx) => {
    if (ctx.commandLine && ctx.commandLine.admission.length > 0) return fromCommandLine(ctx);
    return ctx.config.policies.enabled ? fromConfig(ctx) : Promise.resolve(NOTHING_LOADED);
  },
  tests: runGatekeeperSuites,
};
