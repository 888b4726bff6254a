// The repository's own policies for a change: read from the base commit (a change never brings its
// own rules), compiled, and given the pull request as `data.portcullis.pull_request`.
import { DEFAULT_POLICIES, type RepositoryPoliciesConfig } from "../config/config.js";
import {
  dataKeysOf,
  isDataFile,
  isKustomizationFile,
  isPolicyModule,
  isYamlOrJson,
} from "../core/file-role.js";
import { isKubernetesObject } from "../core/findings.js";
import { parseManifest } from "../yaml/index.js";
import type { SkippedFile } from "../core/types.js";
import { deepMerge } from "../core/plain-data.js";
import {
  locationOf,
  type DataFile,
  type PolicySource,
  type RepositoryPolicyCompiler,
} from "../ports/policy-compiler.js";
import type { IsolatedPolicyEngine, PolicyEngine } from "../ports/policy-engine.js";
import type { PullRequestSource } from "../ports/pull-request-source.js";
import type { EvaluationError } from "./evaluate-files.js";
import type { PolicyPullRequest } from "./policy-context.js";

export interface RepositoryPolicyDeps {
  readonly compiler: RepositoryPolicyCompiler;
  /** The pull request as policies see it; asked only when the repository has policies. */
  readonly pullRequest?: (teams: readonly string[]) => Promise<PolicyPullRequest>;
  /** Reads data files; the default parses YAML/JSON (the adapter's conftest rules). */
  readonly parseData: (files: readonly DataFile[]) => Record<string, unknown>;
}

export interface LoadedRepositoryPolicies {
  readonly engines: readonly (PolicyEngine | IsolatedPolicyEngine)[];
  /** Policies that could not be loaded: each fails the check, at its file and line when known. */
  readonly errors: readonly EvaluationError[];
  /** The policy files in force, as read from the base commit. */
  readonly modules: readonly string[];
  /** Policies read but not evaluated (Gatekeeper CEL-only templates...), and why. */
  readonly notEvaluated: readonly SkippedFile[];
}

const NONE: LoadedRepositoryPolicies = { engines: [], errors: [], modules: [], notEvaluated: [] };

/** Files of the head read for Gatekeeper's data.inventory, at most. */
export const INVENTORY_MAX_FILES = 1_000;

function under(dir: string): (path: string) => boolean {
  const d = dir.replace(/^\.\/?/, "").replace(/\/+$/, "");
  return (p) => d === "" || p === d || p.startsWith(`${d}/`);
}

