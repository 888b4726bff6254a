// Helpers for JSON-like values read from YAML: mapping checks and a prototype-safe deep merge.

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const UNSAFE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/**
 * Mappings merge key by key; anything else (lists, scalars) is replaced by the override. Keys that
 * could reach an object's prototype are dropped, so merged input can never pollute it.
 */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override))
    return override === undefined ? base : override;
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(override)])) {
    if (UNSAFE_KEYS.has(key)) continue;
    out[key] = key in override ? deepMerge(base[key], override[key]) : base[key];
  }
  return out;
}
