// Kyverno policies of the repository (ClusterPolicy, Policy, ValidatingPolicy, PolicyException),
// evaluated by Kyverno's own CLI at the pinned version: config `policies.admission` (read at the
// base commit in a review), or `check --admission DIR`. The same folders may hold Gatekeeper and
// ValidatingAdmissionPolicy documents; this engine reads only Kyverno's (docs/kyverno.md).
import { readDirectorySources } from "../../adapters/fs/directory-source.js";
import { isDataFile, isYamlOrJson } from "../../core/file-role.js";
import type { Config } from "../../config/config.js";
import type { PolicySource } from "../../ports/policy-compiler.js";
import {
  NOTHING_LOADED,
  type EngineContext,
  type EngineDescriptor,
  type EngineLoad,
} from "../engine.js";
import { under } from "../repository-files.js";
import { kyvernoEvaluator } from "./evaluate.js";
import { readKyvernoDocuments } from "./policies.js";
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
        reason: `Kyverno rule ${p.name}/${name} needs ${r.needs}: each resource it matches is reported "not evaluated"`,
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
  const dirs = ctx.config.policies.gatekeeper;
  if (dirs.length === 0) return NOTHING_LOADED;
  const files = (await ctx.files.list(dirs)).filter(isDataFile);
  if (files.length === 0) return NOTHING_LOADED;
  const sources = await ctx.files.read(files);
  if (!sources.some(mentionsKyverno)) return NOTHING_LOADED;
  const inAdmission = (p: string) => dirs.some((d) => under(d)(p));
  const objects = (await ctx.inventory(inAdmission)).objects;
  return loadKyverno(sources, process.env, undefined, objects);
}

const mentionsKyverno = (s: PolicySource) => s.text.includes("kyverno.io");

/** `check --admission DIR...`: the Kyverno documents of every YAML/JSON file of each folder. */
async function fromCommandLine(ctx: EngineContext): Promise<EngineLoad> {
  const { root, admission, env } = ctx.commandLine!;
  const selection = readDirectorySources(admission, root, { include: ["**"], exclude: [] });
  const sources = selection.files
    .filter((f) => isYamlOrJson(f.path))
    .map((f) => ({ path: f.path, text: Buffer.from(f.content).toString("utf8") }));
  if (!sources.some(mentionsKyverno)) return NOTHING_LOADED;
  const objects = (await ctx.inventory(() => false)).objects;
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
