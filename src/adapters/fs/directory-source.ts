// Reads the files to check from the local file system: walks directories, applies include/exclude globs.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import type { Dirent } from "node:fs";
import { dirname, join, posix, relative, resolve, sep } from "node:path";
import picomatch from "picomatch";
import {
  isKustomizationFile,
  isYamlOrJson,
  patchFilesOf,
  type RepositoryLayout,
} from "../../core/file-role.js";
import { parseManifest } from "../../yaml/index.js";
import type { SourceFile } from "../../core/report.js";
import { chartRootAbove, namedAsPatchAbove, newPatchLookupCache } from "./patch-lookup.js";
import { MAX_ROLE_WALK_ENTRIES } from "../../core/limits.js";
import { classify, type DiskEntry } from "./special-files.js";
import { compareText } from "../../core/compare-text.js";
import { nameNotUtf8, readableEntries, unreadableFile, whyUnreadable } from "./unreadable.js";

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
 * to `root`, with the chart roots and kustomize patch files among them; `extra` is a file read
 * elsewhere (standard input), placed at its path. A file is a patch when a kustomization among the
 * files, or in a folder above it on disk, names it.
 */
export function readDirectorySources(
  paths: readonly string[],
  root: string,
  globs: { include: readonly string[]; exclude: readonly string[] },
  extra?: SourceFile,
): DirectorySelection {
  const rel = relativeTo(root);
  const { found, chartRoots, missing } = walkPaths(paths, root, globs);
  if (extra) found.delete(rel(resolve(root, extra.path)));
  const files: SourceFile[] = [...found.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([path, what]) =>
      what.kind === "file"
        ? diskFile(path, what.abs)
        : { path, content: new Uint8Array(), refused: what.kind === "refused" ? what.reason : "" },
    );
  if (extra)
    files.push({
      path: rel(resolve(root, extra.path)),
      content: extra.content,
      refused: extra.refused,
    });
  const { patchFiles, refused } = fileRoles(files, found, paths, root, chartRoots, globs.exclude);
  return { files: [...files, ...refused], layout: { chartRoots, patchFiles }, missing };
}

/** A path relative to `root`, with forward slashes ("." for `root` itself). */
function relativeTo(root: string): (abs: string) => string {
  return (abs) => toPosix(relative(root, abs)) || ".";
}

/**
 * Walks `paths` (relative to `root`): each YAML/JSON file the globs take, by its repository-relative
 * path, with what to read or why it is refused; the chart roots seen on the way; the paths missing.
 */
function walkPaths(
  paths: readonly string[],
  root: string,
  globs: { include: readonly string[]; exclude: readonly string[] },
): { found: Map<string, DiskEntry>; chartRoots: Set<string>; missing: string[] } {
  const included = picomatch(globs.include as string[], { dot: true });
  const excluded = picomatch(globs.exclude as string[], { dot: true });
  /** Repository-relative path -> the file to read, or why it is refused. */
  const found = new Map<string, DiskEntry>();
  const walked = new Set<string>();
  const chartRoots = new Set<string>();
  const missing: string[] = [];
  const rel = relativeTo(root);

  /** Globs are repository-relative; a directory outside `root` is matched relative to itself. */
  const walk = (abs: string, base: string, real?: string) => {
    const key = real ?? realOf(abs);
    if (walked.has(key)) return; // a folder reached twice through links
    walked.add(key);
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      // Its files would be skipped without a word: the folder fails instead.
      found.set(rel(abs), unreadableFolder(err));
      return;
    }
    for (const entry of entries) {
      const child = join(abs, entry.name);
      const r = rel(child);
      const m = r.startsWith("../") ? toPosix(relative(base, child)) : r;
      const badName = notUtf8(entry, child);
      if (badName) {
        const taken = entry.isDirectory()
          ? !excluded(`${m}/`) && !excluded(m)
          : isYamlOrJson(entry.name) && included(m) && !excluded(m);
        if (taken) found.set(r, badName);
      } else if (entry.isDirectory()) {
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
        if (isYamlOrJson(entry.name) && included(m) && !excluded(m))
          found.set(r, { kind: "file", abs: child });
      } else {
        // A symbolic link, FIFO, device or socket: followed inside the repository, else refused.
        const candidate = isYamlOrJson(entry.name) && included(m) && !excluded(m);
        const what = classify(child, root);
        if (what.kind === "directory") {
          if (!excluded(`${m}/`) && !excluded(m)) walk(child, base, what.abs);
        } else if (candidate) found.set(r, what);
      }
    }
  };

  for (const p of paths) {
    const abs = resolve(root, p);
    let what;
    try {
      what = classify(abs, root);
    } catch {
      missing.push(p);
      continue;
    }
    if (what.kind === "directory") walk(abs, abs, what.abs);
    else found.set(rel(abs), what);
  }
  return { found, chartRoots, missing };
}

