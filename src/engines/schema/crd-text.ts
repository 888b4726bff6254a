// A working-tree file's text for the CRD search (crds.ts), within the file size limit check's own
// reading has: a file past it is never read whole (a 300 MB JSON data file beside the manifests
// took check to a 650 MB peak); it is scanned in chunks for the word every CRD holds, and only
// one that may hold a CRD is refused, so the documents still without a schema say so.
import { readFileSync, readSync } from "node:fs";
import { withRegularFile } from "../../adapters/fs/unreadable.js";

const WORD = Buffer.from("CustomResourceDefinition");
const CHUNK_BYTES = 1 << 20;

/** `text` (the whole file), or `refused` (why it cannot be searched), or neither: no CRD there. */
export type SearchedText = { text: string } | { refused: string } | Record<string, never>;

/**
 * Opened without waiting (withRegularFile: a FIFO put in a regular file's place after the listing
 * is refused, not waited on); within `maxBytes` read whole, past it scanned for WORD in chunks.
 */
export function crdSearchText(path: string, maxBytes: number): SearchedText {
  const searched = withRegularFile(path, (fd, size): SearchedText => {
    if (size <= maxBytes) return { text: readFileSync(fd, "utf8") };
    return mentions(fd)
      ? { refused: `a file larger than limits.maxFileBytes (${maxBytes} bytes)` }
      : {};
  });
  return searched ?? { refused: "not a regular file" };
}

/** Whether the file holds WORD, read CHUNK_BYTES at a time (the word may span two chunks). */
function mentions(fd: number): boolean {
  const chunk = Buffer.alloc(CHUNK_BYTES);
  let carry = Buffer.alloc(0);
  for (let position = 0; ; ) {
    const n = readSync(fd, chunk, 0, chunk.length, position);
    if (n === 0) return false;
    const window = Buffer.concat([carry, chunk.subarray(0, n)]);
    if (window.includes(WORD)) return true;
    carry = window.subarray(Math.max(0, window.length - WORD.length + 1));
    position += n;
  }
}
