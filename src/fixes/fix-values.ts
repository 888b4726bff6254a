// The fixer (src/fixes/fix.ts): plain values, validation, duplicates and conflicts.
import { isPlainObject } from "../core/plain-data.js";
import { type FixOperation, type JsonPath } from "../core/types.js";

// ---------------------------------------------------------------------------------------------
// Plain values

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

export function getIn(value: unknown, path: JsonPath): unknown {
  let v = value;
  for (const step of path) {
    if (Array.isArray(v) && typeof step === "number") v = v[step];
    else if (isPlainObject(v) && Object.prototype.hasOwnProperty.call(v, String(step)))
      v = v[String(step)];
    else return undefined;
  }
  return v;
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** What the document's value must be after the fix (the fix's meaning on plain values). */
export function expectedValue(before: unknown, fix: FixOperation): unknown {
  const root = clone(before);
  const path = fix.path;
  const holder = { root } as Record<string, unknown>;
  let parent: Record<string, unknown> | unknown[] = holder;
  let key: string | number = "root";
  const at = (p: Record<string, unknown> | unknown[], k: string | number): unknown =>
    Array.isArray(p) ? p[k as number] : (p as Record<string, unknown>)[k];
  const put = (p: Record<string, unknown> | unknown[], k: string | number, v: unknown) => {
    if (Array.isArray(p)) p[k as number] = v;
    else p[k] = v;
  };
  for (const step of path) {
    let current = at(parent, key);
    if (fix.op === "remove" && (current === null || typeof current !== "object")) return root;
    if (current === null || current === undefined) {
      current = {};
      put(parent, key, current);
    }
    parent = current as Record<string, unknown> | unknown[];
    key = Array.isArray(parent) ? Number(step) : String(step);
  }
  if (fix.op === "set") put(parent, key, clone(fix.value));
  else if (fix.op === "remove") {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else {
    const list = at(parent, key);
    if (Array.isArray(list)) list.push(clone(fix.value));
    else put(parent, key, [clone(fix.value)]);
  }
  return holder.root;
}

export function formatPath(path: JsonPath): string {
  if (path.length === 0) return "(document)";
  let out = "";
  for (const step of path) {
    if (typeof step === "number") out += `[${step}]`;
    else
      out += out === "" ? step : /^[\w-]+$/.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Validation, duplicates and conflicts

export function validateRequest(request: unknown): string | undefined {
  if (typeof request !== "object" || request === null) return "the fix request is not an object";
  const { documentIndex, fix } = request as { documentIndex?: unknown; fix?: unknown };
  if (typeof documentIndex !== "number" || !Number.isInteger(documentIndex) || documentIndex < 0)
    return "the fix has no valid document index";
  if (typeof fix !== "object" || fix === null) return "the fix is not an object";
  const f = fix as { op?: unknown; path?: unknown; value?: unknown };
  if (f.op !== "set" && f.op !== "remove" && f.op !== "append")
    return `unknown fix operation ${JSON.stringify(f.op)}`;
  if (!Array.isArray(f.path)) return "the fix has no path";
  for (const step of f.path) {
    const ok =
      typeof step === "string" || (typeof step === "number" && Number.isInteger(step) && step >= 0);
    if (!ok) return `the fix path has an invalid step ${JSON.stringify(step)}`;
  }
  if (f.path.length === 0) return "the fix path is empty (a whole document is never replaced)";
  if (f.op !== "remove") {
    if (!("value" in f) || f.value === undefined) return "the fix has no value";
    if (!isPlainData(f.value, 0)) return "the fix value is not plain data (JSON values only)";
  }
  return undefined;
}

/** JSON-like data: null, booleans, finite numbers, strings, arrays and plain objects of them. */
export function isPlainData(v: unknown, depth: number): boolean {
  if (depth > 100) return false;
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isPlainData(x, depth + 1));
  if (isPlainObject(v) && Object.getPrototypeOf(v) === Object.prototype)
    return Object.values(v).every((x) => isPlainData(x, depth + 1));
  return false;
}

export function samePath(a: JsonPath, b: JsonPath): boolean {
  return a.length === b.length && a.every((s, i) => String(s) === String(b[i]));
}

export function isPrefix(a: JsonPath, b: JsonPath): boolean {
  return a.length < b.length && a.every((s, i) => String(s) === String(b[i]));
}

export function sameFix(a: FixOperation, b: FixOperation): boolean {
  if (a.op !== b.op || !samePath(a.path, b.path)) return false;
  return a.op === "remove" || deepEqual(a.value, (b as { value: unknown }).value);
}

/** Why two different fixes of the same document cannot both be applied, if they cannot. */
export function conflict(a: FixOperation, b: FixOperation): string | undefined {
  if (samePath(a.path, b.path)) {
    if (a.op === "append" && b.op === "append") return undefined;
    return a.op === b.op
      ? `both ${a.op} ${formatPath(a.path)} to different values`
      : `${a.op} and ${b.op} on the same path ${formatPath(a.path)}`;
  }
  const [outer, inner] = isPrefix(a.path, b.path)
    ? [a, b]
    : isPrefix(b.path, a.path)
      ? [b, a]
      : [undefined, undefined];
  if (!outer || !inner) return undefined;
  const rel = inner.path.slice(outer.path.length);
  if (outer.op === "set") {
    const within = getIn(outer.value, rel);
    if (inner.op === "set" && deepEqual(within, inner.value)) return undefined;
    if (inner.op === "remove" && within === undefined && isPlainObject(outer.value))
      return undefined;
  }
  return `${outer.op} ${formatPath(outer.path)} and ${inner.op} ${formatPath(inner.path)} overlap`;
}

export function comparePaths(a: JsonPath, b: JsonPath): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return x - y;
    } else if (String(x) !== String(y)) return String(x) < String(y) ? -1 : 1;
  }
  return a.length - b.length;
}
