// The fixer (src/fixes/fix.ts): one text step on a fresh parse of the current text.
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Scalar,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";
import { isPlainObject } from "../core/plain-data.js";
import { type JsonPath, type PathStep } from "../core/types.js";
import { refuse } from "./fix.js";
import type { Source } from "./fix-parse.js";
import { keyOf } from "./fix-parse.js";
import { type Style, dashOffset, colonOffset } from "./fix-style.js";
import {
  isScalarValue,
  type QuoteStyle,
  scalarText,
  keyText,
  flowText,
  inlineText,
  isBlockCollection,
  pairLines,
  itemLines,
  jsonText,
} from "./fix-render.js";
import { deepEqual, formatPath } from "./fix-values.js";
import { type Where, type Located, type Walked, type Op, type StepResult } from "./fix-session.js";

// ---------------------------------------------------------------------------------------------
// One text step on a fresh parse of the current text.

export class Step {
  private readonly aliased = new Set<string>();

  constructor(
    private readonly src: Source,
    private readonly doc: Document.Parsed,
    private readonly json: boolean,
    private readonly style: Style,
  ) {
    const visit = (node: unknown, depth: number): void => {
      if (depth > 500 || node === null || typeof node !== "object") return;
      if (isAlias(node)) this.aliased.add(node.source);
      else if (isMap(node))
        for (const p of node.items) {
          visit(p.key, depth + 1);
          visit(p.value, depth + 1);
        }
      else if (isSeq(node)) for (const item of node.items) visit(item, depth + 1);
    };
    visit(doc.contents, 0);
  }

  private get text(): string {
    return this.src.text;
  }

  apply(op: Op): StepResult {
    if (op.op === "set") return this.set(op.path, op.value);
    if (op.op === "remove") return this.remove(op.path);
    return this.append(op.path, op.value);
  }

  // --- walking -------------------------------------------------------------------------------

