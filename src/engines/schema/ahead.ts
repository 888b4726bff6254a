// `check` validates ahead: every object of the checked files (and their lists' items) is sent to
// kube-schema in slices as the files are read (src/review/checked-files.ts), so that it validates
// while Node reads and evaluates the files; each document's answer is then found by the object
// itself, else by its content. A document's answer depends only on its content, the version and
// the CRDs, so an answer found ahead is the one it would get when asked; a document not found (a
// rendered one) is asked as before.
import { createHash } from "node:crypto";
import type { SchemaFinding } from "./kube-schema.js";
import { isCRD } from "./crds.js";

/**
 * Objects are asked ahead only in a working tree of at most this many YAML/JSON files (reading
 * them for their objects costs a parse of each, which a larger check does not pay), and at most
 * this many objects; beyond, each slice is asked when evaluated.
 */
export const AHEAD_MAX_FILES = 2_000;
export const AHEAD_MAX_DOCUMENTS = 20_000;
/**
 * The objects of one request sent ahead, by their JSON's length: the first slice small, so that
 * kube-schema starts (its schemas, the first kinds compiled) while Node still reads the files;
 * each next one twice as large, up to AHEAD_SLICE_CHARS.
 */
const AHEAD_SLICE_CHARS = 256 * 1024;
const AHEAD_FIRST_SLICE_CHARS = 16 * 1024;

export const contentKey = (json: string): string =>
  createHash("sha256").update(json).digest("base64");

type Validate = (
  documents: readonly unknown[],
  json: readonly string[],
  keys: readonly string[],
) => Promise<SchemaFinding[][]>;

/** A document's JSON as it was sent, and its contentKey. */
export interface SentJson {
  readonly json: string;
  readonly key: string;
}

/** The answers asked ahead, by object and by content. */
export class AheadAnswers {
  readonly #byKey = new Map<string, Promise<SchemaFinding[]>>();
  readonly #byObject = new WeakMap<object, Promise<SchemaFinding[]>>();
  /** The JSON of the CRDs asked (the repository's CRDs are sent as the same text, or named). */
  readonly #crdJson = new WeakMap<object, SentJson>();
  #slice: { key: string; doc: unknown; json: string }[] = [];
  readonly #inSlice = new Map<string, { doc: unknown }[]>();
  #chars = 0;
  #count = 0;
  #sliceChars = AHEAD_FIRST_SLICE_CHARS;

  constructor(private readonly validate: Validate) {}

  /**
   * Asks `validate` for `documents` (each content once) in slices, in order, without waiting;
   * the first AHEAD_MAX_DOCUMENTS only (the others are asked when evaluated).
   */
  add(documents: readonly unknown[]): void {
    for (const doc of documents) {
      if (this.#count >= AHEAD_MAX_DOCUMENTS) return;
      if (typeof doc !== "object" || doc === null || this.#byObject.has(doc)) continue;
      const json = JSON.stringify(doc);
      const key = contentKey(json);
      if (isCRD(doc)) this.#crdJson.set(doc, { json, key });
      const known = this.#byKey.get(key);
      if (known) {
        this.#byObject.set(doc, known);
        continue;
      }
      const same = this.#inSlice.get(key);
      if (same) {
        same.push({ doc });
        continue;
      }
      this.#count++;
      this.#inSlice.set(key, [{ doc }]);
      this.#slice.push({ key, doc, json });
      this.#chars += json.length;
      if (this.#chars >= this.#sliceChars) this.flush();
    }
  }

  /** Sends the slice being filled. */
  flush(): void {
    const sent = this.#slice;
    if (sent.length === 0) return;
    const answers = this.validate(
      sent.map((s) => s.doc),
      sent.map((s) => s.json),
      sent.map((s) => s.key),
    );
    sent.forEach((s, k) => {
      const one = answers.then((a) => a[k]!);
      one.catch(() => undefined); // awaited by evaluate, if it ever asks
      this.#byKey.set(s.key, one);
      for (const { doc } of this.#inSlice.get(s.key)!) this.#byObject.set(doc as object, one);
    });
    this.#slice = [];
    this.#inSlice.clear();
    this.#chars = 0;
    this.#sliceChars = Math.min(this.#sliceChars * 2, AHEAD_SLICE_CHARS);
  }

  /** The answer asked ahead for a document: undefined when none was. */
  get(doc: unknown): Promise<SchemaFinding[]> | undefined {
    if (typeof doc !== "object" || doc === null || this.#byKey.size === 0) return undefined;
    return this.#byObject.get(doc) ?? this.#byKey.get(contentKey(JSON.stringify(doc)));
  }

  /** The JSON a CRD was asked with (the same object's JSON.stringify) and its key, if it was. */
  crdJson(crd: unknown): SentJson | undefined {
    return typeof crd === "object" && crd !== null ? this.#crdJson.get(crd) : undefined;
  }
}
