// The repository configuration (.github/portcullis.yml): schema, safe defaults, and every error with its path.
import { parseDocument } from "yaml";
import { MAX_CONFIG_BYTES, MAX_DOCUMENTS_PER_FILE, MAX_FILE_BYTES } from "../core/limits.js";
import { isPlainObject } from "../core/plain-data.js";
import type { Severity } from "../core/types.js";
import { SEVERITIES } from "../core/types.js";
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
   * Directories or files of admission policies (Gatekeeper ConstraintTemplates and Constraints),
   * read at the base. `gatekeeper` is the older name; both lists are read.
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

/** Settings whose configured list is added to the defaults instead of replacing them. */
const EXTENDING_SETTINGS = new Set(["internalLoadBalancerAnnotations"]);

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

function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  return bestScore <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function typeOf(v: unknown): string {
  return v === null
    ? "null"
    : Array.isArray(v)
      ? "list"
      : typeof v === "object"
        ? "mapping"
        : typeof v;
}

/** Parses and validates a config file; defaults stand wherever the file is wrong or silent. */
export function parseConfig(text: string, context: ConfigContext): ConfigResult {
  const errors: ConfigError[] = [];
  // A pull request's own config is parsed too: bound the work before the parser sees it.
  if (text.length > MAX_CONFIG_BYTES)
    return {
      config: defaultConfig(context),
      errors: [
        {
          path: "",
          message: `config is larger than ${MAX_CONFIG_BYTES} bytes; the defaults apply`,
          line: 1,
        },
      ],
    };
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const lineOf = (path: (string | number)[]) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (!node?.range) return undefined;
    return text.slice(0, node.range[0]).split("\n").length;
  };
  for (const e of doc.errors) {
    errors.push({
      path: "",
      message: `YAML syntax error: ${e.message.split("\n")[0]}`,
      line: text.slice(0, e.pos[0]).split("\n").length,
    });
  }
  const base = defaultConfig(context);
  if (errors.length > 0) return { config: base, errors };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 10 });
  } catch (err) {
    return {
      config: base,
      errors: [{ path: "", message: `config could not be read: ${String(err)}` }],
    };
  }
  if (raw === null || raw === undefined) return { config: base, errors };
  if (!isPlainObject(raw)) {
    return {
      config: base,
      errors: [{ path: "", message: `config must be a mapping, found ${typeOf(raw)}`, line: 1 }],
    };
  }
  const err = (path: (string | number)[], message: string) =>
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

  const globs = (key: "include" | "exclude"): readonly string[] => {
    const v = raw[key];
    if (v === undefined) return base[key];
    if (!Array.isArray(v)) {
      err([key], `must be a list of glob patterns, found ${typeOf(v)}`);
      return base[key];
    }
    const out: string[] = [];
    v.forEach((g, i) => {
      if (typeof g === "string" && g.trim() !== "") out.push(g);
      else err([key, i], `must be a glob pattern (a non-empty string), found ${typeOf(g)}`);
    });
    // Exclusions add to the defaults, so that a repository cannot forget to skip node_modules.
    return key === "exclude" ? [...base.exclude, ...out] : out;
  };
  const include = globs("include");
  const exclude = globs("exclude");

  const rules: Record<string, RuleSetting> = {};
  if (raw.rules !== undefined) {
    if (!isPlainObject(raw.rules))
      err(["rules"], `must be a mapping of rule id to settings, found ${typeOf(raw.rules)}`);
    else {
      for (const [id, v] of Object.entries(raw.rules)) {
        if (!context.ruleIds.has(id)) {
          const hint = closest(id, context.ruleIds);
          err(["rules", id], `unknown rule${hint ? ` (did you mean "${hint}"?)` : ""}`);
          continue;
        }
        const setting = parseRuleSetting(v, (sub, message) => err(["rules", id, ...sub], message));
        if (setting) rules[id] = setting;
      }
    }
  }

  const settings = structuredClone(base.settings) as Record<string, unknown>;
  if (raw.settings !== undefined) {
    if (!isPlainObject(raw.settings))
      err(["settings"], `must be a mapping, found ${typeOf(raw.settings)}`);
    else {
      for (const [key, v] of Object.entries(raw.settings)) {
        if (!Object.hasOwn(context.settingDefaults, key)) {
          const hint = closest(key, Object.keys(context.settingDefaults));
          err(["settings", key], `unknown setting${hint ? ` (did you mean "${hint}"?)` : ""}`);
          continue;
        }
        const problem =
          key === "resourceDefaults"
            ? checkResourceDefaults(v, ["settings", key], err)
            : checkSettingShape(context.settingDefaults[key], v, ["settings", key], err);
        if (!problem) {
          settings[key] =
            EXTENDING_SETTINGS.has(key) && Array.isArray(v)
              ? [...(context.settingDefaults[key] as unknown[]), ...v]
              : structuredClone(v);
        }
      }
    }
  }

  const limits = { ...base.limits };
  if (raw.limits !== undefined) {
    if (!isPlainObject(raw.limits))
      err(["limits"], `must be a mapping, found ${typeOf(raw.limits)}`);
    else {
      for (const [key, v] of Object.entries(raw.limits)) {
        if (key !== "maxFileBytes" && key !== "maxDocuments") {
          err(["limits", key], "unknown limit (known: maxFileBytes, maxDocuments)");
        } else if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
          err(["limits", key], `must be a positive integer, found ${JSON.stringify(v)}`);
        } else limits[key] = v;
      }
    }
  }

  const codeOwners = parseSection(
    raw.codeOwners,
    DEFAULT_CODE_OWNERS,
    ["codeOwners"],
    err,
  ) as CodeOwnersConfig;
  const signedCommits = parseSection(
    raw.signedCommits,
    DEFAULT_SIGNED_COMMITS,
    ["signedCommits"],
    err,
  ) as SignedCommitsConfig;
  for (const [i, t] of signedCommits.acceptedTypes.entries()) {
    if (!["gpg", "ssh", "smime"].includes(t))
      err(
        ["signedCommits", "acceptedTypes", i],
        `must be gpg, ssh or smime, found ${JSON.stringify(t)}`,
      );
  }
  const parsedPolicies = parseSection(
    raw.policies,
    DEFAULT_POLICIES,
    ["policies"],
    err,
  ) as RepositoryPoliciesConfig;
  // Wrong entries are reported and left out; the rest stays in force.
  const valid = (
    key: "paths" | "data" | "teams" | "gatekeeper" | "admission",
    ok: (v: string) => boolean,
    what: string,
  ): string[] =>
    parsedPolicies[key].filter((v, i) => {
      if (!ok(v)) err(["policies", key, i], `must be ${what}, found ${JSON.stringify(v)}`);
      return ok(v);
    });
  const inside = (p: string) => !p.startsWith("/") && !p.split("/").includes("..");
  if (!["auto", "v0", "v1"].includes(parsedPolicies.regoVersion))
    err(
      ["policies", "regoVersion"],
      `must be auto, v0 or v1, found ${JSON.stringify(parsedPolicies.regoVersion)}`,
    );
  const admission = valid("admission", inside, "a path inside the repository");
  const policies: RepositoryPoliciesConfig = {
    ...parsedPolicies,
    regoVersion: ["v0", "v1"].includes(parsedPolicies.regoVersion)
      ? parsedPolicies.regoVersion
      : "auto",
    paths: valid("paths", inside, "a path inside the repository"),
    data: valid("data", inside, "a path inside the repository"),
    admission,
    gatekeeper: [
      ...new Set([...admission, ...valid("gatekeeper", inside, "a path inside the repository")]),
    ],
    teams: valid("teams", (t) => /^@?[\w.-]+\/[\w.-]+$/.test(t), "a team as org/slug"),
  };
  return {
    config: {
      failOn,
      failOnExisting,
      include,
      exclude,
      rules,
      settings,
      limits,
      codeOwners,
      signedCommits,
      policies,
      render: parseSection(raw.render, DEFAULT_RENDER, ["render"], err) as RenderConfig,
      ...kubernetesVersionOf(raw.kubernetesVersion, err),
    },
    errors,
  };
}

