// PCV005 in a review: a folder is applied together (`kubectl apply -f`, the kustomization Flux
// generates for a folder, an Argo CD directory source), so the changed files' objects are compared
// with those of the head's unchanged files in the same folders, as `check` on the folder compares
// them. Unchanged files are the same at the base, so the base's pass sees them too and a duplicate
// the base already had stays pre-existing. At most INVENTORY_MAX_FILES files are read; past that
// the folders are named as not compared, never passed in silence.
import { isKustomizationFile, isYamlOrJson } from "../core/file-role.js";
import { isKubernetesObject } from "../core/findings.js";
import type { SkippedFile } from "../core/types.js";
import { INVENTORY_MAX_FILES } from "../core/limits.js";
import type { AppliedObject, Engine } from "../engines/engine.js";
import { folderOf } from "../engines/schema/duplicates.js";
import type { Config } from "../config/config.js";
import type { ChangedFile, PullRequestSource } from "../ports/pull-request-source.js";
import { parseManifest } from "../yaml/index.js";
import { resolveLinks } from "./symbolic-links.js";
import { listItemsOf } from "./list-items.js";

export interface AppliedAlongside {
  readonly objects: readonly AppliedObject[];
  /** The folders whose unchanged files were not all read (over the cap). */
  readonly skipped: readonly SkippedFile[];
}

const NONE: AppliedAlongside = { objects: [], skipped: [] };

/**
 * The objects of the head's unchanged files in the folders of `evaluated` (the changed files
 * evaluated one by one), of those `keep` takes (the configuration's include and exclude); none
 * unless an engine compares with them and PCV005 is on.
 */
export async function appliedAlongside(
  source: PullRequestSource,
  engines: readonly Engine[],
  config: Config,
  change: {
    readonly changed: readonly ChangedFile[];
    readonly evaluated: readonly string[];
    readonly keep: (path: string) => boolean;
  },
): Promise<AppliedAlongside> {
  const { changed, evaluated, keep } = change;
  const compares =
    config.rules.PCV005?.enabled !== false && engines.some((e) => e.alsoApplied !== undefined);
  if (!compares || evaluated.length === 0) return NONE;
  const folders = new Set(evaluated.map(folderOf));
  const touched = new Set(changed.flatMap((f) => [f.path, f.previousPath ?? f.path]));
  const candidates = (await source.listPaths(source.head)).filter(
    (p) =>
      folders.has(folderOf(p)) &&
      isYamlOrJson(p) &&
      !isKustomizationFile(p) &&
      !touched.has(p) &&
      keep(p),
  );
  const taken = candidates.slice(0, INVENTORY_MAX_FILES);
  const { objects, unread } = await objectsOf(source, taken);
  return { objects, skipped: [...unread, ...notCompared(candidates.slice(taken.length))] };
}

/** The files' objects at the head, a link inside the repository read as its target (as kubectl does). */
async function objectsOf(
  source: PullRequestSource,
  paths: readonly string[],
): Promise<{ objects: AppliedObject[]; unread: SkippedFile[] }> {
  const contents = await source.readFiles(paths.map((path) => ({ commit: source.head, path })));
  const read = paths.flatMap((path, i) => {
    const content = contents[i];
    return content ? [{ path, content }] : [];
  });
  const objects: AppliedObject[] = [];
  const unread: SkippedFile[] = [];
  // A link refused (out of the repository, dangling) is not applied by kubectl either.
  for (const file of await resolveLinks(source, source.head, read, (f) => f.path)) {
    if (file.refused) continue;
    const parsed = parseManifest(file.path, file.content);
    // A file read only in part (too large, broken YAML) may hold a copy: named, never passed.
    if (parsed.problems.length > 0)
      unread.push({
        file: file.path,
        reason: `PCV005 may not have compared the change's objects with all of this unchanged file's: ${parsed.problems[0]!.message}`,
      });
    for (const d of parsed.documents)
      if (isKubernetesObject(d.value)) {
        objects.push({
          path: file.path,
          document: d.value,
          line: () => d.locate(["metadata", "name"]).lines.start,
        });
        // kubectl applies a list item by item, and check compares each item (evaluate-files).
        for (const item of listItemsOf(d))
          objects.push({
            path: file.path,
            document: item.doc.value,
            line: () => d.locate([...item.prefix, "metadata", "name"]).lines.start,
          });
      }
  }
  return { objects, unread };
}

function notCompared(left: readonly string[]): SkippedFile[] {
  const count = new Map<string, number>();
  for (const p of left) count.set(folderOf(p), (count.get(folderOf(p)) ?? 0) + 1);
  return [...count].map(([folder, n]) => ({
    file: folder,
    reason: `PCV005 did not compare the change's objects with those of ${n} unchanged file${n === 1 ? "" : "s"} of this folder: over the ${INVENTORY_MAX_FILES} files read for it`,
  }));
}

/**
 * A pass starts (after the last one is forgotten, with `newPass`): each engine that compares with
 * applied objects is given them.
 */
export function givePass(
  engines: readonly Engine[],
  applied: AppliedAlongside,
  how: { readonly newPass: boolean },
): void {
  for (const engine of engines) {
    if (how.newPass) engine.newPass?.();
    if (applied.objects.length > 0) engine.alsoApplied?.(applied.objects);
  }
}
