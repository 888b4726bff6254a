// The plug-in point for policy engines: what an engine is, how it is described, how it is loaded.
// Adding an engine is one folder under src/engines/ exporting an EngineDescriptor, plus one line
// in src/engines/registry.ts; the review (app and `portcullis review`) and `check` load engines
// only through that registry.
import type { Config } from "../config/config.js";
import type { Problem } from "../core/problem.js";
import type { PolicyTestRun } from "../core/policy-change.js";
import type { RuleMetadata, SkippedFile } from "../core/types.js";
import type {
  IsolatedPolicyEngine,
  PolicyEngine,
  PolicyInput,
  PolicyResult,
} from "../ports/policy-engine.js";
import type { PolicyFiles, RepositoryPolicyDeps } from "./repository-files.js";
import type { AdmissionReads } from "./admission-reads.js";

/** The catalogue evaluated out of this thread (a large `check`: src/engines/catalogue). */
export type CatalogueInWorkers = IsolatedPolicyEngine & Pick<PolicyEngine, "setSettings">;

/** Something wrong with a policy or its configuration: at a file and line, it fails the run. */
export type { Problem };

/** A loaded engine: documents in, results per document out, wherever it runs (here or a worker). */
export interface Engine {
  /** The descriptor's id (`catalogue`, `conftest`, `gatekeeper`...). */
  readonly id: string;
  evaluate(inputs: readonly PolicyInput[]): Promise<PolicyResult[]>;
  /**
   * The files are evaluated again from the first (`check --fix`'s rounds): what the engine
   * gathered across the files of the last pass (the objects PCV005 has seen) is forgotten.
   */
  newPass?(): void;
  /**
   * Objects applied together with the files this pass evaluates but not evaluated themselves (a
   * review's unchanged files in the changed files' folders): PCV005 compares the evaluated with them.
   */
  alsoApplied?(objects: readonly AppliedObject[]): void;
  /**
   * True when this run's answers were asked ahead, in another process (`check`'s schema
   * validation): reading and evaluating the next files need not wait for them (evaluateFiles'
   * pipeline waits for the other engines only; each slice is reported once all have answered).
   */
  answersAhead?(): boolean;
}

/** An object of a file applied with the evaluated ones; `line` is where its name is. */
export interface AppliedObject {
  readonly path: string;
  readonly document: unknown;
  readonly line: () => number;
}

/** What a load step gives: engines to run, problems that fail the run, policies read but not run. */
export interface EngineLoad {
  readonly engines: readonly Engine[];
  readonly problems: readonly Problem[];
  /** Policies read but not evaluated (a Gatekeeper CEL-only template...), and why. */
  readonly notEvaluated: readonly SkippedFile[];
  /** The policy files in force (for the summary and for who must own them). */
  readonly files: readonly string[];
}

export const NOTHING_LOADED: EngineLoad = {
  engines: [],
  problems: [],
  notEvaluated: [],
  files: [],
};

/**
 * Folders named on the command line (`check --policy`, `--admission`): each is loaded on its own,
 * relative to `root`, and replaces the configuration's list for the engine that reads it.
 */
export interface CommandLinePolicies {
  readonly root: string;
  readonly policy: readonly string[];
  readonly data: readonly string[];
  readonly admission: readonly string[];
  /** The environment the pinned tools are found from (PORTCULLIS_OPA...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The checked files, read once for every engine and the evaluation (the same as `inventory`). */
  readonly checked?: CheckedInventory;
}

/** `check`'s checked files read once (src/review/checked-files.ts). */
export interface CheckedInventory {
  /** The inventory; `each` is given each file's objects as they are read, in file order. */
  inventory(each?: (objects: readonly unknown[]) => void): Promise<Inventory>;
  /** The working tree's files (absolute paths) whose every object is in the inventory. */
  inInventory(): ReadonlySet<string>;
  /** How many of the checked files are manifests: the files `inventory` reads. */
  manifestCount(): number;
}

/** Everything a load step may use; an engine takes what it needs and ignores the rest. */
export interface EngineContext {
  /** The configuration in force (each engine reads its own section). */
  readonly config: Config;
  /** Where configuration problems are reported. */
  readonly configFile: string;
  /** The built-in catalogue's evaluator (the compiled bundle, here or in workers), and its rules. */
  readonly catalogue: () => PolicyEngine | CatalogueInWorkers;
  readonly rules?: ReadonlyMap<string, RuleMetadata>;
  /** The repository's policy files: the base commit in a review, the working tree in `check`. */
  readonly files: PolicyFiles;
  /** Kubernetes objects as the change leaves the repository (Gatekeeper's data.inventory). */
  readonly inventory: (skip: (path: string) => boolean) => Promise<Inventory>;
  /** The versions before the change of the Namespaces it edits (a relabelling must not evade a selector). */
  readonly previousNamespaces: () => Promise<readonly unknown[]>;
  /** The shared OPA toolchain; without it the Rego engines of the repository are not run. */
  readonly opa?: RepositoryPolicyDeps;
  /** `check`'s folder flags, when given. */
  readonly commandLine?: CommandLinePolicies;
  /**
   * The admission folders and the inventory, read once in this run for every engine that asks
   * (made by loadEngines; src/engines/admission-reads.ts).
   */
  readonly admission: AdmissionReads;
}

export interface Inventory {
  readonly objects: readonly unknown[];
  /** Files left out (over the inventory's cap): a selector could miss a Namespace. */
  readonly cut: number;
}

/**
 * What an engine's own tests run on: the policy files as the change leaves them (the head, or the
 * working tree), never used for the verdict.
 */
export interface PolicyTestContext {
  readonly config: Config;
  readonly configFile: string;
  /** The policy files at the head of the change (a review) or in the working tree. */
  readonly files: PolicyFiles;
  /** The shared OPA toolchain (the Rego engines need it); without it Rego tests are not run. */
  readonly opa?: RepositoryPolicyDeps;
  /** The environment the pinned tools are found from (PORTCULLIS_OPA...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How long all of this engine's tests may run together. */
  readonly timeLimitMs: number;
}

export type { PolicyTestResult, PolicyTestRun } from "../core/policy-change.js";

export interface EngineDescriptor {
  readonly id: string;
  /** The configuration keys it reads (documentation and the config schema's grouping). */
  readonly config: readonly string[];
  /** The repository folders (or files) its policies are read from under `config`. */
  reads(config: Config): readonly string[];
  load(ctx: EngineContext): Promise<EngineLoad>;
  /**
   * The policies' own unit tests, run as the engine's tool runs them (`opa test`, `gator verify`,
   * `kyverno test`), sandboxed and time-limited; each result at its test's file and line. Run
   * when a change touches the folders `reads` names; never part of the policies' verdict.
   */
  tests?(ctx: PolicyTestContext): Promise<PolicyTestRun>;
}

/** One asynchronous `evaluate` over the adapters' evaluators, in this thread or isolated. */
export function engineOf(id: string, evaluator: PolicyEngine | IsolatedPolicyEngine): Engine {
  if ("evaluateIsolated" in evaluator)
    return {
      id,
      evaluate: (inputs) =>
        inputs.length > 0 ? evaluator.evaluateIsolated(inputs) : Promise.resolve([]),
    };
  return { id, evaluate: async (inputs) => evaluator.evaluate(inputs) };
}
