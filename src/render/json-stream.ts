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
    // Each element whole (one JSON.stringify each: a finding is small, and opening it field by
    // field costs several times as much).
    writeElements(value.items.length, (i) => value.map(value.items[i]), indent, write, false);
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

function writeElements(
  count: number,
  element: (i: number) => unknown,
  indent: string,
  write: (text: string) => void,
  open = true,
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
    else if (open) writeValue(v, inner, write);
    else writeLeaf(v, inner, write);
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
