// The files on disk as a pull request that adds them: `check --render` hands review's renderers
// a "change" whose base is empty and whose head is the folder check runs in, so kustomizations and
// Helm charts are built exactly as a review builds them.
import { lstatSync, readFileSync } from "node:fs";
import { join, posix, relative, resolve, sep } from "node:path";
import type {
  ChangeList,
  FileAtCommit,
  PullRequestSource,
} from "../../ports/pull-request-source.js";
import { MAX_WORKING_TREE_PATHS } from "../../core/limits.js";
import { gitRemoteUrls } from "../git/local-git-source.js";
import { readableEntries, UnreadableError, whyUnreadable } from "./unreadable.js";

export const WORKING_TREE = "working-tree";
const EMPTY_BASE = "empty";

export class WorkingTreeSource implements PullRequestSource {
  readonly base = EMPTY_BASE;
  readonly head = WORKING_TREE;
  #paths: readonly string[] | undefined;

  /** `root`: the folder; `changed`: root-relative `/` paths of the files check was given. */
  constructor(
    private readonly root: string,
    private readonly changed: readonly string[],
  ) {}

  /** The URLs of the git remotes of the repository the folder is in, as review reports them. */
  get repositoryUrls(): readonly string[] {
    return gitRemoteUrls(this.root);
  }

  async changedFiles(): Promise<ChangeList> {
    const files = this.changed.map((path) => ({ path, status: "added" as const }));
    return { files, complete: true, total: files.length };
  }

  async readFile(commit: string, path: string): Promise<Uint8Array | undefined> {
    if (commit !== WORKING_TREE) return undefined;
    const normal = posix.normalize(path);
    if (normal.startsWith("../") || posix.isAbsolute(normal)) return undefined;
    const abs = resolve(this.root, ...normal.split("/"));
    try {
      // Symbolic links are not followed: a review reads what git stores, never where a link points.
      if (!lstatSync(abs).isFile()) return undefined;
      return readFileSync(abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      // Read as missing, a file without permission would leave the build it is in unbuilt.
      throw new UnreadableError(`${normal}: a file that cannot be read (${whyUnreadable(err)})`);
    }
  }

  readFiles(requests: readonly FileAtCommit[]): Promise<(Uint8Array | undefined)[]> {
    return Promise.all(requests.map((r) => this.readFile(r.commit, r.path)));
  }

  async listPaths(commit: string): Promise<readonly string[]> {
    if (commit !== WORKING_TREE) return [];
    this.#paths ??= listFiles(this.root);
    return this.#paths;
  }
}

/**
 * The files under `root` (no .git, no node_modules), at most MAX_WORKING_TREE_PATHS: a folder or
 * file the walk cannot read fails the render (what it holds would be missing from the builds).
 */
function listFiles(root: string): string[] {
  const out: string[] = [];
  const refuse = (abs: string, why: string): never => {
    const at = relative(root, abs).split(sep).join("/") || ".";
    throw new UnreadableError(`${at}: ${why}: --render cannot list what it holds`);
  };
  const walk = (dir: string, prefix: string) => {
    for (const e of readableEntries(dir, refuse)) {
      if (out.length >= MAX_WORKING_TREE_PATHS) return;
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name !== ".git" && e.name !== "node_modules") walk(join(dir, e.name), rel);
      } else if (e.isFile()) out.push(rel.split(sep).join("/"));
    }
  };
  walk(root, "");
  return out.sort();
}