/** Refused: a folder that cannot be listed (no permission, removed while walked). */
function unreadableFolder(err: unknown): DiskEntry {
  return {
    kind: "refused",
    reason: `a folder that cannot be read (${whyUnreadable(err)}): its files are not evaluated`,
  };
}

/**
 * Refused: a folder or file whose name is not UTF-8 (nameNotUtf8): a folder's files would be
 * skipped without a word, a file's read would fail the whole run.
 */
function notUtf8(entry: Dirent, child: string): DiskEntry | undefined {
  if (!nameNotUtf8(entry, child)) return undefined;
  return entry.isDirectory()
    ? {
        kind: "refused",
        reason: "a folder whose name is not UTF-8: its files are not evaluated (rename it)",
      }
    : { kind: "refused", reason: "a file whose name is not UTF-8: not evaluated (rename it)" };
}

/**
 * The kustomize patch files among `files`, adding to `chartRoots` the charts found on the way: a
 * file is a patch when a kustomization among the files, or in a folder above it on disk, names it.
 * `refused`: the folders and kustomizations the repository walk could not read (not excluded, not
 * refused by check's own walk already), each refused at its path (PCS002).
 */
function fileRoles(
  files: readonly SourceFile[],
  found: ReadonlyMap<string, DiskEntry>,
  paths: readonly string[],
  root: string,
  chartRoots: Set<string>,
  exclude: readonly string[],
): { patchFiles: Set<string>; refused: SourceFile[] } {
  const excluded = picomatch(exclude as string[], { dot: true });
  const refused = new Map<string, SourceFile>();
  const rel = relativeTo(root);
  const patchFiles = new Set<string>();
  const addPatches = (path: string, content: Uint8Array) => {
    // Named from a kustomization above the folder checked ("../kustomization.yaml" names
    // "../patches/x.yaml"): kept as the path of the file checked ("x.yaml").
    for (const doc of parseManifest(path, content).documents)
      for (const p of patchFilesOf(path, doc.value)) patchFiles.add(rel(resolve(root, p)));
  };
  for (const f of files) if (isKustomizationFile(f.path)) addPatches(f.path, f.content);
  // Kustomizations and charts anywhere in the repository decide what a file is, wherever the
  // command runs and whatever part of the repository it is given.
  const tops = new Set(
    paths.flatMap((p) => (existsSync(resolve(root, p)) ? [topOf(resolve(root, p))] : [])),
  );
  // Repositories walked whole: every kustomization and Chart.yaml above a file in them is read.
  const walkedRepositories: string[] = [];
  for (const top of tops) {
    const walked = roleFiles(top);
    if (walked.complete && existsSync(join(top, ".git"))) walkedRepositories.push(top);
    for (const { abs, why } of walked.refused) {
      const r = rel(abs);
      if (found.has(r) || excluded(r) || excluded(`${r}/`)) continue;
      const lost = why.startsWith("a folder")
        ? "the kustomizations and Helm charts in it are not known"
        : "the patches it names are not known";
      const reason = `${why}: ${lost} (a file they name may be read as a whole object)`;
      refused.set(r, { path: r, content: new Uint8Array(), refused: reason });
    }
    for (const abs of walked.files) {
      const r = rel(abs);
      if (posix.basename(r) === "Chart.yaml")
        chartRoots.add(posix.dirname(r) === "." ? "" : posix.dirname(r));
      else if (!found.has(r)) addPatches(r, readFileSync(abs));
    }
  }
  // Outside a repository (no .git above), for a file the walk did not reach (past its budget,
  // through a link, under node_modules), the folders above it still decide: its Chart.yaml, or a
  // kustomization that names it as a patch. Inside a walked repository that is already known.
  const searched = newPatchLookupCache();
  for (const f of files) {
    if (walkedRepositories.some((top) => reachedByWalk(resolve(root, f.path), top))) continue;
    // A template given alone (or from a chart whose top was not walked) finds its Chart.yaml above.
    if (/(^|\/)templates\//.test(f.path)) {
      const chart = chartRootAbove(resolve(root, f.path));
      if (chart !== undefined) chartRoots.add(rel(chart) === "." ? "" : rel(chart));
    }
    if (isKustomizationFile(f.path) || patchFiles.has(f.path)) continue;
    if (namedAsPatchAbove(resolve(root, f.path), searched)) patchFiles.add(f.path);
  }
  return { patchFiles, refused: [...refused.values()] };
}

