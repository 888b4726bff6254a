// The Git-layer checks as a local repository can answer them: owners from CODEOWNERS at the base,
// signatures as `git` sees them (%G?), and an honest "cannot verify locally" where it cannot.
import { execFileSync } from "node:child_process";
import { findCodeowners, ownersOf, ownerText, parseCodeowners } from "../../owners/codeowners.js";
import type { PullRequestSource } from "../../ports/pull-request-source.js";

export interface LocalOwnership {
  /** The CODEOWNERS file used (base commit), when there is one. */
  readonly file?: string;
  readonly files: readonly {
    readonly path: string;
    readonly owners: readonly string[];
    readonly line?: number;
  }[];
  readonly errors: readonly { readonly line: number; readonly message: string }[];
}

export async function localOwnership(
  source: PullRequestSource,
  paths: readonly string[],
): Promise<LocalOwnership> {
  const found = await findCodeowners((path) => source.readFile(source.base, path));
  if (found) {
    const codeowners = parseCodeowners(found.text);
    return {
      file: found.path,
      files: paths.map((path) => {
        const match = ownersOf(codeowners, path);
        return { path, owners: (match?.owners ?? []).map(ownerText), line: match?.line };
      }),
      errors: codeowners.errors,
    };
  }
  return { files: paths.map((path) => ({ path, owners: [] })), errors: [] };
}

export type LocalSignature = "verified" | "unsigned" | "bad" | "unverifiable";

export interface LocalCommitSignature {
  readonly sha: string;
  readonly author: string;
  readonly status: LocalSignature;
  /** git's %G? letter, explained. */
  readonly detail: string;
}

/** git's `%G?` codes (git-log(1) "PRETTY FORMATS"). */
const CODES: Record<string, { status: LocalSignature; detail: string }> = {
  G: { status: "verified", detail: "good signature" },
  U: { status: "verified", detail: "good signature, key of unknown validity" },
  X: { status: "bad", detail: "good signature that has expired" },
  Y: { status: "bad", detail: "good signature made by an expired key" },
  R: { status: "bad", detail: "good signature made by a revoked key" },
  B: { status: "bad", detail: "bad signature" },
  E: {
    status: "unverifiable",
    detail: "signed, but the key is not available here: cannot verify locally",
  },
  N: { status: "unsigned", detail: "no signature" },
};

/** The signature of every commit in base..head, as the local git (and its keyring) sees it. */
export function localSignatures(repo: string, base: string, head: string): LocalCommitSignature[] {
  const out = execFileSync(
    "git",
    ["-C", repo, "log", "--format=%H%x00%G?%x00%an", `${base}..${head}`],
    {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return out
    .split("\n")
    .filter((l) => l.includes("\u0000"))
    .map((line) => {
      const [sha = "", code = "N", author = ""] = line.split("\u0000");
      const known = CODES[code] ?? {
        status: "unverifiable" as const,
        detail: `git reported "${code}"`,
      };
      return { sha, author, ...known };
    });
}
