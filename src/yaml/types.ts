// The reading module's shapes (src/yaml/index.ts is its one public entry): a file's documents with
// values and positions, or the problems that refused them.
import type { JsonPath, LineRange, ResourceRef } from "../core/types.js";

/**
 * Why a file (or one of its documents) could not be read: PCS001 syntax, PCS002 refused as unsafe,
 * PCS005 read differently by Kubernetes' own readers (or not provably read as they read it).
 */
export interface FileProblem {
  readonly rule: "PCS001" | "PCS002" | "PCS005";
  readonly message: string;
  readonly line: number;
}

export interface Located {
  readonly lines: LineRange;
  /** false when the path does not exist and the nearest existing parent was used. */
  readonly exact: boolean;
}

export interface ParsedDocument {
  /** Index of the document in its file, counting from 0. */
  readonly index: number;
  readonly value: unknown;
  readonly lines: LineRange;
  readonly resource: ResourceRef;
  /** The line of `kind:` (or of the document start when there is none). */
  readonly kindLine: number;
  /** The field's lines, or the nearest existing parent's line for a missing field. */
  locate(path: JsonPath): Located;
  /** The file line of line `offset` (0-based) inside the multi-line string at `path`. */
  locateInString(path: JsonPath, offset: number): number | undefined;
}

export interface ParsedFile {
  readonly file: string;
  readonly text: string;
  readonly documents: readonly ParsedDocument[];
  readonly problems: readonly FileProblem[];
}

export interface ParseLimits {
  readonly maxFileBytes: number;
  readonly maxDocuments: number;
  readonly maxDepth: number;
  readonly maxSerializedBytes: number;
}

/** The position answers of one document (the subset of ParsedDocument they stand in for). */
export interface DocumentPositions {
  readonly lines: LineRange;
  readonly kindLine: number;
  locate(path: JsonPath): Located;
  locateInString(path: JsonPath, offset: number): number | undefined;
}

/** A node matched with its value: where its text starts and ends, and its fields or items. */
export interface Placed {
  readonly start: number;
  /** Offset of the node's last character (its start when it is empty). */
  readonly last: number;
  readonly empty: boolean;
  readonly fields?: ReadonlyMap<string, { readonly key: Placed; readonly value: Placed }>;
  readonly items?: readonly Placed[];
  readonly result: unknown;
}
