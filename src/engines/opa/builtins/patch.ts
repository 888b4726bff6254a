// json.patch as OPA applies it (topdown/json.go over internal/edittree): add, remove, replace,
// move, copy and test on objects, arrays and sets, with the same errors.
import { regoString } from "../go-sprintf.js";
import { compareRego, RegoMap, RegoNumber, RegoSet, type RegoValue } from "../rego-value.js";
import { typeError, typeName, Unsupported } from "./operands.js";

type Obj = { readonly [key: string]: RegoValue };

const GO_TYPE: Record<string, string> = {
  string: "ast.String",
  number: "ast.Number",
  boolean: "ast.Boolean",
  null: "ast.Null",
};
const equal = (a: RegoValue, b: RegoValue) => compareRego(a, b) === 0;
const isObj = (v: RegoValue): v is Obj =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  !(v instanceof RegoSet) &&
  !(v instanceof RegoNumber);

function scalarError(v: RegoValue, path?: RegoValue): Error {
  const at = path === undefined ? "" : ` for path ${regoString(path)}`;
  return new Error(
    `expected composite type${at}, found value: ${regoString(v)} (type: ${GO_TYPE[typeName(v)]})`,
  );
}

/** edittree's toIndex: an integer, "-" (the end), or an integer string without leading zeros. */
function toIndex(length: number, key: RegoValue): number {
  if (typeof key === "number") {
    if (!Number.isInteger(key)) throw new Error("invalid number type for indexing");
    return key;
  }
  if (typeof key === "string") {
    if (key === "-") return length;
    if (!/^-?\d+$/.test(key)) throw new Error("invalid string for indexing");
    if (key !== "0" && key.startsWith("0"))
      throw new Error("leading zeros are not allowed in JSON paths");
    return Number(key);
  }
  throw new Error("invalid type for indexing");
}

function find(node: RegoValue, path: readonly RegoValue[]): RegoValue {
  let at = node;
  for (const key of path) {
    if (isObj(at)) {
      if (typeof key !== "string" || !Object.prototype.hasOwnProperty.call(at, key))
        throw new Error(`path ${regoString(key)} does not exist in object term ${regoString(at)}`);
      at = at[key]!;
    } else if (at instanceof RegoSet) {
      const hit = at.items.find((x) => equal(x, key));
      if (hit === undefined)
        throw new Unsupported("json.patch on a set member that is absent is not supported");
      at = hit;
    } else if (Array.isArray(at)) {
      const list = at as readonly RegoValue[];
      const i = toIndex(list.length, key);
      if (i < 0 || i >= list.length)
        throw new Error(`path ${i} does not exist in array term ${regoString(list)}`);
      at = list[i]!;
    } else throw scalarError(at, key);
  }
  return at;
}

/** The document with the value under `path` replaced by what `change` makes of its parent. */
function update(
  node: RegoValue,
  path: readonly RegoValue[],
  change: (parent: RegoValue, key: RegoValue) => RegoValue,
): RegoValue {
  if (path.length === 1) return change(node, path[0]!);
  const [key, ...rest] = path;
  const child = find(node, [key!]);
  const next = update(child, rest, change);
  if (isObj(node)) return { ...node, [key as string]: next };
  if (node instanceof RegoSet)
    return new RegoSet([...node.items.filter((x) => !equal(x, child)), next]);
  const list = [...(node as RegoValue[])];
  list[toIndex(list.length, key!)] = next;
  return list;
}

function insert(parent: RegoValue, key: RegoValue, value: RegoValue): RegoValue {
  if (isObj(parent)) {
    if (typeof key !== "string")
      throw new Unsupported("json.patch with a non-string object key is not supported");
    return { ...parent, [key]: value };
  }
  if (parent instanceof RegoSet) {
    if (!equal(key, value))
      throw new Error(
        `set key ${regoString(key)} does not equal value to be inserted ${regoString(value)}`,
      );
    return new RegoSet([...parent.items, value]);
  }
  if (Array.isArray(parent)) {
    const list = parent as readonly RegoValue[];
    const i = toIndex(list.length, key);
    if (i < 0 || i > list.length) throw new Error("index for array insertion out of bounds");
    return [...list.slice(0, i), value, ...list.slice(i)];
  }
  throw scalarError(parent);
}

