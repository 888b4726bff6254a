// Kyverno policies of the repository (ClusterPolicy, Policy, ValidatingPolicy, PolicyException),
// evaluated by Kyverno's own CLI at the pinned version: config `policies.admission` (read at the
// base commit in a review), or `check --admission DIR`. The same folders may hold Gatekeeper and
// ValidatingAdmissionPolicy documents; this engine reads only Kyverno's (docs/kyverno.md).
import type { Config } from "../../config/config.js";
import type { PolicySource } from "../../ports/policy-compiler.js";
import {
  NOTHING_LOADED,
  type EngineContext,
  type EngineDescriptor,
  type EngineLoad,
} from "../engine.js";
import { kyvernoEvaluator } from "./evaluate.js";
import { readKyvernoDocuments, reportedName } from "./policies.js";
import { KyvernoCli, KYVERNO_INSTALL_HINT } from "./run.js";
import { kyvernoPolicyTests } from "./tests.js";

const ID = "kyverno";

/** The engine for the Kyverno documents among `sources`; nothing when there is none. */
export function loadKyverno(
  sources: readonly PolicySource[],
  env: Readonly<Record<string, string | undefined>>,
  cli: KyvernoCli = new KyvernoCli({}, env),
  /** The repository's objects: its Namespaces' labels decide namespaceSelectors. */
  objects: readonly unknown[] = [],
): EngineLoad {
  const read = readKyvernoDocuments(sources);
  const notEvaluated = read.policies.flatMap((p) =>
    [...p.rules]
      .filter(([, r]) => r.needs)
      .map(([name, r]) => ({
        file: p.source.file,
        line: r.line,
        reason: `Kyverno rule ${reportedName(p)}/${name} needs ${r.needs}: each resource it matches is reported "not evaluated"`,
      })),
  );
  if (read.policies.length === 0)
    return { ...NOTHING_LOADED, problems: read.problems, files: read.files };
  if (!cli.available) {
    const first = read.policies[0]!.source;
    return {
      ...NOTHING_LOADED,
      files: read.files,
      problems: [
        ...read.problems,
        {
          ...first,
          message: `${read.policies.length} Kyverno policies cannot be evaluated: kyverno is not installed (${KYVERNO_INSTALL_HINT})`,
        },
      ],
    };
  }
  return {
    engines: [kyvernoEvaluator(ID, cli, { ...read, namespaces: objects })],
    problems: read.problems,
    notEvaluated,
    files: read.files,
  };
}

async function fromConfig(ctx: EngineContext): Promise<EngineLoad> {
  if (ctx.config.policies.gatekeeper.length === 0) return NOTHING_LOADED;
  const { sources } = await ctx.admission.configured();
  if (!sources.some(mentionsKyverno)) return NOTHING_LOADED;
  const objects = (await ctx.admission.inventory()).objects;
  return loadKyverno(sources, process.env, undefined, objects);
}

const mentionsKyverno = (s: PolicySource) => s.text.includes("kyverno.io");

/** `check --admission DIR...`: the Kyverno documents of every YAML/JSON file of each folder. */
async function fromCommandLine(ctx: EngineContext): Promise<EngineLoad> {
  const { env } = ctx.commandLine!;
  const sources = ctx.admission.commandLine();
  if (!sources.some(mentionsKyverno)) return NOTHING_LOADED;
  const objects = (await ctx.admission.inventory()).objects;
  return loadKyverno(sources, env, undefined, objects);
}

export const kyvernoEngine: EngineDescriptor = {
  id: ID,
  config: ["policies.enabled", "policies.admission"],
  reads: (config: Config) => (config.policies.enabled ? config.policies.gatekeeper : []),
  load: (ctx) => {
    if (ctx.commandLine && ctx.commandLine.admission.length > 0) return fromCommandLine(ctx);
    return ctx.config.policies.enabled ? fromConfig(ctx) : Promise.resolve(NOTHING_LOADED);
  },
  tests: (ctx) => kyvernoPolicyTests(ctx),
};
