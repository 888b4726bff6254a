// The engines of a review: the registry's, loaded with the change's base commit as the place
// policies are read from (a change never brings its own rules) and the head as Gatekeeper's inventory.
import { CONFIG_PATH, type Config } from "../config/config.js";
import type { RuleMetadata } from "../core/types.js";
import type { EngineDescriptor } from "../engines/engine.js";
import type { EngineRunContext } from "../engines/admission-reads.js";
import { loadEngines, policiesReadPullRequest as readsPullRequest } from "../engines/load.js";
import { ENGINES } from "../engines/registry.js";
import {
  baseCommitFiles,
  headInventory,
  previousNamespacesOf,
  type RepositoryPolicyDeps,
} from "../engines/repository-files.js";
import type { PolicyEngine } from "../ports/policy-engine.js";
import type { PullRequestSource } from "../ports/pull-request-source.js";

export { INVENTORY_MAX_FILES, type RepositoryPolicyDeps } from "../engines/repository-files.js";
export type { LoadedEngines } from "../engines/load.js";

export interface ReviewEngineDeps {
  /** The built-in catalogue's evaluator. */
  readonly catalogue: PolicyEngine;
  readonly rules: ReadonlyMap<string, RuleMetadata>;
  /** The shared OPA toolchain; without it the repository's own policies are not run. */
  readonly opa?: RepositoryPolicyDeps;
  /** The engine registry (the product's, unless a test adds one). */
  readonly registry?: readonly EngineDescriptor[];
}

export function reviewEngineContext(
  source: PullRequestSource,
  config: Config,
  deps: ReviewEngineDeps,
): EngineRunContext {
  return {
    config,
    configFile: CONFIG_PATH,
    catalogue: () => deps.catalogue,
    rules: deps.rules,
    files: baseCommitFiles(source),
    inventory: (skip) => headInventory(source, skip),
    previousNamespaces: () => previousNamespacesOf(source),
    ...(deps.opa ? { opa: deps.opa } : {}),
  };
}

/** Every engine of the registry, for a review of `source` under `config`. */
export function loadReviewEngines(
  source: PullRequestSource,
  config: Config,
  deps: ReviewEngineDeps,
) {
  return loadEngines(deps.registry ?? ENGINES, reviewEngineContext(source, config, deps));
}

/**
 * Whether the repository's policies read the pull request (`data.portcullis.pull_request`): then
 * a new approval can change their verdict, and the policy check must run again.
 */
export function policiesReadPullRequest(
  source: PullRequestSource,
  config: Config,
  registry: readonly EngineDescriptor[] = ENGINES,
): Promise<boolean> {
  return readsPullRequest(registry, config, baseCommitFiles(source));
}
