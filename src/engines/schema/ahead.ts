// `check` validates ahead: at the start, every object of the checked files (the inventory check
// already holds) is sent to kube-schema in slices, so that it validates while Node reads and
// evaluates the files; each document's answer is then found by its content. A document's answer
// depends only on its content, the version and the CRDs, so an answer found ahead is the one it
// would get when asked; a document not found (a list's item, a rendered one) is asked as before.
import { createHash } from "node:crypto";
import type { SchemaFinding } from "./kube-schema.js";

/**
 * Objects are asked ahead only in a working tree of at most this many YAML/JSON files (reading
 * them for their objects costs a parse of each, which a larger check does not pay), and at most
 * this many objects; beyond, each slice is asked when evaluated.
 */
export const AHEAD_MAX_FILES = 2_000;
export const AHEAD_MAX_DOCUMENTS = 20_000;
/** The objects of one request sent ahead, by their JSON's length. */
const AHEAD_SLICE_CHARS = 256 * 1024;

export const contentKey = (json: string): string =>
  createHash("sha256").update(json).digest("base64");

/** The answers asked ahead, by content. */
export class AheadAnswers {
  readonly #answers = new Map<string, Promise<SchemaFinding[]>>();

  /**
   * Asks `validate` for `documents` (each once) in slices, in order, without waiting. Nothing is
   * asked when there are more than AHEAD_MAX_DOCUMENTS.
   */
  ask(
    documents: readonly unknown[],
    validate: (
      documents: readonly unknown[],
      json: readonly string[],
    ) => Promise<SchemaFinding[][]>,
  ): void {
    if (documents.length > AHEAD_MAX_DOCUMENTS) return;
    let slice: { key: string; doc: unknown; json: string }[] = [];
    let chars = 0;
    const inSlice = new Set<string>();
    const send = () => {
      if (slice.length === 0) return;
      const sent = slice;
      const answers = validate(
        sent.map((s) => s.doc),
        sent.map((s) => s.json),
      );
      sent.forEach((s, k) => {
        const one = answers.then((a) => a[k]!);
        one.catch(() => undefined); // awaited by evaluate, if it ever asks
        this.#answers.set(s.key, one);
      });
      slice = [];
      inSlice.clear();
      chars = 0;
    };
    for (const doc of documents) {
      const json = JSON.stringify(doc);
      const key = contentKey(json);
      if (this.#answers.has(key) || inSlice.has(key)) continue;
      inSlice.add(key);
      slice.push({ key, doc, json });
      chars += json.length;
      if (chars >= AHEAD_SLICE_CHARS) send();
    }
    send();
  }

  /** The answer asked ahead for a document (its key): undefined when none was. */
  get(key: string): Promise<SchemaFinding[]> | undefined {
    return this.#answers.get(key);
  }
}
