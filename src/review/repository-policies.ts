// The repository's own policies for a change: read from the base commit (a change never brings its
// own rules), compiled, and given the pull request as `data.portcullis.pull_request`.
import { DEFAULT_POLICIES, type RepositoryPoliciesConfig } from "../config/config.js";
import { isDataFile, isPolicyModule } from "../core/file-role.js";
import { deepMerge } from "../core/plain-data.js";
import {
  locationOf,
  type PolicySource,
  type RepositoryPolicyCompiler,
} from "../ports/policy-compiler.js";
import type { PolicyEngine } from "../ports/policy-engine.js";
import type { PullRequestSource } from "../ports/pull-request-source.js";
import type { EvaluationError } from "./evaluate-files.js";
import type { PolicyPullRequest } from "./policy-context.js";

export interface RepositoryPolicyDeps {
  readonly compiler: RepositoryPolicyCompiler;
  /** The pull request as policies see it; asked only when the repository has policies. */
  readonly pullRequest?: (teams: readonly string[]) => Promise<PolicyPullRequest>;
  /** Reads data files; the default parses YAML/JSON (the adapter's conftest rules). */
  readonly parseData: (files: readonly PolicySource[]) => Record<string, unknown>;
}

export interface LoadedRepositoryPolicies {
  readonly engines: readonly PolicyEngine[];
  /** Policies that could not be loaded: each fails the check, at its file and line when known. */
  readonly errors: readonly EvaluationError[];
  /** The modules in force, as read from the base commit. */
  readonly modules: readonly string[];
}

const NONE: LoadedRepositoryPolicies = { engines: [], errors: [], modules: [] };

function under(dir: string): (path: string) => boolean {
  const d = dir.replace(/^\.\/?/, "").replace(/\/+$/, "");
  return (p) => d === "" || p === d || p.startsWith(`${d}/`);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The policy modules of a commit's file list that the configuration puts in force. */
function policyModulesOf(paths: readonly string[], config: RepositoryPoliciesConfig): string[] {
  return paths.filter((p) => isPolicyModule(p) && config.paths.some((d) => under(d)(p)));
}

/**
 * Whether the repository's policies read the pull request (`data.portcullis.pull_request`): then
 * a new approval can change their verdict, and the policy check must run again.
 */
export async function policiesReadPullRequest(
  source: PullRequestSource,
  config: RepositoryPoliciesConfig,
): Promise<boolean> {
  if (!config.enabled) return false;
  const modules = policyModulesOf(await source.listPaths(source.base), config);
  if (modules.length === 0) return false;
  const texts = await source.readFiles(modules.map((path) => ({ commit: source.base, path })));
  return texts.some(
    (t) => t !== undefined && Buffer.from(t).toString("utf8").includes("pull_request"),
  );
}

export async function loadRepositoryPolicies(
  source: PullRequestSource,
  config: RepositoryPoliciesConfig,
  deps: RepositoryPolicyDeps,
): Promise<LoadedRepositoryPolicies> {
  if (!config.enabled || config.paths.length === 0) return NONE;
  const paths = await source.listPaths(source.base);
  const modules = policyModulesOf(paths, config);
  const errors: EvaluationError[] = [];
  // The default directory may simply not exist; a configured one that holds nothing is a mistake.
  const configured = JSON.stringify(config.paths) !== JSON.stringify(DEFAULT_POLICIES.paths);
  for (const dir of config.paths) {
    if (configured && !modules.some(under(dir)))
      errors.push({
        file: ".github/portcullis.yml",
        line: 1,
        message: `policies.paths: ${dir} holds no .rego module at the base commit`,
      });
  }
  if (modules.length === 0) return { ...NONE, errors };

  const dataPaths = paths.filter((p) => isDataFile(p) && config.data.some((d) => under(d)(p)));
  for (const d of config.data) {
    if (!dataPaths.some(under(d)))
      errors.push({
        file: ".github/portcullis.yml",
        line: 1,
        message: `policies.data: ${d} holds no JSON or YAML file at the base commit`,
      });
  }
  const texts = await source.readFiles(
    [...modules, ...dataPaths].map((path) => ({ commit: source.base, path })),
  );
  const read = (list: readonly string[], offset: number): PolicySource[] =>
    list.map((path, i) => ({
      path,
      text: Buffer.from(texts[offset + i] ?? new Uint8Array()).toString("utf8"),
    }));
  try {
    const pullRequest = deps.pullRequest ? await deps.pullRequest(config.teams) : undefined;
    const data = deepMerge(deps.parseData(read(dataPaths, modules.length)), {
      portcullis: { pull_request: pullRequest ?? null },
    }) as Record<string, unknown>;
    const engine = await deps.compiler.conftest({
      modules: read(modules, 0),
      namespaces: config.allNamespaces ? "all" : config.namespaces,
      data,
    });
    return { engines: [engine], errors, modules };
  } catch (err) {
    const at = locationOf(err);
    errors.push({
      file: at.file ?? modules[0]!,
      line: at.line ?? 1,
      message: `repository policy could not be loaded: ${describe(err)}`,
    });
    return { engines: [], errors, modules };
  }
}
