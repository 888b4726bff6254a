// The configuration (src/config/config.ts): reading the file into a mapping, and each section's
// validation; wrong entries are reported at their path and line, the defaults stand for them.
import { parseDocument } from "yaml";
import { MAX_CONFIG_BYTES } from "../core/limits.js";
import { isPlainObject } from "../core/plain-data.js";
import type { Severity } from "../core/types.js";
import { SEVERITIES } from "../core/types.js";
import type {
  Config,
  ConfigContext,
  ConfigError,
  RenderConfig,
  RepositoryPoliciesConfig,
  RuleSetting,
  SignedCommitsConfig,
} from "./config.js";
import { type ConfigErr, closest, parseSection, typeOf } from "./config-values.js";

/** Settings whose configured list is added to the defaults instead of replacing them. */
const EXTENDING_SETTINGS = new Set(["internalLoadBalancerAnnotations"]);

/** The file as a mapping and the line of each path in it; or the errors that leave the defaults. */
export type ReadConfig =
  | {
      readonly raw: Record<string, unknown>;
      readonly lineOf: (path: (string | number)[]) => number | undefined;
    }
  | { readonly errors: ConfigError[] };

/** Reads the configuration text: bounded, YAML syntax checked, aliases bounded, a mapping. */
export function readConfigText(text: string): ReadConfig {
  // A pull request's own config is parsed too: bound the work before the parser sees it.
  if (text.length > MAX_CONFIG_BYTES)
    return {
      errors: [
        {
          path: "",
          message: `config is larger than ${MAX_CONFIG_BYTES} bytes; it was not read`,
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
  const errors: ConfigError[] = doc.errors.map((e) => ({
    path: "",
    message: `YAML syntax error: ${e.message.split("\n")[0]}`,
    line: text.slice(0, e.pos[0]).split("\n").length,
  }));
  if (errors.length > 0) return { errors };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 10 });
  } catch (err) {
    return { errors: [{ path: "", message: `config could not be read: ${String(err)}` }] };
  }
  if (raw === null || raw === undefined) return { errors: [] };
  if (!isPlainObject(raw))
    return {
      errors: [{ path: "", message: `config must be a mapping, found ${typeOf(raw)}`, line: 1 }],
    };
  return { raw, lineOf };
}

/** `include` / `exclude`: lists of glob patterns; exclusions add to the defaults. */
export function parseGlobs(
  raw: Record<string, unknown>,
  key: "include" | "exclude",
  base: Config,
  err: ConfigErr,
): readonly string[] {
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
}

/** `rules`: known rule ids, each off, on, a severity or `{enabled, severity}`. */
export function parseRules(
  v: unknown,
  context: ConfigContext,
  err: ConfigErr,
): Record<string, RuleSetting> {
  const rules: Record<string, RuleSetting> = {};
  if (v === undefined) return rules;
  if (!isPlainObject(v)) {
    err(["rules"], `must be a mapping of rule id to settings, found ${typeOf(v)}`);
    return rules;
  }
  for (const [id, setting] of Object.entries(v)) {
    if (!context.ruleIds.has(id)) {
      const hint = closest(id, context.ruleIds);
      err(["rules", id], `unknown rule${hint ? ` (did you mean "${hint}"?)` : ""}`);
      continue;
    }
    const parsed = parseRuleSetting(setting, (sub, message) => err(["rules", id, ...sub], message));
    if (parsed) rules[id] = parsed;
  }
  return rules;
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

/** `settings`: known settings, each shaped like its default; the defaults fill the rest. */
export function parseSettings(
  v: unknown,
  base: Config,
  context: ConfigContext,
  err: ConfigErr,
): Record<string, unknown> {
  const settings = structuredClone(base.settings) as Record<string, unknown>;
  if (v === undefined) return settings;
  if (!isPlainObject(v)) {
    err(["settings"], `must be a mapping, found ${typeOf(v)}`);
    return settings;
  }
  for (const [key, value] of Object.entries(v)) {
    if (!Object.hasOwn(context.settingDefaults, key)) {
      const hint = closest(key, Object.keys(context.settingDefaults));
      err(["settings", key], `unknown setting${hint ? ` (did you mean "${hint}"?)` : ""}`);
      continue;
    }
    const problem =
      key === "resourceDefaults"
        ? checkResourceDefaults(value, ["settings", key], err)
        : checkSettingShape(context.settingDefaults[key], value, ["settings", key], err);
    if (!problem) {
      settings[key] =
        EXTENDING_SETTINGS.has(key) && Array.isArray(value)
          ? [...(context.settingDefaults[key] as unknown[]), ...value]
          : structuredClone(value);
    }
  }
  return settings;
}

/** A setting must have the shape of its default: a list of strings, a list of mappings, a mapping. */
function checkSettingShape(
  example: unknown,
  v: unknown,
  path: (string | number)[],
  err: ConfigErr,
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
function checkResourceDefaults(v: unknown, path: (string | number)[], err: ConfigErr): boolean {
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

/** `limits`: maxFileBytes and maxDocuments, positive integers. */
export function parseLimits(v: unknown, base: Config, err: ConfigErr): Config["limits"] {
  const limits = { ...base.limits };
  if (v === undefined) return limits;
  if (!isPlainObject(v)) {
    err(["limits"], `must be a mapping, found ${typeOf(v)}`);
    return limits;
  }
  for (const [key, value] of Object.entries(v)) {
    if (key !== "maxFileBytes" && key !== "maxDocuments") {
      err(["limits", key], "unknown limit (known: maxFileBytes, maxDocuments)");
    } else if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      err(["limits", key], `must be a positive integer, found ${JSON.stringify(value)}`);
    } else limits[key] = value;
  }
  return limits;
}

/** `signedCommits`: the section, with its signature types checked. */
export function parseSignedCommits(v: unknown, base: Config, err: ConfigErr): SignedCommitsConfig {
  const signedCommits = parseSection(
    v,
    base.signedCommits,
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
  return signedCommits;
}

/** `policies`: paths inside the repository, teams as org/slug, a known Rego version. */
export function parsePolicies(v: unknown, base: Config, err: ConfigErr): RepositoryPoliciesConfig {
  const parsedPolicies = parseSection(
    v,
    base.policies,
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
  return {
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
}

const insideRepository = (p: string) =>
  p !== "" && !p.startsWith("/") && !p.split("/").includes("..");

/**
 * `render`: the section, with its chart lists in the forms docs/rendering.md gives; an entry that
 * could never match (a copy without its folder, a registry without its scheme) is an error.
 */
export function parseRender(v: unknown, base: Config, err: ConfigErr): RenderConfig {
  const render = parseSection(v, base.render, ["render"], err) as RenderConfig;
  const valid = (key: keyof RenderConfig, ok: (v: string) => boolean, what: string): string[] =>
    (render[key] as readonly string[]).filter((entry, i) => {
      if (!ok(entry)) err(["render", key, i], `must be ${what}, found ${JSON.stringify(entry)}`);
      return ok(entry);
    });
  return {
    ...render,
    vendoredCharts: valid(
      "vendoredCharts",
      (e) => /^[^=\s][^=]*=/.test(e) && insideRepository(e.slice(e.indexOf("=") + 1).trim()),
      "<chart>=<folder inside the repository>",
    ),
    remoteCharts: valid(
      "remoteCharts",
      (e) => /^(oci|https?):\/\/[^/\s]+/i.test(e.trim()),
      "an oci://, https:// or http:// address",
    ),
    plainHttpRegistries: valid(
      "plainHttpRegistries",
      (e) => /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(e),
      "a registry as host:port",
    ),
  };
}
