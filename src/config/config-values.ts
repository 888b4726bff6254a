// The configuration (src/config/config.ts): checking a value against the shape of its default,
// naming what was found, and the closest known key for a typo.
import { isPlainObject } from "../core/plain-data.js";

/** Reports an error at a path of the file (`rules.PCK007.severity`, `settings.requiredLabels[2]`). */
export type ConfigErr = (path: (string | number)[], message: string) => void;

/** The known word closest to `word`, when it is close enough to be a typo of it. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
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

/** What a value is, in the file's words: null, list, mapping, string, number, boolean. */
export function typeOf(v: unknown): string {
  return v === null
    ? "null"
    : Array.isArray(v)
      ? "list"
      : typeof v === "object"
        ? "mapping"
        : typeof v;
}

/** A mapping of booleans and string lists shaped like its defaults; wrong keys and types are errors. */
export function parseSection(v: unknown, defaults: object, path: string[], err: ConfigErr): object {
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

/** `rules.PCK007.severity`, `settings.requiredLabels[2]`, `settings["odd key"]`. */
export function formatPath(path: readonly (string | number)[]): string {
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

export function kubernetesVersionOf(v: unknown, err: ConfigErr): { kubernetesVersion?: string } {
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