/** A policy that could not be loaded: at the file and line the compiler named, else `fallback`. */
function loadError(err: unknown, fallback: string, what: string): EvaluationError {
  const at = locationOf(err);
  return {
    file: at.file ?? fallback,
    line: at.line ?? 1,
    message: `${what} could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
  };
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

const CONFIG_FILE = ".github/portcullis.yml";

export async function loadRepositoryPolicies(
  source: PullRequestSource,
  config: RepositoryPoliciesConfig,
  deps: RepositoryPolicyDeps,
): Promise<LoadedRepositoryPolicies> {
  if (!config.enabled) return NONE;
  const paths = await source.listPaths(source.base);
  const [conftest, gatekeeper] = await Promise.all([
    loadConftest(source, paths, config, deps),
    loadGatekeeperPolicies(source, paths, config, deps),
  ]);
  return {
    engines: [...conftest.engines, ...gatekeeper.engines],
    errors: [...conftest.errors, ...gatekeeper.errors],
    modules: [...conftest.modules, ...gatekeeper.modules],
    notEvaluated: gatekeeper.notEvaluated,
  };
}

/** Texts of `paths` at the base commit, in order (a missing file reads as empty). */
async function readAtBase(
  source: PullRequestSource,
  paths: readonly string[],
): Promise<PolicySource[]> {
  const texts = await source.readFiles(paths.map((path) => ({ commit: source.base, path })));
  return paths.map((path, i) => ({
    path,
    text: Buffer.from(texts[i] ?? new Uint8Array()).toString("utf8"),
  }));
}

async function loadConftest(
  source: PullRequestSource,
  paths: readonly string[],
  config: RepositoryPoliciesConfig,
  deps: RepositoryPolicyDeps,
): Promise<LoadedRepositoryPolicies> {
  const modules = policyModulesOf(paths, config);
  const errors: EvaluationError[] = [];
  // The default directory may simply not exist; a configured one that holds nothing is a mistake.
  const configured = JSON.stringify(config.paths) !== JSON.stringify(DEFAULT_POLICIES.paths);
  for (const dir of config.paths) {
    if (configured && !modules.some(under(dir)))
      errors.push({
        file: CONFIG_FILE,
        line: 1,
        message: `policies.paths: ${dir} holds no .rego module at the base commit`,
      });
  }
  if (modules.length === 0) return { ...NONE, errors };

  const dataPaths = paths.filter((p) => isDataFile(p) && config.data.some((d) => under(d)(p)));
  for (const d of config.data) {
    if (!dataPaths.some(under(d)))
      errors.push({
        file: CONFIG_FILE,
        line: 1,
        message: `policies.data: ${d} holds no JSON or YAML file at the base commit`,
      });
  }
  const sources = await readAtBase(source, [...modules, ...dataPaths]);
  try {
    const pullRequest = deps.pullRequest ? await deps.pullRequest(config.teams) : undefined;
    // Each file's data goes under its folders below the configured data path, as OPA loads it.
    const dataFiles = sources.slice(modules.length).map((f) => ({
      ...f,
      under: dataKeysOf(config.data.find((d) => under(d)(f.path)) ?? f.path, f.path),
    }));
    const data = deepMerge(deps.parseData(dataFiles), {
      portcullis: { pull_request: pullRequest ?? null },
    }) as Record<string, unknown>;
    const engine = await deps.compiler.conftest({
      modules: sources.slice(0, modules.length),
      namespaces: config.allNamespaces ? "all" : config.namespaces,
      ...(config.regoVersion === "auto" ? {} : { regoVersion: config.regoVersion }),
      data,
    });
    return { ...NONE, engines: [engine], errors, modules };
  } catch (err) {
    errors.push(loadError(err, modules[0]!, "repository policy"));
    return { ...NONE, errors, modules };
  }
}

/**
 * Kubernetes objects of the head commit (the repository as the change leaves it), for
 * Gatekeeper's `data.inventory` and namespace selectors: at most INVENTORY_MAX_FILES files.
 */
async function readInventory(
  source: PullRequestSource,
  skip: (path: string) => boolean,
): Promise<{ objects: unknown[]; cut: number }> {
  const candidates = (await source.listPaths(source.head)).filter(
    (p) => isYamlOrJson(p) && !isKustomizationFile(p) && !skip(p),
  );
  const taken = candidates.slice(0, INVENTORY_MAX_FILES);
  const contents = await source.readFiles(taken.map((path) => ({ commit: source.head, path })));
  const objects: unknown[] = [];
  taken.forEach((path, i) => {
    const content = contents[i];
    if (!content) return;
    for (const d of parseManifest(path, content).documents)
      if (isKubernetesObject(d.value)) objects.push(d.value);
  });
  return { objects, cut: candidates.length - taken.length };
}

/** The base's versions of the Namespaces the change edits (a relabelling must not evade a selector). */
async function previousNamespaces(source: PullRequestSource): Promise<unknown[]> {
  const changed = (await source.changedFiles()).files.filter(
    (f) => f.status !== "added" && isYamlOrJson(f.path),
  );
  const contents = await source.readFiles(
    changed.map((f) => ({ commit: source.base, path: f.previousPath ?? f.path })),
  );
  const namespaces: unknown[] = [];
  changed.forEach((f, i) => {
    const content = contents[i];
    if (!content) return;
    for (const d of parseManifest(f.path, content).documents)
      if (isKubernetesObject(d.value) && (d.value as { kind?: unknown }).kind === "Namespace")
        namespaces.push(d.value);
  });
  return namespaces;
}

async function loadGatekeeperPolicies(
  source: PullRequestSource,
  paths: readonly string[],
  config: RepositoryPoliciesConfig,
  deps: RepositoryPolicyDeps,
): Promise<LoadedRepositoryPolicies> {
  if (config.gatekeeper.length === 0) return NONE;
  const inGatekeeper = (p: string) => config.gatekeeper.some((d) => under(d)(p));
  const files = paths.filter((p) => isDataFile(p) && inGatekeeper(p));
  const errors: EvaluationError[] = config.gatekeeper
    .filter((d) => !files.some(under(d)))
    .map((d) => ({
      file: CONFIG_FILE,
      line: 1,
      message: `policies.gatekeeper: ${d} holds no YAML or JSON file at the base commit`,
    }));
  if (files.length === 0) return { ...NONE, errors };
  const [sources, inventory, previous] = await Promise.all([
    readAtBase(source, files),
    readInventory(source, inGatekeeper),
    previousNamespaces(source),
  ]);
  // A cut inventory could hide the Namespace a selector needs: that fails, it is not a note.
  if (inventory.cut > 0)
    errors.push({
      file: CONFIG_FILE,
      line: 1,
      message: `Gatekeeper inventory: the head has ${inventory.cut} more YAML/JSON files than the ${INVENTORY_MAX_FILES} read for data.inventory; narrow policies.gatekeeper's reach with exclude`,
    });
  try {
    const loaded = await deps.compiler.gatekeeper(sources, inventory.objects, previous);
    return {
      engines: loaded.engine ? [loaded.engine] : [],
      errors: [...errors, ...loaded.errors],
      modules: files,
      notEvaluated: loaded.notEvaluated.map((n) => ({
        file: n.file,
        reason: `Gatekeeper: ${n.message}`,
      })),
    };
  } catch (err) {
    errors.push(loadError(err, files[0]!, "Gatekeeper policies"));
    return { ...NONE, errors, modules: files };
  }
}
