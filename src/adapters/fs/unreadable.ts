// What a walk of the file system cannot read, said the same way by every walker (check's files,
// policy folders, CRD discovery, --render's listing): never skipped in silence.
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
} from "node:fs";
import { join } from "node:path";
import type { Dirent } from "node:fs";

/** A folder or file a walk cannot read: the user's to fix, said in one line (never "internal"). */
export class UnreadableError extends Error {}

/** Why a folder or file cannot be read: "permission denied", else the error's code. */
export function whyUnreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "EACCES" || code === "EPERM" ? "permission denied" : (code ?? String(err));
}

/**
 * Whether `entry` (at `abs`) has a name that is not UTF-8. Node reads names as UTF-8 (an invalid
 * byte becomes U+FFFD), so such an entry cannot be opened by the name it is given.
 */
export function nameNotUtf8(entry: Dirent, abs: string): boolean {
  if (!entry.name.includes("\uFFFD")) return false;
  try {
    lstatSync(abs);
    return false; // the name is U+FFFD itself, as written
  } catch {
    return true;
  }
}

/**
 * The entries of the folder `abs` that can be opened by name; `refuse` is told each that cannot
 * (`abs` itself when it cannot be listed), with why: the caller fails on it, never skips it.
 */
export function readableEntries(abs: string, refuse: (abs: string, why: string) => void): Dirent[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch (err) {
    refuse(abs, `a folder that cannot be read (${whyUnreadable(err)})`);
    return [];
  }
  return entries.filter((e) => {
    if (!nameNotUtf8(e, join(abs, e.name))) return true;
    refuse(
      join(abs, e.name),
      `${e.isDirectory() ? "a folder" : "a file"} whose name is not UTF-8 (rename it)`,
    );
    return false;
  });
}

/** Why the file at `abs` cannot be read (no permission), or undefined when it can. */
export function unreadableFile(abs: string): string | undefined {
  try {
    accessSync(abs, constants.R_OK);
    return undefined;
  } catch (err) {
    return `a file that cannot be read (${whyUnreadable(err)})`;
  }
}

/**
 * `use` of the regular file at `abs` (its descriptor and size), opened without waiting: a FIFO or
 * a device put where a file was expected is never read until a writer comes (the read would hang).
 * Undefined when it is not a regular file (a folder, a FIFO, a device); an open that fails throws.
 */
export function withRegularFile<T>(
  abs: string,
  use: (fd: number, size: number) => T,
): T | undefined {
  const fd = openSync(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    return stat.isFile() ? use(fd, stat.size) : undefined;
  } finally {
    closeSync(fd);
  }
}
