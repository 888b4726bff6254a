// A chart archive (.tgz) read into files, treated as hostile: only regular files, no absolute
// paths, no `..`, no links, bounded in count and size.
import { zlib } from "../../adapters/lazy-builtins.js";
import { posix } from "node:path";

export interface ArchiveLimits {
  readonly maxBytes: number;
  readonly maxFiles: number;
}

function field(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString("utf8");
}

function octal(block: Buffer, start: number, length: number): number {
  const text = field(block, start, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/** PAX records (`<len> key=value\n`): only `path` matters here. */
function paxPath(data: Buffer): string | undefined {
  let i = 0;
  while (i < data.length) {
    const space = data.indexOf(0x20, i);
    if (space < 0) break;
    const len = parseInt(data.subarray(i, space).toString("utf8"), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, i + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (record.slice(0, eq) === "path") return record.slice(eq + 1);
    i += len;
  }
  return undefined;
}

/** The files of a gzipped tar, by their (checked) paths; or why the archive is refused. */
export function readChartArchive(
  tgz: Uint8Array,
  limits: ArchiveLimits,
): Map<string, Uint8Array> | string {
  let tar: Buffer;
  try {
    tar = zlib().gunzipSync(tgz, { maxOutputLength: limits.maxBytes });
  } catch (err) {
    return /maxOutputLength|buffer/i.test(String(err))
      ? `the chart unpacks to more than ${limits.maxBytes} bytes`
      : "the chart archive is not gzip";
  }
  const files = new Map<string, Uint8Array>();
  let nextPath: string | undefined;
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = field(header, 345, 155);
    const name =
      nextPath ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    const data = tar.subarray(off + 512, off + 512 + size);
    if (data.length < size) return "the chart archive is truncated";
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      nextPath = paxPath(data);
      continue;
    }
    nextPath = undefined;
    if (type === "g") continue;
    if (type === "5") continue;
    if (type !== "0" && type !== "\0" && type !== "7")
      return `the chart archive holds ${JSON.stringify(name)}, which is not a regular file (a link or a device)`;
    const path = posix.normalize(name);
    if (path.startsWith("/") || path === ".." || path.startsWith("../") || name.includes("\\"))
      return `the chart archive holds ${JSON.stringify(name)}, a path outside the chart`;
    files.set(path, new Uint8Array(data));
    if (files.size > limits.maxFiles)
      return `the chart archive holds more than ${limits.maxFiles} files`;
  }
  return files;
}