/**
 * A file read from disk when its content is first asked for, so that a large repository is never
 * in memory at once: `release` lets the text go once its slice is reported (evaluateFiles), and it
 * is read again only if asked for again. One that cannot be read (no permission) is refused
 * (PCS002 at that file), its content empty: the rest is still reviewed.
 */
function diskFile(path: string, abs: string): SourceFile {
  let content: Uint8Array | undefined;
  let refused: { readonly why?: string } | undefined;
  return {
    path,
    get refused() {
      refused ??= { why: unreadableFile(abs) };
      return refused.why === undefined ? undefined : `${refused.why}: not evaluated`;
    },
    get content() {
      if (this.refused !== undefined) return new Uint8Array();
      return (content ??= readFileSync(abs));
    },
    release: () => {
      content = undefined;
    },
  };
}

function realOf(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/** The repository a path is in: the nearest folder above it with `.git`; else the path's own folder. */
function topOf(abs: string): string {
  const start = statSync(abs).isDirectory() ? abs : dirname(abs);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return start;
  }
}

/**
 * The kustomization files and Chart.yaml files under `top` (no symbolic links, no .git, no
 * node_modules), and the folders and kustomization files it cannot read (`refused`, with why; a
 * file whose name is not UTF-8 cannot be one of those names). Complete when nothing was left out.
 */
function roleFiles(top: string): {
  files: string[];
  complete: boolean;
  refused: { abs: string; why: string }[];
} {
  const out: string[] = [];
  const refused: { abs: string; why: string }[] = [];
  let budget = MAX_ROLE_WALK_ENTRIES;
  let linked = false;
  const refuse = (abs: string, why: string) => {
    if (why.startsWith("a folder")) refused.push({ abs, why });
  };
  const walk = (dir: string) => {
    for (const e of readableEntries(dir, refuse)) {
      if (--budget < 0) return;
      const abs = join(dir, e.name);
      if (e.isDirectory() && e.name !== ".git" && e.name !== "node_modules") walk(abs);
      else if (e.name === "Chart.yaml" || isKustomizationFile(e.name)) {
        const why = e.isFile() && isKustomizationFile(e.name) ? unreadableFile(abs) : undefined;
        if (why) refused.push({ abs, why });
        else if (e.isFile()) out.push(abs);
        // A linked one is not read here: the search upwards from each file reads it.
        else if (e.isSymbolicLink()) linked = true;
      }
    }
  };
  walk(top);
  return { files: out, complete: budget >= 0 && !linked && refused.length === 0, refused };
}

/** Whether `abs` is a file the repository walk of `top` saw in place: no link, no node_modules or .git on the way. */
function reachedByWalk(abs: string, top: string): boolean {
  const inside = relative(top, abs);
  if (inside === "" || inside.startsWith("..") || resolve(top, inside) !== abs) return false;
  if (inside.split(sep).some((part) => part === "node_modules" || part === ".git")) return false;
  try {
    return realpathSync(abs) === abs;
  } catch {
    return false;
  }
}
