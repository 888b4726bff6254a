// The fixer (src/fixes/fix.ts): the text edits of one step, each keeping the file's own style
// (indentation, quotes, flow or block, JSON spacing) and touching nothing but the edited value.
import { isMap, Scalar, type Node, type Pair, type YAMLMap, type YAMLSeq } from "yaml";
import { refuse } from "./fix.js";
import type { Source } from "./fix-parse.js";
import { type Style, dashOffset, colonOffset } from "./fix-style.js";
import {
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
import { contentEnd, itemStart, pairEnd, pairStart, propsStart } from "./fix-extent.js";
import { type Where, type Located } from "./fix-session.js";

/** Where the value being replaced is written (undefined: it has no text, e.g. `key:`). */
interface Span {
  readonly start: number | undefined;
  readonly end: number | undefined;
}

export class TextWriter {
  constructor(
    private readonly src: Source,
    private readonly json: boolean,
    private readonly style: Style,
  ) {}

  private get text(): string {
    return this.src.text;
  }

  inFlow(where: Where): boolean {
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

  replaceScalar(node: Scalar, value: unknown, flow: boolean): string {
    const [start] = node.range!;
    const end = contentEnd(this.src, node);
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
  insertPair(map: YAMLMap, key: string, value: unknown): string {
    if (map.flow || this.json) {
      return this.flowInsert(map, (col, multiline) => {
        if (this.json)
          return `${JSON.stringify(key)}:${this.style.jsonSpaced ? " " : ""}${jsonText(value, this.style, multiline, col)}`;
        return `${keyText(key, true)}: ${flowText(value, this.flowSpaced(map))}`;
      });
    }
    const first = map.items[0];
    if (!first) return refuse("an empty block mapping cannot be extended");
    const col = this.src.col(pairStart(first));
    const last = this.src.endLine(contentEnd(this.src, map), pairStart(first));
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
    if (n === 0) return this.flowInsertFirst(open, close, entry);
    const firstStart = pairs
      ? pairStart(coll.items[0] as Pair)
      : itemStart(this.src, coll as YAMLSeq, 0);
    const lastEnd = pairs
      ? pairEnd(this.src, coll.items[n - 1] as Pair)
      : contentEnd(this.src, (coll as YAMLSeq).items[n - 1]);
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

  /** The first entry of an empty flow collection between its brackets `open` and `close`. */
  private flowInsertFirst(
    open: number,
    close: number,
    entry: (col: number, multiline: boolean) => string,
  ): string {
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

  appendItem(seq: YAMLSeq, value: unknown): string {
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
    const last = this.src.endLine(contentEnd(this.src, seq), dash);
    return this.insertAfterLine(last, itemLines(value, col, this.style));
  }

  /** Replaces the value at the end of `steps` (a field or a list item) by `value`. */
  replaceValue(steps: Located[], value: unknown): string {
    const here = steps[steps.length - 1]!;
    const where = here.where;
    const node = here.node;
    if (where.kind === "root") return refuse("a whole document is never replaced");
    const flow = this.inFlow(where);
    const range = node?.range;
    const start = range ? propsStart(this.src, range[0]) : undefined;
    const end = node ? contentEnd(this.src, node) : undefined;
    if ((node as { tag?: string } | null)?.tag)
      refuse(`the value has an explicit tag; it is not rewritten`);
    if (where.kind === "item")
      return this.replaceItem(where.seq, where.index, flow, { start, end }, value);
    const pair = where.map.items[where.index]!;
    if (flow) return this.replaceFlowField(where.map, pair, { start, end }, value);
    return this.replaceBlockField(pair, { start, end }, value);
  }

  /** Replaces list item `index` of `seq`, whose current value is written at `span`. */
  private replaceItem(
    seq: YAMLSeq,
    index: number,
    flow: boolean,
    span: Span,
    value: unknown,
  ): string {
    const { start, end } = span;
    if (flow) {
      if (start === undefined || end === undefined) return refuse("the list item has no position");
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
    const dash = dashOffset(this.src, seq, index);
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

  /** Replaces the value of `pair` in a flow mapping (YAML `{}` or JSON). */
  private replaceFlowField(map: YAMLMap, pair: Pair, span: Span, value: unknown): string {
    const { start, end } = span;
    const colon = colonOffset(pair);
    const text = this.json
      ? jsonText(
          value,
          this.style,
          this.isMultiline(map),
          this.src.indentOf(this.src.line(pairStart(pair))),
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

  /** Replaces the value of `pair` in a block mapping. */
  private replaceBlockField(pair: Pair, span: Span, value: unknown): string {
    const { start, end } = span;
    const colon = colonOffset(pair);
    if (colon === undefined) return refuse("the field has no `:` position");
    const keyStart = pairStart(pair);
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

  removePair(map: YAMLMap, index: number, parentSteps: Located[]): string {
    if (map.flow || this.json) return this.flowRemove(map, index);
    const pair = map.items[index]!;
    if (map.items.length === 1) {
      if (parentSteps[parentSteps.length - 1]!.where.kind === "root")
        return refuse("removing the only field would leave the document empty");
      return this.replaceValue(parentSteps, {});
    }
    const start = pairStart(pair);
    const end = pairEnd(this.src, pair);
    if (this.src.startsLine(start))
      return this.replaceLines(this.src.line(start), this.src.endLine(end, start), []);
    // The first field on a `- ` line: the next field moves up onto the dash line.
    if (index === 0) {
      const next = pairStart(map.items[1]!);
      return this.splice(start, next, "");
    }
    return refuse("the field does not start its line");
  }

  removeItem(seq: YAMLSeq, index: number, parentSteps: Located[]): string {
    if (seq.flow || this.json) return this.flowRemove(seq, index);
    if (seq.items.length === 1) {
      if (parentSteps[parentSteps.length - 1]!.where.kind === "root")
        return refuse("removing the only item would leave the document empty");
      return this.replaceValue(parentSteps, []);
    }
    const dash = dashOffset(this.src, seq, index);
    if (dash === undefined || !this.src.startsLine(dash))
      return refuse("the list item does not start its line");
    const end = Math.max(dash + 1, contentEnd(this.src, seq.items[index]));
    return this.replaceLines(this.src.line(dash), this.src.endLine(end, dash), []);
  }

  private flowRemove(coll: YAMLMap | YAMLSeq, index: number): string {
    const range = coll.range;
    if (!range) return refuse("a flow collection has no position");
    const pairs = isMap(coll);
    const n = coll.items.length;
    const startOf = (i: number) =>
      pairs ? pairStart(coll.items[i] as Pair) : itemStart(this.src, coll as YAMLSeq, i);
    const endOf = (i: number) =>
      pairs
        ? pairEnd(this.src, coll.items[i] as Pair)
        : contentEnd(this.src, (coll as YAMLSeq).items[i]);
    if (n === 1) return this.splice(range[0] + 1, range[1] - 1, "");
    if (index < n - 1) return this.splice(startOf(index), startOf(index + 1), "");
    return this.splice(endOf(index - 1), endOf(index), "");
  }
}