  private walk(path: JsonPath): Walked {
    const steps: Located[] = [{ node: this.doc.contents as Node | null, where: { kind: "root" } }];
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const here = formatPath(path.slice(0, i));
      const node = steps[steps.length - 1]!.node;
      if (isAlias(node))
        refuse(
          `${here} is an alias (*${node.source}): editing through it would change the anchored node`,
        );
      this.checkAnchor(node, here);
      if (isMap(node)) {
        if (key === "<<") refuse(`${formatPath(path.slice(0, i + 1))} is a << merge key`);
        const index = findPairIndex(node, key);
        if (index >= 0) {
          steps.push({
            node: (node.items[index]!.value ?? null) as Node | null,
            where: { kind: "pair", map: node, index },
          });
          continue;
        }
        if (this.mergedHas(node, String(key), 0))
          refuse(
            `${formatPath(path.slice(0, i + 1))} comes from a << merge key: editing it would change every mapping that merges it`,
          );
        return { steps, missing: path.slice(i) };
      }
      if (isSeq(node)) {
        if (typeof key !== "number") refuse(`${here} is a list, not a mapping`);
        if ((key as number) < node.items.length) {
          steps.push({
            node: (node.items[key as number] ?? null) as Node | null,
            where: { kind: "item", seq: node, index: key as number },
          });
          continue;
        }
        return { steps, missing: path.slice(i) };
      }
      if (node === null || (isScalar(node) && node.value === null))
        return { steps, missing: path.slice(i) };
      refuse(
        `${here} holds a ${describeNode(node)}, not a ${typeof key === "number" ? "list" : "mapping"}`,
      );
    }
    const last = steps[steps.length - 1]!.node;
    if (isAlias(last))
      refuse(`${formatPath(path)} is an alias (*${last.source}); it is not edited in place`);
    return { steps, missing: [] };
  }

  private checkAnchor(node: unknown, where: string): void {
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor && this.aliased.has(anchor))
      refuse(
        `${where} is anchored (&${anchor}) and reused through an alias: editing it would change every copy`,
      );
  }

  private checkSubtree(node: unknown, where: string, depth = 0): void {
    if (depth > 500 || node === null || typeof node !== "object") return;
    this.checkAnchor(node, where);
    if (isMap(node)) for (const p of node.items) this.checkSubtree(p.value, where, depth + 1);
    else if (isSeq(node)) for (const item of node.items) this.checkSubtree(item, where, depth + 1);
  }

  private mergedHas(map: YAMLMap, key: string, depth: number): boolean {
    if (depth > 20) return true;
    for (const pair of map.items) {
      if (keyOf(pair) !== "<<") continue;
      const targets = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const t of targets) {
        const resolved = isAlias(t) ? t.resolve(this.doc) : t;
        if (
          isMap(resolved) &&
          (findPairIndex(resolved, key) >= 0 || this.mergedHas(resolved, key, depth + 1))
        )
          return true;
      }
    }
    return false;
  }

  private toJS(node: Node | null): unknown {
    if (node === null) return null;
    return (node as { toJS(doc: Document, opts: { maxAliasCount: number }): unknown }).toJS(
      this.doc,
      {
        maxAliasCount: 1000,
      },
    );
  }

  // --- operations ----------------------------------------------------------------------------

  private set(path: JsonPath, value: unknown): StepResult {
    const { steps, missing } = this.walk(path);
    const here = steps[steps.length - 1]!;
    if (missing.length > 0) {
      const parent = here.node;
      const at = formatPath(path.slice(0, path.length - missing.length));
      if (isMap(parent)) {
        const first = missing[0]!;
        if (typeof first !== "string") refuse(`${at} is a mapping; it has no list item ${first}`);
        return {
          text: this.insertPair(parent, first as string, nest(missing.slice(1), value, path)),
        };
      }
      if (isSeq(parent))
        refuse(
          `${at} has ${parent.items.length} items: item ${String(missing[0])} does not exist (a list grows by append)`,
        );
      // An empty (null) value: it becomes the new mapping.
      this.checkSubtree(parent, at);
      return { text: this.replaceValue(steps, nest(missing, value, path)) };
    }
    const node = here.node;
    const at = formatPath(path);
    this.checkSubtree(node, at);
    const current = this.toJS(node);
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
      return { text: this.replaceScalar(node, value, this.inFlow(here.where)) };
    return { text: this.replaceValue(steps, value) };
  }

  private remove(path: JsonPath): StepResult {
    const { steps, missing } = this.walk(path);
    if (missing.length > 0) return { noop: true };
    const here = steps[steps.length - 1]!;
    const at = formatPath(path);
    this.checkSubtree(here.node, at);
    const where = here.where;
    if (where.kind === "root") return refuse("a whole document is never removed");
    const parentSteps = steps.slice(0, -1);
    if (where.kind === "pair")
      return { text: this.removePair(where.map, where.index, parentSteps) };
    return { text: this.removeItem(where.seq, where.index, parentSteps) };
  }

  private append(path: JsonPath, value: unknown): StepResult {
    const { steps, missing } = this.walk(path);
    if (missing.length > 0) return { ops: [{ op: "set", path, value: [value] }] };
    const here = steps[steps.length - 1]!;
    const node = here.node;
    if (isSeq(node)) return { text: this.appendItem(node, value) };
    if (node === null || (isScalar(node) && node.value === null)) {
      this.checkSubtree(node, formatPath(path));
      return { text: this.replaceValue(steps, [value]) };
    }
    return refuse(`${formatPath(path)} holds a ${describeNode(node)}, not a list`);
  }

  // --- text primitives -----------------------------------------------------------------------

  private inFlow(where: Where): boolean {
    if (this.json) return true;
    if (where.kind === "pair") return Boolean(where.map.flow);
    if (where.kind === "item") return Boolean(where.seq.flow);
    return false;
  }

  private splice(from: number, to: number, insert: string): string {
    return this.text.slice(0, from) + insert + this.text.slice(to);
  }

  /** Replaces whole lines `first..last` (0-based) by `lines` (none: the lines are deleted). */
  private replaceLines(first: number, last: number, lines: string[]): string {
    const start = this.src.lineStart(first);
    const endLineEnd = this.src.lineEnd(last);
    const after = endLineEnd < this.text.length ? endLineEnd + 1 : endLineEnd;
    const body = lines.map((l) => l + "\n").join("");
    if (after === this.text.length && !this.text.endsWith("\n") && body.endsWith("\n"))
      return this.text.slice(0, start) + body.slice(0, -1);
    return this.text.slice(0, start) + body + this.text.slice(after);
  }

  /** Inserts whole lines after line `line` (0-based). */
  private insertAfterLine(line: number, lines: string[]): string {
    const at = this.src.lineEnd(line);
    return this.splice(at, at, lines.map((l) => "\n" + l).join(""));
  }

  /** End (exclusive) of a node's own content: no trailing comments, newlines or blank lines. */
  private contentEnd(node: unknown): number {
    if (isScalar(node)) {
      const [start, end] = node.range ?? [0, 0];
      if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
        // With "keep" chomping (`|+`) the trailing blank lines are part of the value.
        if (/^[|>][1-9]?\+/.test(this.text.slice(start, start + 3))) return end;
        let e = end;
        while (e > start && /\s/.test(this.text[e - 1]!)) e--;
        return e;
      }
      return end;
    }
    if (isAlias(node)) return node.range?.[1] ?? 0;
    if (isMap(node)) {
      if (node.flow || node.items.length === 0) return node.range?.[1] ?? 0;
      return this.pairEnd(node.items[node.items.length - 1]!);
    }
    if (isSeq(node)) {
      if (node.flow || node.items.length === 0) return node.range?.[1] ?? 0;
      const last = node.items.length - 1;
      const dash = dashOffset(this.src, node, last) ?? 0;
      return Math.max(dash + 1, this.contentEnd(node.items[last]));
    }
    return 0;
  }

  private pairEnd(pair: Pair): number {
    const key = pair.key as Node | null;
    let end = (key as { range?: number[] } | null)?.range?.[1] ?? 0;
    const colon = colonOffset(pair);
    if (colon !== undefined) end = Math.max(end, colon + 1);
    if (pair.value !== null && pair.value !== undefined)
      end = Math.max(end, this.contentEnd(pair.value));
    return end;
  }

  private pairStart(pair: Pair): number {
    const range = (pair.key as { range?: number[] } | null)?.range;
    if (!range) return refuse("a mapping key has no position");
    return range[0]!;
  }

  private itemStart(seq: YAMLSeq, index: number): number {
    const item = seq.items[index] as Node | null;
    const range = item?.range;
    if (!range) return refuse("a list item has no position");
    // Include an anchor or tag written before the item.
    return this.propsStart(range[0]);
  }

  /** Walks back over `&anchor` / `!tag` properties written right before a value. */
  private propsStart(start: number): number {
    const lineStart = this.src.lineStart(this.src.line(start));
    const before = this.text.slice(lineStart, start);
    const m = /((?:[&!][^\s,[\]{}]*\s+)+)$/.exec(before);
    return m ? start - m[1]!.length : start;
  }

  private replaceScalar(node: Scalar, value: unknown, flow: boolean): string {
    const [start] = node.range!;
    const end = this.contentEnd(node);
    if (node.tag && !(node.tag === "tag:yaml.org,2002:str" && typeof value === "string"))
      refuse(`the value has an explicit tag (${node.tag}); it is not rewritten`);
    let text: string;
    if (this.json) text = JSON.stringify(value);
    else {
      const prefer: QuoteStyle =
        typeof value === "string" && typeof node.value === "string"
          ? node.type === Scalar.QUOTE_SINGLE
            ? "single"
            : node.type === Scalar.QUOTE_DOUBLE
              ? "double"
              : "plain"
          : "plain";
      text = scalarText(value, flow, prefer);
    }
    return this.splice(start, end, text);
  }

  /** Inserts `key: value` as the last entry of a mapping. */
  private insertPair(map: YAMLMap, key: string, value: unknown): string {
    if (map.flow || this.json) {
      return this.flowInsert(map, (col, multiline) => {
        if (this.json)
          return `${JSON.stringify(key)}:${this.style.jsonSpaced ? " " : ""}${jsonText(value, this.style, multiline, col)}`;
        return `${keyText(key, true)}: ${flowText(value, this.flowSpaced(map))}`;
      });
    }
    const first = map.items[0];
    if (!first) return refuse("an empty block mapping cannot be extended");
    const col = this.src.col(this.pairStart(first));
    const last = this.src.endLine(this.contentEnd(map), this.pairStart(first));
    return this.insertAfterLine(last, pairLines(key, value, col, this.style));
  }

  private flowSpaced(coll: YAMLMap | YAMLSeq): boolean {
    const open = coll.range?.[0];
    return open !== undefined && this.text[open + 1] === " ";
  }

  /** Adds an entry at the end of a flow collection (YAML `{}`/`[]` or JSON). */
  private flowInsert(
    coll: YAMLMap | YAMLSeq,
    entry: (col: number, multiline: boolean) => string,
  ): string {
    const range = coll.range;
    if (!range) return refuse("a flow collection has no position");
    const open = range[0];
    const close = range[1] - 1;
    const pairs = isMap(coll);
    if (this.text[open] !== (pairs ? "{" : "[") || this.text[close] !== (pairs ? "}" : "]"))
      return refuse("the flow collection's brackets were not found");
    const n = coll.items.length;
    if (n === 0) {
      const inner = this.text.slice(open + 1, close);
      if (inner.trim() !== "") return refuse("the empty collection holds a comment");
      const openLine = this.src.line(open);
      const multilineFile = this.json && this.src.starts.length > 2;
      if (multilineFile) {
        const ind = this.src.indentOf(openLine);
        const col = ind + this.style.unit;
        return this.splice(
          open + 1,
          close,
          `\n${" ".repeat(col)}${entry(col, true)}\n${" ".repeat(ind)}`,
        );
      }
      const spaced = inner.length > 0;
      return this.splice(open + 1, close, spaced ? ` ${entry(0, false)} ` : entry(0, false));
    }
    const firstStart = pairs
      ? this.pairStart(coll.items[0] as Pair)
      : this.itemStart(coll as YAMLSeq, 0);
    const lastEnd = pairs
      ? this.pairEnd(coll.items[n - 1] as Pair)
      : this.contentEnd((coll as YAMLSeq).items[n - 1]);
    const lastLine = this.src.line(Math.max(lastEnd - 1, open));
    const multiline =
      this.src.line(firstStart) !== this.src.line(open) && this.src.line(close) !== lastLine;
    // A comma already written after the last entry (YAML allows a trailing comma).
    const rest = /^\s*,/.exec(this.text.slice(lastEnd, close));
    if (multiline) {
      const col = this.src.col(firstStart);
      const lineEnd = this.src.lineEnd(lastLine);
      const added = `\n${" ".repeat(col)}${entry(col, true)}${rest ? "," : ""}`;
      return (
        this.text.slice(0, lastEnd) +
        (rest ? "" : ",") +
        this.text.slice(lastEnd, lineEnd) +
        added +
        this.text.slice(lineEnd)
      );
    }
    const sep = this.json && !this.style.jsonSpaced ? "," : ", ";
    return this.splice(lastEnd, lastEnd, `${sep}${entry(0, false)}`);
  }

  private appendItem(seq: YAMLSeq, value: unknown): string {
    if (seq.flow || this.json) {
      return this.flowInsert(seq, (col, multiline) =>
        this.json
          ? jsonText(value, this.style, multiline, col)
          : flowText(value, this.flowSpaced(seq)),
      );
    }
    const dash = dashOffset(this.src, seq, 0);
    if (dash === undefined) return refuse("the list's first item has no position");
    const col = this.src.col(dash);
    const last = this.src.endLine(this.contentEnd(seq), dash);
    return this.insertAfterLine(last, itemLines(value, col, this.style));
  }

  /** Replaces the value at the end of `steps` (a field or a list item) by `value`. */
  private replaceValue(steps: Located[], value: unknown): string {
    const here = steps[steps.length - 1]!;
    const where = here.where;
    const node = here.node;
    if (where.kind === "root") return refuse("a whole document is never replaced");
    const flow = this.inFlow(where);
    const range = node?.range;
    const start = range ? this.propsStart(range[0]) : undefined;
    const end = node ? this.contentEnd(node) : undefined;
    if ((node as { tag?: string } | null)?.tag)
      refuse(`the value has an explicit tag; it is not rewritten`);

    if (where.kind === "item") {
      const seq = where.seq;
      if (flow) {
        if (start === undefined || end === undefined)
          return refuse("the list item has no position");
        const text = this.json
          ? jsonText(
              value,
              this.style,
              this.isMultiline(seq),
              this.src.indentOf(this.src.line(start)),
            )
          : flowText(value, this.flowSpaced(seq));
        return this.splice(start, end, text);
      }
      const dash = dashOffset(this.src, seq, where.index);
      if (dash === undefined || !this.src.startsLine(dash))
        return refuse("the list item does not start its line");
      const col = this.src.col(dash);
      const dashLine = this.src.line(dash);
      if (!isBlockCollection(value)) {
        const text = inlineText(value);
        if (start === undefined || end === undefined || end <= start)
          return this.splice(dash + 1, dash + 1, ` ${text}`);
        if (this.src.line(start) === dashLine) return this.splice(start, end, text);
      }
      const last = end !== undefined ? this.src.endLine(end, dash) : dashLine;
      return this.replaceLines(dashLine, last, itemLines(value, col, this.style));
    }

    const map = where.map;
    const pair = map.items[where.index]!;
    const colon = colonOffset(pair);
    if (flow) {
      const text = this.json
        ? jsonText(
            value,
            this.style,
            this.isMultiline(map),
            this.src.indentOf(this.src.line(this.pairStart(pair))),
          )
        : flowText(value, this.flowSpaced(map));
      if (start === undefined || end === undefined || end <= start) {
        if (colon === undefined) {
          const keyEnd = (pair.key as Node).range![1];
          return this.splice(keyEnd, keyEnd, `: ${text}`);
        }
        return this.splice(colon + 1, colon + 1, ` ${text}`);
      }
      return this.splice(start, end, text);
    }
    if (colon === undefined) return refuse("the field has no `:` position");
    const keyStart = this.pairStart(pair);
    const keyLine = this.src.line(keyStart);
    const keyCol = this.src.col(keyStart);
    const empty = start === undefined || end === undefined || end <= start;
    const valueLine = empty ? keyLine : this.src.line(start);
    const lastLine = empty ? keyLine : this.src.endLine(end, start);
    if (!isBlockCollection(value)) {
      const text = inlineText(value);
      if (empty) return this.splice(colon + 1, colon + 1, ` ${text}`);
      if (valueLine === keyLine) return this.splice(start, end, text);
      // A block value below the key: the new value goes on the key's line, the old lines go.
      const keyRest = this.text.slice(colon + 1, this.src.lineEnd(keyLine)).trim();
      const comment = keyRest.startsWith("#") ? ` ${keyRest}` : "";
      const keyText_ = this.text.slice(this.src.lineStart(keyLine), colon + 1);
      const lines = [`${keyText_} ${text}${comment}`];
      return this.replaceLines(keyLine, lastLine, lines);
    }
    const childCol = Array.isArray(value)
      ? keyCol + (this.style.seqIndent ? this.style.seqOffset : 0)
      : keyCol + this.style.unit;
    const children = Array.isArray(value)
      ? value.flatMap((item) => itemLines(item, childCol, this.style))
      : Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
          pairLines(k, v, childCol, this.style),
        );
    if (!empty && valueLine !== keyLine) return this.replaceLines(valueLine, lastLine, children);
    // The value sits on the key's line (null, a scalar, a flow collection): the key keeps its
    // line (and trailing comment), the new block goes below it.
    const lineStart = this.src.lineStart(keyLine);
    const head = this.text.slice(lineStart, colon + 1);
    const tail = this.text.slice(empty ? colon + 1 : end, this.src.lineEnd(lastLine));
    const valueText = empty ? "" : this.text.slice(colon + 1, start).trim();
    if (valueText !== "" && !valueText.startsWith("&"))
      refuse("the value has properties that cannot be kept");
    const keyLineText = tail.trim() === "" ? head : `${head} ${tail.trim()}`;
    return this.replaceLines(keyLine, lastLine, [keyLineText, ...children]);
  }

  private isMultiline(coll: YAMLMap | YAMLSeq): boolean {
    const range = coll.range;
    return range ? this.src.line(range[0]) !== this.src.line(range[1] - 1) : false;
  }

  private removePair(map: YAMLMap, index: number, parentSteps: Located[]): string {
    if (map.flow || this.json) return this.flowRemove(map, index);
    const pair = map.items[index]!;
    if (map.items.length === 1) {
      if (parentSteps[parentSteps.length - 1]!.where.kind === "root")
        return refuse("removing the only field would leave the document empty");
      return this.replaceValue(parentSteps, {});
    }
    const start = this.pairStart(pair);
    const end = this.pairEnd(pair);
    if (this.src.startsLine(start))
      return this.replaceLines(this.src.line(start), this.src.endLine(end, start), []);
    // The first field on a `- ` line: the next field moves up onto the dash line.
    if (index === 0) {
      const next = this.pairStart(map.items[1]!);
      return this.splice(start, next, "");
    }
    return refuse("the field does not start its line");
  }

  private removeItem(seq: YAMLSeq, index: number, parentSteps: Located[]): string {
    if (seq.flow || this.json) return this.flowRemove(seq, index);
    if (seq.items.length === 1) {
      if (parentSteps[parentSteps.length - 1]!.where.kind === "root")
        return refuse("removing the only item would leave the document empty");
      return this.replaceValue(parentSteps, []);
    }
    const dash = dashOffset(this.src, seq, index);
    if (dash === undefined || !this.src.startsLine(dash))
      return refuse("the list item does not start its line");
    const end = Math.max(dash + 1, this.contentEnd(seq.items[index]));
    return this.replaceLines(this.src.line(dash), this.src.endLine(end, dash), []);
  }

  private flowRemove(coll: YAMLMap | YAMLSeq, index: number): string {
    const range = coll.range;
    if (!range) return refuse("a flow collection has no position");
    const pairs = isMap(coll);
    const n = coll.items.length;
    const startOf = (i: number) =>
      pairs ? this.pairStart(coll.items[i] as Pair) : this.itemStart(coll as YAMLSeq, i);
    const endOf = (i: number) =>
      pairs ? this.pairEnd(coll.items[i] as Pair) : this.contentEnd((coll as YAMLSeq).items[i]);
    if (n === 1) return this.splice(range[0] + 1, range[1] - 1, "");
    if (index < n - 1) return this.splice(startOf(index), startOf(index + 1), "");
    return this.splice(endOf(index - 1), endOf(index), "");
  }
}

export function findPairIndex(map: YAMLMap, key: PathStep): number {
  for (let i = map.items.length - 1; i >= 0; i--) {
    const k = keyOf(map.items[i]!);
    if (k !== undefined && k !== "<<" && k === String(key)) return i;
  }
  return -1;
}

export function describeNode(node: unknown): string {
  if (isMap(node)) return "mapping";
  if (isSeq(node)) return "list";
  if (isScalar(node)) return `${typeof node.value} value`;
  return "value";
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