/** A mapping of booleans and string lists shaped like its defaults; wrong keys and types are errors. */
function parseSection(
  v: unknown,
  defaults: object,
  path: string[],
  err: (path: (string | number)[], message: string) => void,
): object {
  if (v === undefined) return defaults;
  if (!isPlainObject(v)) {
    err(path, `must be a mapping, found ${typeOf(v)}`);
    return defaults;
  }
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(v)) {
    const example = (defaults as Record<string, unknown>)[key];
    if (example === undefined) {
      const hint = closest(key, Object.keys(defaults));
      err([...path, key], `unknown key${hint ? ` (did you mean "${hint}"?)` : ""}`);
    } else if (typeof example === "boolean") {
      if (typeof value === "boolean") out[key] = value;
      else err([...path, key], `must be true or false, found ${JSON.stringify(value)}`);
    } else if (typeof example === "string") {
      if (typeof value === "string") out[key] = value;
      else err([...path, key], `must be a string, found ${typeOf(value)}`);
    } else if (Array.isArray(value) && value.every((x) => typeof x === "string" && x !== "")) {
      out[key] = [...value];
    } else err([...path, key], `must be a list of non-empty strings, found ${typeOf(value)}`);
  }
  return out;
}

function parseRuleSetting(
  v: unknown,
  err: (path: string[], message: string) => void,
): RuleSetting | undefined {
  if (v === false || v === "off") return { enabled: false };
  if (v === true || v === "on") return { enabled: true };
  if (typeof v === "string") {
    if ((SEVERITIES as readonly string[]).includes(v))
      return { enabled: true, severity: v as Severity };
    err(
      [],
      `must be off, on, a severity (${SEVERITIES.join(", ")}) or a mapping, found ${JSON.stringify(v)}`,
    );
    return undefined;
  }
  if (!isPlainObject(v)) {
    err([], `must be off, on, a severity or a mapping, found ${typeOf(v)}`);
    return undefined;
  }
  let ok = true;
  for (const key of Object.keys(v)) {
    if (key !== "enabled" && key !== "severity") {
      err([key], "unknown key (known: enabled, severity)");
      ok = false;
    }
  }
  if (v.enabled !== undefined && typeof v.enabled !== "boolean") {
    err(["enabled"], `must be true or false, found ${JSON.stringify(v.enabled)}`);
    ok = false;
  }
  if (v.severity !== undefined && !(SEVERITIES as readonly unknown[]).includes(v.severity)) {
    err(
      ["severity"],
      `must be one of ${SEVERITIES.join(", ")}, found ${JSON.stringify(v.severity)}`,
    );
    ok = false;
  }
  if (!ok) return undefined;
  return { enabled: v.enabled !== false, severity: v.severity as Severity | undefined };
}

