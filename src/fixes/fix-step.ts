// The fixer (src/fixes/fix.ts): one text step on a fresh parse of the current text: a set, remove
// or append either becomes the new text (src/fixes/fix-write.ts) or smaller steps, or is refused.
import { isMap, isScalar, isSeq, type Document } from "yaml";
import { isPlainObject } from "../core/plain-data.js";
import { type JsonPath, type PathStep } from "../core/types.js";
import { refuse } from "./fix.js";
import type { Source } from "./fix-parse.js";
import { keyOf } from "./fix-parse.js";
import { type Style } from "./fix-style.js";
import { isScalarValue } from "./fix-render.js";
import { deepEqual, formatPath } from "./fix-values.js";
import { type Op, type StepResult } from "./fix-session.js";
import { PathWalker, describeNode } from "./fix-walk.js";
import { TextWriter } from "./fix-write.js";

export class Step {
  private readonly walker: PathWalker;
  private readonly writer: TextWriter;

  constructor(src: Source, doc: Document.Parsed, json: boolean, style: Style) {
    this.walker = new PathWalker(doc);
    this.writer = new TextWriter(src, json, style);
  }

  apply(op: Op): StepResult {
    if (op.op === "set") return this.set(op.path, op.value);
    if (op.op === "remove") return this.remove(op.path);
    return this.append(op.path, op.value);
  }

  private set(path: JsonPath, value: unknown): StepResult {
    const { steps, missing } = this.walker.walk(path);
    const here = steps[steps.length - 1]!;
    if (missing.length > 0) {
      const parent = here.node;
      const at = formatPath(path.slice(0, path.length - missing.length));
      if (isMap(parent)) {
        const first = missing[0]!;
        if (typeof first !== "string") refuse(`${at} is a mapping; it has no list item ${first}`);
        return {
          text: this.writer.insertPair(
            parent,
            first as string,
            nest(missing.slice(1), value, path),
          ),
        };
      }
      if (isSeq(parent))
        refuse(
          `${at} has ${parent.items.length} items: item ${String(missing[0])} does not exist (a list grows by append)`,
        );
      // An empty (null) value: it becomes the new mapping.
      this.walker.checkSubtree(parent, at);
      return { text: this.writer.replaceValue(steps, nest(missing, value, path)) };
    }
    const node = here.node;
    const at = formatPath(path);
    this.walker.checkSubtree(node, at);
    const current = this.walker.toJS(node);
    if (deepEqual(current, value)) return { noop: true };
    if (isMap(node) && isPlainObject(value) && Object.keys(value).length > 0) {
      if (node.items.some((p) => keyOf(p) === "<<"))
        refuse(`${at} uses a << merge key; it is not rewritten`);
      const keys = node.items.map(keyOf);
      if (keys.some((k) => k === undefined)) refuse(`${at} has a key that is not a plain scalar`);
      const sets: Op[] = Object.entries(value).map(([k, v]) => ({
        op: "set",
        path: [...path, k],
        value: v,
      }));
      const removes: Op[] = (keys as string[])
        .filter((k) => !Object.prototype.hasOwnProperty.call(value, k))
        .map((k) => ({ op: "remove", path: [...path, k] }));
      return { ops: [...sets, ...removes] };
    }
    if (
      isSeq(node) &&
      Array.isArray(value) &&
      Array.isArray(current) &&
      current.length > 0 &&
      value.length > current.length &&
      current.every((v, i) => deepEqual(v, value[i]))
    ) {
      return { ops: value.slice(current.length).map((v) => ({ op: "append", path, value: v })) };
    }
    if (isScalar(node) && isScalarValue(value) && node.range && node.range[1] > node.range[0])
      return { text: this.writer.replaceScalar(node, value, this.writer.inFlow(here.where)) };
    return { text: this.writer.replaceValue(steps, value) };
  }

  private remove(path: JsonPath): StepResult {
    const { steps, missing } = this.walker.walk(path);
    if (missing.length > 0) return { noop: true };
    const here = steps[steps.length - 1]!;
    const at = formatPath(path);
    this.walker.checkSubtree(here.node, at);
    const where = here.where;
    if (where.kind === "root") return refuse("a whole document is never removed");
    const parentSteps = steps.slice(0, -1);
    if (where.kind === "pair")
      return { text: this.writer.removePair(where.map, where.index, parentSteps) };
    return { text: this.writer.removeItem(where.seq, where.index, parentSteps) };
  }

  private append(path: JsonPath, value: unknown): StepResult {
    const { steps, missing } = this.walker.walk(path);
    if (missing.length > 0) return { ops: [{ op: "set", path, value: [value] }] };
    const here = steps[steps.length - 1]!;
    const node = here.node;
    if (isSeq(node)) return { text: this.writer.appendItem(node, value) };
    if (node === null || (isScalar(node) && node.value === null)) {
      this.walker.checkSubtree(node, formatPath(path));
      return { text: this.writer.replaceValue(steps, [value]) };
    }
    return refuse(`${formatPath(path)} holds a ${describeNode(node)}, not a list`);
  }
}

/** `{a: {b: value}}` for the missing keys `[a, b]`. */
export function nest(keys: PathStep[], value: unknown, path: JsonPath): unknown {
  let v = value;
  for (let i = keys.length - 1; i >= 0; i--) {
    const k = keys[i]!;
    if (typeof k !== "string")
      refuse(`${formatPath(path)} needs list item ${k} in a list that does not exist yet`);
    v = { [k as string]: v };
  }
  return v;
}
