// `_extends`: a repository's config inherits organisation defaults from another repository of the
// same owner, a bounded number of levels deep, with loops refused. Every error names its file.
import { parseDocument } from "yaml";
import { deepMerge, isPlainObject } from "../core/plain-data.js";
import {
  CONFIG_PATH,
  parseConfig,
  type ConfigContext,
  type ConfigError,
  type ConfigResult,
} from "./config.js";
import { MAX_EXTENDS_DEPTH } from "../core/limits.js";
export { MAX_EXTENDS_DEPTH };

export interface ConfigLocation {
  readonly owner: string;
  readonly repo: string;
  readonly path: string;
}

/** Reads a config file of another repository (its default branch); undefined when it does not exist. */
export type ReadOtherConfig = (location: ConfigLocation) => Promise<string | undefined>;

/** `repo`, `owner/repo`, `repo:path` or `owner/repo:path` (the form Probot's config uses). */
export function parseExtends(value: unknown, owner: string): ConfigLocation | string {
  if (typeof value !== "string" || value.trim() === "")
    return "_extends must be a repository name such as `.github` or `org/.github`";
  const m = /^(?:([\w.-]+)\/)?([\w.-]+)(?::(.+))?$/.exec(value.trim());
  if (!m) return `_extends "${value}" is not a repository name (owner/repo[:path])`;
  return { owner: m[1] ?? owner, repo: m[2]!, path: m[3] ?? CONFIG_PATH };
}

function rawOf(text: string): unknown {
  try {
    return parseDocument(text, { uniqueKeys: true }).toJS({ maxAliasCount: 10 }) ?? {};
  } catch {
    return {};
  }
}

const label = (l: ConfigLocation) => `${l.owner}/${l.repo}:${l.path}`;

/**
 * Resolves a config's `_extends` chain and validates every file on it. The config of the file that
 * extends wins over what it extends. Problems on the chain (another owner, too deep, a loop, a
 * missing file) are errors; the defaults stand in for what could not be read.
 */
export async function resolveConfig(
  text: string,
  own: { owner: string; repo: string },
  readOther: ReadOtherConfig,
  context: ConfigContext,
): Promise<ConfigResult> {
  const errors: ConfigError[] = [...parseConfig(text, context).errors];
  let merged = rawOf(text);
  const visited = new Set([label({ ...own, path: CONFIG_PATH })]);
  let current = merged;
  for (let depth = 1; isPlainObject(current) && current._extends !== undefined; depth++) {
    const target = parseExtends(current._extends, own.owner);
    if (typeof target === "string") {
      errors.push({ path: "_extends", message: target });
      break;
    }
    if (target.owner.toLowerCase() !== own.owner.toLowerCase()) {
      errors.push({
        path: "_extends",
        message: `_extends may only name repositories of ${own.owner}, not ${target.owner}`,
      });
      break;
    }
    if (visited.has(label(target))) {
      errors.push({ path: "_extends", message: `_extends loops back to ${label(target)}` });
      break;
    }
    if (depth > MAX_EXTENDS_DEPTH) {
      errors.push({
        path: "_extends",
        message: `_extends goes deeper than ${MAX_EXTENDS_DEPTH} levels`,
      });
      break;
    }
    visited.add(label(target));
    const extended = await readOther(target);
    if (extended === undefined) {
      errors.push({
        path: "_extends",
        message: `${label(target)} does not exist or cannot be read`,
      });
      break;
    }
    for (const e of parseConfig(extended, context).errors) {
      errors.push({ ...e, path: `${label(target)}: ${e.path}`.replace(/: $/, "") });
    }
    current = rawOf(extended);
    merged = deepMerge(current, merged);
  }
  if (isPlainObject(merged)) delete merged._extends;
  const { config } = parseConfig(JSON.stringify(merged ?? {}), context);
  return { config, errors };
}
