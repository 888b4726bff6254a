// Kubernetes ValidatingAdmissionPolicies and their bindings (CEL), evaluated as the apiserver does
// at CREATE: the same folders as every admission policy (config `policies.admission`, its older
// name `policies.gatekeeper`, or `check --admission`); Gatekeeper and Kyverno files there are
// left to their engines.
import type { Config } from "../../config/config.js";
import type { PolicySource } from "../../ports/policy-compiler.js";
import {
  NOTHING_LOADED,
  type EngineContext,
  type EngineDescriptor,
  type EngineLoad,
  type Problem,
} from "../engine.js";
import { INVENTORY_MAX_FILES } from "../repository-files.js";
import { mentionsVap } from "./documents.js";
import { loadVap } from "./vap-engine.js";

async function fromSources(
  sources: readonly PolicySource[],
  inventory: readonly unknown[],
  env: NodeJS.ProcessEnv,
  files: readonly string[],
  problems: Problem[],
  previous: readonly unknown[] = [],
): Promise<EngineLoad> {
  const loaded = await loadVap(sources, inventory, env, previous);
  return {
    engines: loaded.engine ? [loaded.engine] : [],
    problems: [...problems, ...loaded.problems],
    notEvaluated: loaded.notEvaluated,
    files,
  };
}

async function fromConfig(ctx: EngineContext): Promise<EngineLoad> {
  if (ctx.config.policies.gatekeeper.length === 0) return NOTHING_LOADED;
  const sources = (await ctx.admission.configured()).sources.filter((s) => mentionsVap(s.text));
  if (sources.length === 0) return NOTHING_LOADED;
  const inventory = await ctx.admission.inventory();
  // A cut inventory could hide the Namespace or the params a policy needs: that fails.
  const problems: Problem[] =
    inventory.cut > 0
      ? [
          {
            file: ctx.configFile,
            line: 1,
            message: `ValidatingAdmissionPolicy inventory: the head has ${inventory.cut} more YAML/JSON files than the ${INVENTORY_MAX_FILES} read for params and Namespaces; narrow policies.admission's reach with exclude`,
          },
        ]
      : [];
  return fromSources(
    sources,
    inventory.objects,
    process.env,
    sources.map((s) => s.path),
    problems,
    await ctx.previousNamespaces(),
  );
}

/** `check --admission DIR...`: every YAML/JSON file of each folder; the checked manifests are the inventory. */
async function fromCommandLine(ctx: EngineContext): Promise<EngineLoad> {
  const { env } = ctx.commandLine!;
  const sources = ctx.admission.commandLine().filter((s) => mentionsVap(s.text));
  if (sources.length === 0) return NOTHING_LOADED;
  const inventory = (await ctx.admission.inventory()).objects;
  return fromSources(sources, inventory, { ...process.env, ...env }, [], []);
}

export const vapEngine: EngineDescriptor = {
  id: "vap",
  config: ["policies.enabled", "policies.admission", "policies.gatekeeper"],
  reads: (config: Config) => (config.policies.enabled ? config.policies.gatekeeper : []),
  load: (ctx) => {
    if (ctx.commandLine && ctx.commandLine.admission.length > 0) return fromCommandLine(ctx);
    return ctx.config.policies.enabled ? fromConfig(ctx) : Promise.resolve(NOTHING_LOADED);
  },
};
