// What `check` may read from disk: regular files, and symbolic links that stay inside the
// repository (read as their target, reported under the link's path). Anything else (a link out of
// the repository, an absolute, dangling or looping link, a FIFO, a device, a socket) is refused at
// that file, never skipped and never read: a FIFO would hang the read, a link could expose the
// runner's files.
import { existsSync, lstatSync, readlinkSync, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

export type DiskEntry =
  | { readonly kind: "file"; readonly abs: string }
  | { readonly kind: "directory"; readonly abs: string }
  | { readonly kind: "refused"; readonly reason: string };

function typeOf(stat: Stats): string {
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/** The folder a link must stay inside: the repository above `abs` (`.git`), else `root`. */
function boundaryOf(abs: string, root: string): string {
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) break;
  }
  const r = relative(root, abs);
  return r.startsWith("..") || isAbsolute(r) ? dirname(abs) : root;
}

function inside(path: string, folder: string): boolean {
  const r = relative(folder, path);
  return r === "" || (!r.startsWith(`..${sep}`) && r !== ".." && !isAbsolute(r));
}

/**
 * What `abs` is, following symbolic links only inside its repository (or `root` outside one).
 * Throws when `abs` does not exist at all (not even as a dangling link).
 */
export function classify(abs: string, root: string): DiskEntry {
  const own = lstatSync(abs);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch {
    const target = own.isSymbolicLink() ? readlinkSync(abs) : abs;
    return {
      kind: "refused",
      reason: `symbolic link to ${target}: not evaluated (dangling or a loop)`,
    };
  }
  if (own.isSymbolicLink() || real !== resolve(abs)) {
    const target = own.isSymbolicLink() ? readlinkSync(abs) : real;
    const boundary = boundaryOf(abs, root);
    let realBoundary: string;
    try {
      realBoundary = realpathSync(boundary);
    } catch {
      realBoundary = boundary;
    }
    if (isAbsolute(target) && own.isSymbolicLink())
      return { kind: "refused", reason: `symbolic link to ${target}: not evaluated (absolute)` };
    if (!inside(real, realBoundary))
      return {
        kind: "refused",
        reason: `symbolic link to ${target}: not evaluated (it points outside the repository)`,
      };
  }
  const stat = statSync(real);
  if (stat.isDirectory()) return { kind: "directory", abs: real };
  if (stat.isFile()) return { kind: "file", abs: real };
  return {
    kind: "refused",
    reason: `${typeOf(stat)}: not evaluated (only regular files are read)`,
  };
}
