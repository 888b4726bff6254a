// Loads every engine of a registry for one run: the same step for the review and `check`.
import { messageOf } from "../core/errors.js";
import type { SkippedFile } from "../core/types.js";
import { isPolicyModule } from "../core/file-role.js";
import type { Config } from "../config/config.js";
import type { Engine, EngineContext, EngineDescriptor, Problem } from "./engine.js";
import type { PolicyFiles } from "./repository-files.js";
import { withSharedReads, type EngineRunContext } from "./admission-reads.js";

export interface LoadedEngines {
  readonly engines: readonly Engine[];
  readonly problems: readonly Problem[];
  readonly notEvaluated: readonly SkippedFile[];
  /** The policy files in force. */
  readonly files: readonly string[];
}

/** Every engine of `registry`, loaded with one shared read of what several of them need. */
export async function loadEngines(
  registry: readonly EngineDescriptor[],
  run: EngineRunContext,
): Promise<LoadedEngines> {
  const ctx: EngineContext = withSharedReads(run);
  const loads = await Promise.all(
    registry.map((d) =>
      d.load(ctx).catch((err: unknown) => ({
        engines: [],
        problems: [
          {
            file: ctx.configFile,
            line: 1,
            message: `${d.id} could not be loaded: ${messageOf(err)}`,
          },
        ],
        notEvaluated: [],
        files: [],
      })),
    ),
  );
  return {
    engines: loads.flatMap((l) => l.engines),
    problems: loads.flatMap((l) => l.problems),
    notEvaluated: loads.flatMap((l) => l.notEvaluated),
    files: loads.flatMap((l) => l.files),
  };
}

/**
 * Whether the repository's Rego reads the pull request (`data.portcullis.pull_request`): then a
 * new approval can change its verdict, and the policy check must run again.
 */
export async function policiesReadPullRequest(
  registry: readonly EngineDescriptor[],
  config: Config,
  files: PolicyFiles,
): Promise<boolean> {
  const dirs = registry.flatMap((d) => d.reads(config));
  if (dirs.length === 0) return false;
  const modules = (await files.list(dirs)).filter(isPolicyModule);
  if (modules.length === 0) return false;
  return (await files.read(modules)).some((t) => t.text.includes("pull_request"));
}
