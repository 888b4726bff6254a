// Symbolic links in a reviewed commit: git stores a link as a blob (mode 120000) whose content is
// the target's path. kubectl and Argo CD follow a link inside the repository, so a link to a file
// in the repository is read as that file (reported under the link's path); one that is absolute,
// leaves the repository, dangles or loops is refused at that file (PCS002), never read as text.
import { posix } from "node:path";
import type { PullRequestSource } from "../ports/pull-request-source.js";
import type { SourceFile } from "./evaluate-files.js";

/** Links followed at most this many times in a row (git's own limit for a chain of links is 40). */
const MAX_HOPS = 40;

function refusedSource(path: string, target: string, why: string): SourceFile {
  return {
    path,
    content: new Uint8Array(),
    refused: `symbolic link to ${target}: not evaluated (${why})`,
  };
}

/**
 * `sources` read at `commit`, each link among them replaced by its target's content or refused.
 * `readPathOf` gives the path a source was read from (its path at that commit).
 */
export async function resolveLinks(
  source: PullRequestSource,
  commit: string,
  sources: readonly SourceFile[],
  readPathOf: (s: SourceFile) => string,
): Promise<SourceFile[]> {
  if (!source.symbolicLinks || sources.length === 0) return [...sources];
  const links = await source.symbolicLinks(commit);
  if (links.size === 0) return [...sources];
  return Promise.all(
    sources.map(async (s) => {
      let at = readPathOf(s);
      if (!links.has(at)) return s;
      const first = Buffer.from(s.content).toString("utf8");
      let content: Uint8Array = s.content;
      for (let hop = 0; links.has(at); hop++) {
        const target = Buffer.from(content).toString("utf8");
        if (hop >= MAX_HOPS) return refusedSource(s.path, first, "a loop of links");
        if (posix.isAbsolute(target) || target.includes("\0"))
          return refusedSource(s.path, first, "absolute");
        const next = posix.normalize(posix.join(posix.dirname(at), target));
        if (next === ".." || next.startsWith("../") || next === ".")
          return refusedSource(s.path, first, "it points outside the repository");
        const read = await source.readFile(commit, next);
        if (!read) return refusedSource(s.path, first, "dangling, or not a file");
        at = next;
        content = read;
      }
      return { path: s.path, content };
    }),
  );
}
