// The repository configuration (.github/portcullis.yml): schema, safe defaults, and every error with its path.
// Parsing is in config-sections.ts (reading the file, each section) and config-values.ts (shapes,
// typo hints).
import { MAX_CONFIG_BYTES, MAX_DOCUMENTS_PER_FILE, MAX_FILE_BYTES } from "../core/limits.js";
import type { Severity } from "../core/types.js";
import {
  parseGlobs,
  parseLimits,
  parsePolicies,
  parseRender,
  parseRules,
  parseSettings,
  parseSignedCommits,
  readConfigText,
} from "./config-sections.js";
import {
  type ConfigErr,
  closest,
  formatPath,
  kubernetesVersionOf,
  parseSection,
} from "./config-values.js";
export { normaliseKubernetesVersion } from "./config-values.js";
export { MAX_CONFIG_BYTES };

export const CONFIG_PATH = ".github/portcullis.yml";

export type FailLevel = Severity | "never";
export const FAIL_LEVELS: readonly FailLevel[] = ["error", "warning", "notice", "never"];

export interface RuleSetting {
  readonly enabled: boolean;
  readonly severity?: Severity;
}

export interface Config {
  readonly failOn: FailLevel;
  /** In a pull request, findings the base branch already had fail the check too. */
  readonly failOnExisting: boolean;
  readonly include: readonly string[];
  readonly exclude: readonly string[];
  readonly rules: Readonly<Record<string, RuleSetting>>;
  /** What the Rego rules read as `data.settings` (defaults merged with the repository's). */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly limits: { readonly maxFileBytes: number; readonly maxDocuments: number };
  readonly codeOwners: CodeOwnersConfig;
  readonly signedCommits: SignedCommitsConfig;
  readonly policies: RepositoryPoliciesConfig;
  readonly render: RenderConfig;
  /**
   * The Kubernetes minor version ("1.37") whose API the schema validation (PCV rules) checks
   * against; undefined: the newest the installed kube-schema carries.
   */
  readonly kubernetesVersion?: string;
}

/** Rendering before review (docs/rendering.md): what the cluster would get, not only the changed files. */
export interface RenderConfig {
  /** Render the kustomizations a change affects, at base and head, and evaluate their output. */
  readonly kustomize: boolean;
  /** Build folders as the Flux Kustomizations of the repository do (their patches, postBuild...). */
  readonly flux: boolean;
  /** Build folders as the Argo CD Applications of the repository do (`source.kustomize`...). */
  readonly argocd: boolean;
  /** Render the Helm releases (Flux HelmRelease, Argo CD Application) of charts in the repository. */
  readonly helm: boolean;
  /**
   * Remote charts allowed to render from a copy vendored in the repository: `<chart>=<folder>`
   * (the chart is still never fetched).
   */
  readonly vendoredCharts: readonly string[];
  /**
   * Remote charts the review may fetch (docs/rendering.md, "Remote charts"): registry and
   * repository prefixes (`oci://ghcr.io/acme/charts`, `https://charts.example.com`); none by default.
   */
  readonly remoteCharts: readonly string[];
  /** Registries (`host:port`) of remoteCharts reached over plain HTTP (a registry in the cluster). */
  readonly plainHttpRegistries: readonly string[];
}

export const DEFAULT_RENDER: RenderConfig = {
  kustomize: true,
  flux: true,
  argocd: true,
  helm: true,
  vendoredCharts: [],
  remoteCharts: [],
  plainHttpRegistries: [],
};

/** The repository's own policies, read from the base commit (never from the change under review). */
export interface RepositoryPoliciesConfig {
  readonly enabled: boolean;
  /** Directories of conftest-style Rego (`deny`/`violation`/`warn`), conftest's default `policy`. */
  readonly paths: readonly string[];
  /** The packages to run (conftest's --namespace). */
  readonly namespaces: readonly string[];
  /** Run every package instead (conftest's --all-namespaces). */
  readonly allNamespaces: boolean;
  /** The Rego syntax of the policies (conftest's --rego-version); `auto`: v1, else v0. */
  readonly regoVersion: "auto" | "v0" | "v1";
  /** JSON/YAML files or directories the policies read as `data` (conftest's --data). */
  readonly data: readonly string[];
  /** Teams (`org/slug`) whose membership each approver is given in `data.portcullis.pull_request`. */
  readonly teams: readonly string[];
  /**
   * Directories or files of admission policies (Gatekeeper ConstraintTemplates and Constraints,
   * ValidatingAdmissionPolicies and their bindings, Kyverno policies and PolicyExceptions), read
   * at the base. `gatekeeper` is the older name; both lists are read.
   */
  readonly admission: readonly string[];
  /** Every admission policy path: `admission` and `gatekeeper` together, as the review reads them. */
  readonly gatekeeper: readonly string[];
}

export interface CodeOwnersConfig {
  readonly enabled: boolean;
  /** Every owner of a file (each team, each user) must approve, not just one of them. */
  readonly requireAllOwners: boolean;
  /** Approvals of an older commit than the head do not count. */
  readonly dismissStaleApprovals: boolean;
  /** Globs of paths that must have an owner: a change to an unowned one fails the check. */
  readonly mustBeOwned: readonly string[];
}

export interface SignedCommitsConfig {
  readonly enabled: boolean;
  readonly exemptBots: boolean;
  readonly exemptMergeCommits: boolean;
  readonly acceptedTypes: readonly ("gpg" | "ssh" | "smime")[];
  /** Logins allowed to sign; empty means anyone whose signature GitHub verifies. */
  readonly allowedSigners: readonly string[];
}

