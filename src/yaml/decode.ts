// Reading a manifest (manifest.ts): the bytes of a file as text, or why they are not text (NUL
// bytes: binary; invalid UTF-8, at its offset); a leading byte-order mark is taken off and noted.
import { isUtf8 } from "node:buffer";
import type { FileProblem } from "./types.js";

export function decode(content: string | Uint8Array): {
  text?: string;
  bom?: boolean;
  problem?: FileProblem;
} {
  if (typeof content === "string") {
    const nul = content.indexOf("\u0000");
    if (nul >= 0) return { problem: binaryProblem(content.slice(0, nul)) };
    return withoutBom(content);
  }
  const nul = content.indexOf(0);
  if (nul >= 0)
    return { problem: binaryProblem(new TextDecoder().decode(content.subarray(0, nul))) };
  // Node's own UTF-8 check is several times faster than a fatal TextDecoder on valid text.
  if (isUtf8(content))
    return withoutBom(
      Buffer.from(content.buffer, content.byteOffset, content.byteLength).toString("utf8"),
    );
  try {
    return withoutBom(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(content));
  } catch {
    const firstBad = firstInvalidUtf8(content);
    const before = new TextDecoder().decode(content.subarray(0, firstBad));
    return {
      problem: {
        rule: "PCS001",
        message: `file is not valid UTF-8 text (first invalid byte at offset ${firstBad})`,
        line: lineOfOffset(before, before.length),
      },
    };
  }
}

/** The text without a leading byte-order mark, and whether it had one (the oracle reads it too). */
function withoutBom(text: string): { text: string; bom: boolean } {
  const bom = text.charCodeAt(0) === 0xfeff;
  return { text: bom ? text.slice(1) : text, bom };
}

function binaryProblem(before: string): FileProblem {
  return {
    rule: "PCS001",
    message: "file contains NUL bytes: it is binary, not YAML or JSON",
    line: lineOfOffset(before, before.length),
  };
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let lo = 0;
  let hi = bytes.length;
  // Binary search for the longest valid prefix (a prefix may end mid-character: allow 3 bytes).
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