function remove(parent: RegoValue, key: RegoValue): RegoValue {
  const missing = () => new Error(`cannot delete child key ${regoString(key)} that does not exist`);
  if (isObj(parent)) {
    if (typeof key !== "string" || !Object.prototype.hasOwnProperty.call(parent, key))
      throw missing();
    return Object.fromEntries(Object.entries(parent).filter(([k]) => k !== key));
  }
  if (parent instanceof RegoSet) {
    if (!parent.items.some((x) => equal(x, key))) throw missing();
    return new RegoSet(parent.items.filter((x) => !equal(x, key)));
  }
  if (Array.isArray(parent)) {
    const list = parent as readonly RegoValue[];
    const i = toIndex(list.length, key);
    if (i < 0 || i > list.length - 1) throw new Error("index for array delete out of bounds");
    return [...list.slice(0, i), ...list.slice(i + 1)];
  }
  throw scalarError(parent);
}

/** parsePath: "/a/b" (leading slashes dropped, ~1 and ~0 unescaped) or a list of segments. */
function parsePath(p: RegoValue): RegoValue[] {
  if (typeof p === "string") {
    if (p === "") return [];
    return p
      .replace(/^\/+/, "")
      .split("/")
      .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
  }
  if (Array.isArray(p)) return [...(p as RegoValue[])];
  throw new Error(
    `operand 2 must be one of {set, array} containing string paths or array of path segments but got ${typeName(p)}`,
  );
}

function apply(
  doc: RegoValue,
  path: RegoValue[],
  op: (parent: RegoValue, key: RegoValue) => RegoValue,
): RegoValue {
  if (path.length === 0)
    throw new Unsupported("json.patch at the document's root is not supported");
  return update(doc, path, op);
}

function patch(target: RegoValue, operations: RegoValue): RegoValue {
  if (!Array.isArray(operations)) throw typeError(2, operations!, "array");
  let doc: RegoValue = target as RegoValue;
  for (const o of operations as RegoValue[]) {
    if (!isObj(o) || o instanceof RegoMap)
      throw new Error(
        "must be an array of JSON-Patch objects, but at least one element is not an object",
      );
    if (!("path" in o)) throw new Error("missing required attribute 'path'");
    if (!("op" in o)) throw new Error("missing required attribute 'op'");
    if (typeof o.op !== "string")
      throw new Error(`attribute 'op' must be a string but found: ${typeName(o.op!)}`);
    const path = parsePath(o.path!);
    const value = () => {
      if (!("value" in o)) throw new Error("missing required attribute 'value'");
      return o.value!;
    };
    const from = () => {
      if (!("from" in o)) throw new Error("missing required attribute 'from'");
      return parsePath(o.from!);
    };
    switch (o.op) {
      case "add":
        if (path.length === 0) doc = value();
        else doc = apply(doc, path, (p, k) => insert(p, k, value()));
        break;
      case "remove":
        doc = apply(doc, path, remove);
        break;
      case "replace":
        doc = apply(doc, path, remove);
        doc = apply(doc, path, (p, k) => insert(p, k, value()));
        break;
      case "move": {
        const source = from();
        const chunk = find(doc, source);
        doc = apply(doc, source, remove);
        doc = path.length === 0 ? chunk : apply(doc, path, (p, k) => insert(p, k, chunk));
        break;
      }
      case "copy": {
        const chunk = find(doc, from());
        doc = path.length === 0 ? chunk : apply(doc, path, (p, k) => insert(p, k, chunk));
        break;
      }
      case "test": {
        const chunk = find(doc, path);
        const want = value();
        if (!equal(chunk, want))
          throw new Error(
            `value from EditTree != patch value.\n\nExpected: ${regoString(want)}\n\nFound: ${regoString(chunk)}`,
          );
        break;
      }
      default:
        throw new Error(`unrecognized op: '${o.op}'`);
    }
  }
  return doc;
}

export const PATCH_BUILTINS = { "json.patch": patch };
