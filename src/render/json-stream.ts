// JSON written a piece at a time, byte for byte what JSON.stringify(value, null, 2) gives, so a
// report with a hundred thousand findings is never one string (nor one mapped copy) in memory.

/**
 * An array whose elements are made only as they are written (`map` of each item), so a renderer
 * can describe its output without building it.
 */
export class LazyArray<T> {
  constructor(
    readonly items: readonly T[],
    readonly map: (item: T) => unknown,
  ) {}

  /** Wherever it is not streamed (JSON.stringify of a value holding it), the array it stands for. */
  toJSON(): unknown[] {
    return this.items.map((item) => this.map(item));
  }
}

/** Collects small writes into pieces of about this many characters before handing them on. */
const PIECE = 64 * 1024;

/** A sink for text written in pieces: `write` each, then `end` once. */
export interface TextSink {
  write(text: string): void;
  end(): void;
}

/** Writes `value` as JSON.stringify(value, null, 2) would, in pieces, then a line break. */
export function writeJson(value: unknown, sink: TextSink): void {
  let buffer = "";
  const write = (text: string) => {
    buffer += text;
    if (buffer.length >= PIECE) {
      sink.write(buffer);
      buffer = "";
    }
  };
  writeValue(value, "", write);
  write("\n");
  if (buffer.length > 0) sink.write(buffer);
  sink.end();
}

/** The whole text writeJson writes (the renderers' string form). */
export function jsonText(value: unknown): string {
  const pieces: string[] = [];
  writeJson(value, { write: (t) => pieces.push(t), end: () => undefined });
  return pieces.join("");
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" &&
  v !== null &&
  !Array.isArray(v) &&
  Object.getPrototypeOf(v) === Object.prototype &&
  !("toJSON" in v);

/** Plain arrays and objects this shallow are opened (a report's sections); deeper ones are leaves. */
const OPEN_DEPTH = 3;

/**
 * Lazy arrays, and plain arrays and objects near the top, are opened here so that their elements
 * are written one by one; any other value is JSON.stringify's own output, re-indented.
 */
function writeValue(value: unknown, indent: string, write: (text: string) => void): void {
  if (indent.length >= OPEN_DEPTH * 2 && !(value instanceof LazyArray)) {
    writeLeaf(value, indent, write);
    return;
  }
  if (value instanceof LazyArray) {
    writeLazyElements(value, indent, write);
    return;
  }
  if (Array.isArray(value)) {
    writeElements(value.length, (i) => value[i], indent, write);
    return;
  }
  if (isPlainObject(value)) {
    const inner = `${indent}  `;
    let first = true;
    for (const [key, v] of Object.entries(value)) {
      if (!stringifiable(v)) continue; // JSON.stringify leaves such properties out
      write(`${first ? "{\n" : ",\n"}${inner}${JSON.stringify(key)}: `);
      first = false;
      writeValue(v, inner, write);
    }
    write(first ? "{}" : `\n${indent}}`);
    return;
  }
  writeLeaf(value, indent, write);
}

/** JSON.stringify's own output, re-indented to where it is written. */
function writeLeaf(value: unknown, indent: string, write: (text: string) => void): void {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  // JSON text has no raw line break inside a string: every one is indentation.
  if (text !== undefined) write(indent === "" ? text : text.replace(/\n/g, `\n${indent}`));
}

/** How many lazy elements are made and written with one JSON.stringify. */
const LAZY_CHUNK = 256;

/**
 * A lazy array's elements, LAZY_CHUNK at a time: each chunk is JSON.stringify's own text of the
 * chunk nested as deep as `indent` says, its brackets cut off (a finding is small: opening it
 * field by field, or one JSON.stringify and a re-indent per element, costs several times as much).
 */
function writeLazyElements<T>(
  value: LazyArray<T>,
  indent: string,
  write: (text: string) => void,
): void {
  const { items } = value;
  if (items.length === 0) {
    write("[]");
    return;
  }
  // JSON.stringify(v, null, 2) of an array nested `depth` arrays deep writes its elements at
  // `indent` + 2 spaces, after `depth` + 1 opening lines and before as many closing ones.
  const depth = indent.length / 2;
  let head = "";
  let tail = "";
  for (let d = 0; d <= depth; d++) {
    head += `${" ".repeat(2 * d)}[\n`;
    tail = `\n${" ".repeat(2 * d)}]${tail}`;
  }
  write("[\n");
  for (let start = 0; start < items.length; start += LAZY_CHUNK) {
    let chunk: unknown = items.slice(start, start + LAZY_CHUNK).map((item) => value.map(item));
    for (let d = 0; d < depth; d++) chunk = [chunk];
    const text = JSON.stringify(chunk, null, 2);
    if (start > 0) write(",\n");
    write(text.slice(head.length, text.length - tail.length));
  }
  write(`\n${indent}]`);
}

function writeElements(
  count: number,
  element: (i: number) => unknown,
  indent: string,
  write: (text: string) => void,
): void {
  if (count === 0) {
    write("[]");
    return;
  }
  const inner = `${indent}  `;
  for (let i = 0; i < count; i++) {
    write(`${i === 0 ? "[\n" : ",\n"}${inner}`);
    const v = element(i);
    // In an array, what JSON.stringify cannot write (undefined, a function) is null.
    if (!stringifiable(v)) write("null");
    else writeValue(v, inner, write);
  }
  write(`\n${indent}]`);
}

/** Whether JSON.stringify writes `v` at all (without writing it, but for a `toJSON`). */
function stringifiable(v: unknown): boolean {
  if (v === undefined || typeof v === "function" || typeof v === "symbol") return false;
  if (v instanceof LazyArray) return true;
  if (
    typeof v === "object" &&
    v !== null &&
    typeof (v as { toJSON?: unknown }).toJSON === "function"
  )
    return JSON.stringify(v) !== undefined;
  return true;
}
