// The fixer (src/fixes/fix.ts): parsing and text positions.
import { isScalar, parseAllDocuments, type Document, type Pair } from "yaml";
import { isMergeKey } from "../yaml/index.js";
import { lineAt, lineStarts } from "../core/lines.js";
import { kubernetesYamlOptions } from "../yaml/yaml-options.js";

// ---------------------------------------------------------------------------------------------
// Parsing: the same reading as manifest.ts (YAML 1.1, merge keys; JSON schema for .json files).

export function parseDocs(text: string, json: boolean): Document.Parsed[] {
  const docs = parseAllDocuments(text, { ...kubernetesYamlOptions(json), keepSourceTokens: true });
  return (Array.isArray(docs) ? docs : [docs]) as Document.Parsed[];
}

export function keyOf(pair: Pair): string | undefined {
  const k = pair.key;
  if (!isScalar(k)) return undefined;
  if (isMergeKey(k.value)) return "<<";
  return k.value === null || k.value === undefined ? String(k.source ?? "") : String(k.value);
}

// ---------------------------------------------------------------------------------------------
// Text positions

export class Source {
  readonly starts: number[];
  constructor(readonly text: string) {
    this.starts = lineStarts(text);
  }
  /** 0-based line of an offset. */
  line(offset: number): number {
    return lineAt(this.starts, offset);
  }
  lineStart(line: number): number {
    return this.starts[line] ?? this.text.length;
  }
  /** Offset of the line's `\n` (or the end of the text). */
  lineEnd(line: number): number {
    const next = this.starts[line + 1];
    return next === undefined ? this.text.length : next - 1;
  }
  col(offset: number): number {
    return offset - this.lineStart(this.line(offset));
  }
  indentOf(line: number): number {
    const start = this.lineStart(line);
    let i = start;
    while (this.text[i] === " ") i++;
    return i - start;
  }
  /** Whether only spaces precede `offset` on its line. */
  startsLine(offset: number): boolean {
    return this.text.slice(this.lineStart(this.line(offset)), offset).trim() === "";
  }
  /** The line of the last character before an exclusive end offset. */
  endLine(end: number, start: number): number {
    return this.line(end > start ? end - 1 : start);
  }
}
