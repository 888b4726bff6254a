// `check`'s files read once: the engines' inventory (Gatekeeper's data.inventory, the objects the
// schema validation asks ahead, the CRDs among them) is made from the same parse the evaluation
// then uses, instead of a parse of its own. The files of the first READ_AHEAD_BYTES of text are
// kept for the evaluation (as evaluateFilesWhenReady's reading ahead keeps them); a later file is
// parsed again when evaluated, as before.
import { resolve } from "node:path";
import type { Config } from "../config/config.js";
import { roleOf, type RepositoryLayout } from "../core/file-role.js";
import { isKubernetesObject } from "../core/findings.js";
import { READ_AHEAD_BYTES } from "../core/limits.js";
import type { SourceFile } from "../core/report.js";
import type { CheckedInventory, Inventory } from "../engines/engine.js";
import { parseManifest } from "../yaml/index.js";
import { readSource, type ReadAhead } from "./evaluate-files.js";

/** The inventory's objects of one file, as the inventory has always read them (default limits). */
function ownParse(source: SourceFile): unknown[] {
  const text = Buffer.from(source.content).toString("utf8");
  return parseManifest(source.path, text)
    .documents.filter((d) => isKubernetesObject(d.value))
    .map((d) => d.value);
}

/** How long the reading holds the event loop at most (beyond one file's parse). */
const YIELD_MS = 5;

export class CheckedFiles implements CheckedInventory {
  /** Files read and not yet evaluated (evaluateFilesWhenReady takes each once). */
  readonly readAhead: ReadAhead = new Map();
  #objects: Promise<Inventory> | undefined;
  #listeners: ((objects: readonly unknown[]) => void)[] = [];
  /** Each file's objects read so far (a listener added later is given them first). */
  readonly #done: (readonly unknown[])[] = [];
  /** Parses with the evaluation's reader (counted by tests). */
  reads = 0;

  constructor(
    private readonly files: readonly SourceFile[],
    private readonly layout: RepositoryLayout,
    private readonly config: Config,
    private readonly root: string,
    /** Whether the files read are kept for the evaluation (not when it reads rendered output). */
    private readonly how: { keep: boolean },
  ) {}

  /**
   * The evaluation has begun: a file read for the inventory from now on (an engine asking while
   * the files are evaluated) is not kept, as the evaluation may have read it already.
   */
  evaluating(): void {
    this.how.keep = false;
  }

  /**
   * Every Kubernetes object of the manifests (not kustomizations, patches or chart templates), in
   * file order; `each` is given each file's objects as it is read (those read already at once).
   * The files are read a few milliseconds' worth at a time between turns of the event loop.
   */
  inventory(each?: (objects: readonly unknown[]) => void): Promise<Inventory> {
    if (each) {
      for (const objects of this.#done) each(objects);
      this.#listeners.push(each);
    }
    this.#objects ??= this.#read();
    return this.#objects;
  }

  /**
   * The working tree's files (absolute paths) whose objects are all in the inventory as read
   * from disk: the working tree's CRDs need not be read from them again. A file read from disk
   * is one directory-source reads lazily (it has `release`; standard input has not), and not
   * refused (a refused file's content is not its disk's).
   */
  inInventory(): ReadonlySet<string> {
    return new Set(
      this.files
        .filter((f) => f.release !== undefined && f.refused === undefined && this.#manifest(f))
        .map((f) => resolve(this.root, f.path)),
    );
  }

  manifestCount(): number {
    return this.files.filter((f) => this.#manifest(f)).length;
  }

  #manifest(f: SourceFile): boolean {
    return roleOf(f.path, this.layout) === "manifest";
  }

  async #read(): Promise<Inventory> {
    const all: unknown[] = [];
    let bytes = 0;
    let turn = performance.now();
    for (const source of this.files) {
      bytes += source.content.byteLength;
      if (!this.#manifest(source)) continue;
      const objects = this.#objectsOf(source, this.how.keep && bytes <= READ_AHEAD_BYTES);
      all.push(...objects);
      this.#done.push(objects);
      for (const each of this.#listeners) each(objects);
      // The event loop turns every few milliseconds (what a listener sent is written meanwhile).
      if (performance.now() - turn < YIELD_MS) continue;
      await new Promise((r) => setImmediate(r));
      turn = performance.now();
    }
    return { objects: all, cut: 0 };
  }

  /**
   * A file's objects: those of the evaluation's parse when it found no problem (then it read the
   * same text with the same reader: the limits and the editors' JSON with comments apply only to
   * files with problems), else the inventory's own parse, as before.
   */
  #objectsOf(source: SourceFile, keep: boolean): unknown[] {
    let read = this.readAhead.get(source);
    if (!read && keep) {
      read = readSource(source, this.layout, this.config);
      this.reads++;
      this.readAhead.set(source, read);
    }
    if (!read?.parsed || read.parsed.problems.length > 0) return ownParse(source);
    return read.parsed.documents.filter((d) => isKubernetesObject(d.value)).map((d) => d.value);
  }
}