/** A setting must have the shape of its default: a list of strings, a list of mappings, a mapping. */
function checkSettingShape(
  example: unknown,
  v: unknown,
  path: (string | number)[],
  err: (path: (string | number)[], message: string) => void,
): boolean {
  if (Array.isArray(example)) {
    if (!Array.isArray(v)) {
      err(path, `must be a list, found ${typeOf(v)}`);
      return true;
    }
    const itemIsObject = isPlainObject(example[0]);
    let bad = false;
    v.forEach((item, i) => {
      if (itemIsObject) {
        if (!isPlainObject(item) || typeof item.key !== "string") {
          err([...path, i], "must be a mapping with a `key` (and an optional `value`)");
          bad = true;
        } else if (item.value !== undefined && typeof item.value !== "string") {
          err([...path, i, "value"], `must be a string, found ${typeOf(item.value)}`);
          bad = true;
        }
      } else if (typeof item !== "string" || item === "") {
        err([...path, i], `must be a non-empty string, found ${typeOf(item)}`);
        bad = true;
      }
    });
    return bad;
  }
  if (isPlainObject(example)) {
    if (!isPlainObject(v)) {
      err(path, `must be a mapping, found ${typeOf(v)}`);
      return true;
    }
    return false;
  }
  if (typeof example !== typeof v) {
    err(path, `must be a ${typeof example}, found ${typeOf(v)}`);
    return true;
  }
  return false;
}

/** `{limits: {cpu, memory}, requests: {cpu, memory}}`, each value a Kubernetes quantity. */
function checkResourceDefaults(
  v: unknown,
  path: (string | number)[],
  err: (path: (string | number)[], message: string) => void,
): boolean {
  if (!isPlainObject(v)) {
    err(path, `must be a mapping with limits and/or requests, found ${typeOf(v)}`);
    return true;
  }
  let bad = false;
  for (const [group, values] of Object.entries(v)) {
    if (group !== "limits" && group !== "requests") {
      err([...path, group], "unknown key (known: limits, requests)");
      bad = true;
    } else if (!isPlainObject(values)) {
      err([...path, group], `must be a mapping of cpu and/or memory, found ${typeOf(values)}`);
      bad = true;
    } else {
      for (const [resource, quantity] of Object.entries(values)) {
        if (resource !== "cpu" && resource !== "memory") {
          err([...path, group, resource], "unknown resource (known: cpu, memory)");
          bad = true;
        } else if (
          typeof quantity !== "string" ||
          !/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.test(quantity)
        ) {
          err(
            [...path, group, resource],
            `must be a quantity such as "500m" or "256Mi", found ${JSON.stringify(quantity)}`,
          );
          bad = true;
        }
      }
    }
  }
  return bad;
}

function formatPath(path: readonly (string | number)[]): string {
  return path
    .map((p, i) =>
      typeof p === "number"
        ? `[${p}]`
        : /^[A-Za-z_][\w-]*$/.test(p)
          ? `${i === 0 ? "" : "."}${p}`
          : `[${JSON.stringify(p)}]`,
    )
    .join("");
}

/** `kubernetesVersion`: "1.37" (also written 1.37, v1.37 or 1.37.2), kept as "1.37". */
export function normaliseKubernetesVersion(v: unknown): string | undefined {
  // YAML reads 1.30 as the number 1.3: a number is taken only when it cannot have lost a 0.
  if (typeof v === "number" && !/^1\.\d\d+$/.test(String(v))) return undefined;
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  const m = /^v?1\.(\d{1,3})(\.\d+)?$/.exec(String(v).trim());
  return m ? `1.${Number(m[1])}` : undefined;
}

function kubernetesVersionOf(
  v: unknown,
  err: (path: (string | number)[], message: string) => void,
): { kubernetesVersion?: string } {
  if (v === undefined) return {};
  const version = normaliseKubernetesVersion(v);
  if (version === undefined) {
    err(
      ["kubernetesVersion"],
      `must be a Kubernetes minor version such as "1.37" (quoted: YAML reads 1.30 as 1.3), found ${JSON.stringify(v)}`,
    );
    return {};
  }
  return { kubernetesVersion: version };
}