export const DEFAULT_CODE_OWNERS: CodeOwnersConfig = {
  enabled: true,
  requireAllOwners: false,
  dismissStaleApprovals: false,
  // The files that decide how a change is reviewed must always have an owner.
  mustBeOwned: [
    ".github/portcullis.yml",
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    "policy/**",
    "policies/**",
  ],
};

export const DEFAULT_SIGNED_COMMITS: SignedCommitsConfig = {
  enabled: true,
  exemptBots: false,
  exemptMergeCommits: false,
  acceptedTypes: ["gpg", "ssh", "smime"],
  allowedSigners: [],
};

export const DEFAULT_POLICIES: RepositoryPoliciesConfig = {
  enabled: true,
  paths: ["policy"],
  namespaces: ["main"],
  allNamespaces: false,
  regoVersion: "auto",
  data: [],
  teams: [],
  admission: [],
  gatekeeper: [],
};

export interface ConfigError {
  /** Where in the file: `rules.PCK007.severity`, `settings.requiredLabels[2]`. */
  readonly path: string;
  readonly message: string;
  readonly line?: number;
}

export interface ConfigResult {
  readonly config: Config;
  readonly errors: readonly ConfigError[];
}

export const DEFAULT_INCLUDE = ["**/*.yaml", "**/*.yml", "**/*.json", "**/Kustomization"];
export const DEFAULT_EXCLUDE = [
  "**/node_modules/**",
  "**/.git/**",
  ".github/workflows/**",
  ".github/portcullis.yml",
  ".pre-commit-config.yaml",
  ".pre-commit-hooks.yaml",
];

export interface ConfigContext {
  /** Defaults of every setting (policies/settings/data.json). */
  readonly settingDefaults: Readonly<Record<string, unknown>>;
  /** Known rule ids, to catch typos. */
  readonly ruleIds: ReadonlySet<string>;
}

export function defaultConfig(context: ConfigContext): Config {
  return {
    failOn: "error",
    failOnExisting: false,
    include: DEFAULT_INCLUDE,
    exclude: DEFAULT_EXCLUDE,
    rules: {},
    settings: structuredClone(context.settingDefaults) as Record<string, unknown>,
    limits: { maxFileBytes: MAX_FILE_BYTES, maxDocuments: MAX_DOCUMENTS_PER_FILE },
    codeOwners: DEFAULT_CODE_OWNERS,
    signedCommits: DEFAULT_SIGNED_COMMITS,
    policies: DEFAULT_POLICIES,
    render: DEFAULT_RENDER,
  };
}

const TOP_LEVEL = [
  "failOn",
  "failOnExisting",
  "include",
  "exclude",
  "rules",
  "settings",
  "limits",
  "kubernetesVersion",
  "codeOwners",
  "signedCommits",
  "policies",
  "render",
];

/** Parses and validates a config file; defaults stand wherever the file is wrong or silent. */
export function parseConfig(text: string, context: ConfigContext): ConfigResult {
  const base = defaultConfig(context);
  const read = readConfigText(text);
  if ("errors" in read) return { config: base, errors: read.errors };
  const { raw, lineOf } = read;
  const errors: ConfigError[] = [];
  const err: ConfigErr = (path, message) =>
    errors.push({ path: formatPath(path), message, line: lineOf(path) });

  for (const key of Object.keys(raw)) {
    if (key === "_extends") continue; // resolved by the loader before parsing
    if (key === "$schema" && typeof raw[key] === "string") continue; // for editors (schemas/)
    if (!TOP_LEVEL.includes(key)) {
      const hint = closest(key, TOP_LEVEL);
      err([key], `unknown key${hint ? ` (did you mean "${hint}"?)` : ""}`);
    }
  }

  let failOn = base.failOn;
  if (raw.failOn !== undefined) {
    if ((FAIL_LEVELS as readonly unknown[]).includes(raw.failOn)) failOn = raw.failOn as FailLevel;
    else
      err(
        ["failOn"],
        `must be one of ${FAIL_LEVELS.join(", ")}, found ${JSON.stringify(raw.failOn)}`,
      );
  }

  let failOnExisting = base.failOnExisting;
  if (raw.failOnExisting !== undefined) {
    if (typeof raw.failOnExisting === "boolean") failOnExisting = raw.failOnExisting;
    else
      err(["failOnExisting"], `must be true or false, found ${JSON.stringify(raw.failOnExisting)}`);
  }

  // Each section in the file's documented order, so that the errors come in that order too.
  return {
    config: {
      failOn,
      failOnExisting,
      include: parseGlobs(raw, "include", base, err),
      exclude: parseGlobs(raw, "exclude", base, err),
      rules: parseRules(raw.rules, context, err),
      settings: parseSettings(raw.settings, base, context, err),
      limits: parseLimits(raw.limits, base, err),
      codeOwners: parseSection(
        raw.codeOwners,
        base.codeOwners,
        ["codeOwners"],
        err,
      ) as CodeOwnersConfig,
      signedCommits: parseSignedCommits(raw.signedCommits, base, err),
      policies: parsePolicies(raw.policies, base, err),
      render: parseRender(raw.render, base, err),
      ...kubernetesVersionOf(raw.kubernetesVersion, err),
    },
    errors,
  };
}
