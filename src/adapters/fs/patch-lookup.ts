// A kustomize patch passed alone (pre-commit hands `check` the changed files only) is still a
// patch: the kustomization that names it is in a folder above it (kustomize loads files only from
// its own folder down), so the folders above are searched on disk.
import { readFileSync, statSync } from "node:fs";
import { dirname, join, posix, sep } from "node:path";
import { patchFilesOf } from "../../core/file-role.js";
import { parseManifest } from "../../yaml/index.js";
import { MAX_KUSTOMIZATION_BYTES, MAX_PATCH_LOOKUP_LEVELS } from "../../core/limits.js";

const KUSTOMIZATION_NAMES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

const toPosix = (p: string) => p.split(sep).join("/");

/** What the search upwards learnt about folders: it runs once per file, the folders are shared. */
export interface PatchLookupCache {
  /** The patches each folder's kustomization names. */
  readonly patches: Map<string, readonly string[]>;
  /** Whether a folder is a repository's top (holds `.git`). */
  readonly tops: Map<string, boolean>;
}

export const newPatchLookupCache = (): PatchLookupCache => ({
  patches: new Map(),
  tops: new Map(),
});

/** The patches named by the kustomization in `dir`, as absolute `/`-separated paths (cached). */
function patchesIn(dir: string, cache: PatchLookupCache): readonly string[] {
  const known = cache.patches.get(dir);
  if (known) return known;
  const out: string[] = [];
  for (const name of KUSTOMIZATION_NAMES) {
    const file = join(dir, name);
    try {
      // No exception for the usual answer (no such file): a thrown error costs its stack trace.
      const stat = statSync(file, { throwIfNoEntry: false });
      if (!stat || !stat.isFile() || stat.size > MAX_KUSTOMIZATION_BYTES) continue;
      const abs = toPosix(file);
      for (const doc of parseManifest(abs, readFileSync(file)).documents)
        out.push(...patchFilesOf(abs, doc.value).map((p) => posix.normalize(p)));
    } catch {
      // unreadable: the folder names no patch we can see
    }
  }
  cache.patches.set(dir, out);
  return out;
}

/**
 * Whether a kustomization in a folder above `absFile` (its own folder included) names it as a
 * patch. The search stops at the repository's top (a `.git` entry) or the file system's root.
 */
export function namedAsPatchAbove(
  absFile: string,
  cache: PatchLookupCache = newPatchLookupCache(),
): boolean {
  const target = toPosix(absFile);
  let dir = dirname(absFile);
  for (let level = 0; level < MAX_PATCH_LOOKUP_LEVELS; level++) {
    if (patchesIn(dir, cache).includes(target)) return true;
    if (isRepositoryTop(dir, cache.tops)) return false;
    const up = dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
  return false;
}

function isRepositoryTop(dir: string, tops: Map<string, boolean>): boolean {
  let top = tops.get(dir);
  if (top === undefined) {
    try {
      top = statSync(join(dir, ".git"), { throwIfNoEntry: false }) !== undefined;
    } catch {
      top = false;
    }
    tops.set(dir, top);
  }
  return top;
}

/**
 * The chart folder of a file under a `templates/` folder, found on disk: the folder holding
 * `templates/` when it has a Chart.yaml (as `relativeTo` sees it), else undefined.
 */
export function chartRootAbove(absFile: string): string | undefined {
  const parts = toPosix(absFile).split("/");
  for (let i = parts.length - 2; i > 0; i--) {
    if (parts[i] !== "templates") continue;
    const root = parts.slice(0, i).join("/") || "/";
    try {
      if (statSync(join(root, "Chart.yaml")).isFile()) return root;
    } catch {
      // no chart here: look further up
    }
  }
  return undefined;
}
