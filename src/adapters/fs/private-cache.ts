// A cache folder only this user can write. The policy cache keeps compiled modules under the hash of
// their sources: what is read back cannot be checked against its key, so a folder another local user
// can write into (a shared CI runner's /tmp) would let them plant a module that passes everything.
import { lstatSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * `explicit`, else `<system temp>/<name>-<uid>`, made with mode 0700 when missing, when it is a real
 * folder (not a link) owned by this user that neither group nor others may write; undefined (no
 * cache: everything is made anew) otherwise. Where the platform has no user ids (Windows), the
 * system temp folder is the user's own.
 */
export function privateCacheDir(name: string, explicit?: string): string | undefined {
  const uid = process.getuid?.();
  const dir = explicit ?? join(tmpdir(), uid === undefined ? name : `${name}-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory()) return undefined;
    if (uid !== undefined && (st.uid !== uid || (st.mode & 0o022) !== 0)) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}
