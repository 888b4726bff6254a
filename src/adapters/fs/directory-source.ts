// Reads the files to check from the local file system: walks directories, applies include/exclude globs.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, posix, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";
import {
  isKustomizationFile,
  isYamlOrJson,
  patchFilesOf,
  type RepositoryLayout,
} from "../../core/file-role.js";
import { parseManifest } from "../../yaml/index.js";
import type { SourceFile } from "../../review/evaluate-files.js";

export interface DirectorySelection {
  readonly files: SourceFile[];
  readonly layout: RepositoryLayout;
  /** Paths given on the command line that do not exist. */
  readonly missing: string[];
}

function toPosix(p: string): string {
  return p.split(sep).join("/");
}

/**
 * Collects the YAML/JSON files under `paths` (files given explicitly are always taken), relative
 * to `root`, with the chart roots and kustomize patch files among them.
 */
export function readDirectorySources(
  paths: readonly string[],
  root: string,
  globs: { include: readonly string[]; exclude: readonly string[] },
): DirectorySelection {
  const included = picomatch(globs.include as string[], { dot: true });
  const excluded = picomatch(globs.exclude as string[], { dot: true });
  const found = new Map<string, string>();
  const chartRoots = new Set<string>();
  const missing: string[] = [];
  const rel = (abs: string) => toPosix(relative(root, abs)) || ".";

  /** Globs are repository-relative; a directory outside `root` is matched relative to itself. */
  const walk = (abs: string, base: string) => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = join(abs, entry.name);
      const r = rel(child);
      const m = r.startsWith("../") ? toPosix(relative(base, child)) : r;
      if (entry.isDirectory()) {
        if (
          !excluded(`${m}/`) &&
          !excluded(m) &&
          entry.name !== ".git" &&
          entry.name !== "node_modules"
        )
          walk(child, base);
      } else if (entry.isFile()) {
        if (entry.name === "Chart.yaml")
          chartRoots.add(posix.dirname(r) === "." ? "" : posix.dirname(r));
        if (isYamlOrJson(entry.name) && included(m) && !excluded(m)) found.set(r, child);
      }
    }
  };

  for (const p of paths) {
    const abs = resolve(root, p);
    let stat;
    try {
      stat = statSync(abs);
    } catch {
      missing.push(p);
      continue;
    }
    if (stat.isDirectory()) walk(abs, abs);
    else found.set(rel(abs), abs);
  }

  const files: SourceFile[] = [...found.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, abs]) => ({ path, content: readFileSync(abs) }));

  const patchFiles = new Set<string>();
  for (const f of files) {
    if (!isKustomizationFile(f.path)) continue;
    const parsed = parseManifest(f.path, f.content);
    for (const doc of parsed.documents)
      for (const p of patchFilesOf(f.path, doc.value)) patchFiles.add(p);
  }
  return { files, layout: { chartRoots, patchFiles }, missing };
}
