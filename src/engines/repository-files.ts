// Where engines read the repository's policies from: the base commit of a change (the review) or
// the working tree (`check`), behind one small interface; and the inventory Gatekeeper reads.
import { readFileSync, statSync } from "node:fs";
import type { Dirent } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { readableEntries, whyUnreadable } from "../adapters/fs/unreadable.js";
import { compareText } from "../core/compare-text.js";
import { isKustomizationFile, isYamlOrJson } from "../core/file-role.js";
import { isKubernetesObject } from "../core/findings.js";
import type { DataFile, PolicySource, RepositoryPolicyCompiler } from "../ports/policy-compiler.js";
import type { PullRequestSource } from "../ports/pull-request-source.js";
import type { PolicyPullRequest } from "../review/policy-context.js";
import { parseManifest } from "../yaml/index.js";
import type { Inventory } from "./engine.js";
import { INVENTORY_MAX_FILES } from "../core/limits.js";
export { INVENTORY_MAX_FILES };

/** The shared OPA toolchain the Rego engines load with. */
export interface RepositoryPolicyDeps {
  readonly compiler: RepositoryPolicyCompiler;
  /** The pull request as policies see it; asked only when the repository has policies. */
  readonly pullRequest?: (teams: readonly string[]) => Promise<PolicyPullRequest>;
  /** Reads data files; the default parses YAML/JSON (the adapter's conftest rules). */
  readonly parseData: (files: readonly DataFile[]) => Record<string, unknown>;
}

export interface PolicyFiles {
  /** Where they are read, for messages: "at the base commit", "in the working tree". */
  readonly where: string;
  /** Repository-relative paths of the files under any of `dirs` (each a folder or a file). */
  list(dirs: readonly string[]): Promise<string[]>;
  /** Their texts, in order (a missing file reads as empty). */
  read(paths: readonly string[]): Promise<PolicySource[]>;
}

/** Whether `path` is `dir` or below it (`./` and trailing slashes ignored; `.` is everything). */
export function under(dir: string): (path: string) => boolean {
  const d = dir.replace(/^\.\/?/, "").replace(/\/+$/, "");
  return (p) => d === "" || p === d || p.startsWith(`${d}/`);
}

/** The files of a change's base commit (a change never brings its own policies). */
export function baseCommitFiles(source: PullRequestSource): PolicyFiles {
  return commitFiles(source, source.base, "at the base commit");
}

/** The files of a change's head: its policies' own tests and its impact, never the verdict. */
export function headCommitFiles(source: PullRequestSource): PolicyFiles {
  return commitFiles(source, source.head, "at the head commit");
}

function commitFiles(source: PullRequestSource, commit: string, where: string): PolicyFiles {
  return {
    where,
    list: async (dirs) =>
      (await source.listPaths(commit)).filter((p) => dirs.some((d) => under(d)(p))),
    read: async (paths) => {
      const texts = await source.readFiles(paths.map((path) => ({ commit, path })));
      return paths.map((path, i) => ({
        path,
        text: Buffer.from(texts[i] ?? new Uint8Array()).toString("utf8"),
      }));
    },
  };
}

/**
 * The files of a working tree at `root` (`check`), named relative to it. What cannot be read (a
 * folder without permission, a name that is not UTF-8, a file without permission) fails the
 * engine that reads it, as a broken policy does: its rules are never left out in silence.
 */
export function workingTreeFiles(root: string): PolicyFiles {
  const toPosix = (p: string) => p.split(sep).join("/");
  const refuse = (abs: string, why: string): never => {
    throw new Error(`${toPosix(relative(root, abs)) || "."}: ${why}: its policies cannot be read`);
  };
  return {
    where: "in the working tree",
    list: async (dirs) => {
      const out = new Set<string>();
      const walk = (abs: string, entry?: Dirent) => {
        let stat;
        try {
          stat = entry?.isDirectory() ? entry : statSync(abs);
        } catch (err) {
          // A folder given that does not exist, or a dangling link, holds no policy.
          if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
          return refuse(abs, `it cannot be read (${whyUnreadable(err)})`);
        }
        if (!stat.isDirectory()) {
          out.add(toPosix(relative(root, abs)));
          return;
        }
        const entries = readableEntries(abs, refuse);
        for (const e of entries.sort((a, b) => compareText(a.name, b.name)))
          walk(join(abs, e.name), e);
      };
      for (const d of dirs) walk(resolve(root, d));
      return [...out].sort();
    },
    read: async (paths) =>
      paths.map((path) => {
        let text = "";
        try {
          text = readFileSync(resolve(root, path), "utf8");
        } catch (err) {
          // A file gone since it was listed reads as empty, as a missing one at a commit does.
          if ((err as NodeJS.ErrnoException).code !== "ENOENT")
            refuse(resolve(root, path), `a file that cannot be read (${whyUnreadable(err)})`);
        }
        return { path, text };
      }),
  };
}

/**
 * Kubernetes objects of the head commit (the repository as the change leaves it), for
 * Gatekeeper's `data.inventory` and namespace selectors: at most INVENTORY_MAX_FILES files.
 */
export async function headInventory(
  source: PullRequestSource,
  skip: (path: string) => boolean,
): Promise<Inventory> {
  const candidates = (await source.listPaths(source.head)).filter(
    (p) => isYamlOrJson(p) && !isKustomizationFile(p) && !skip(p),
  );
  const taken = candidates.slice(0, INVENTORY_MAX_FILES);
  const contents = await source.readFiles(taken.map((path) => ({ commit: source.head, path })));
  const objects: unknown[] = [];
  taken.forEach((path, i) => {
    const content = contents[i];
    if (!content) return;
    for (const d of parseManifest(path, content).documents)
      if (isKubernetesObject(d.value)) objects.push(d.value);
  });
  return { objects, cut: candidates.length - taken.length };
}

/** The base's versions of the Namespaces the change edits (a relabelling must not evade a selector). */
export async function previousNamespacesOf(source: PullRequestSource): Promise<unknown[]> {
  const changed = (await source.changedFiles()).files.filter(
    (f) => f.status !== "added" && isYamlOrJson(f.path),
  );
  const contents = await source.readFiles(
    changed.map((f) => ({ commit: source.base, path: f.previousPath ?? f.path })),
  );
  const namespaces: unknown[] = [];
  changed.forEach((f, i) => {
    const content = contents[i];
    if (!content) return;
    for (const d of parseManifest(f.path, content).documents)
      if (isKubernetesObject(d.value) && (d.value as { kind?: unknown }).kind === "Namespace")
        namespaces.push(d.value);
  });
  return namespaces;
}
