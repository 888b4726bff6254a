// The pull-request port over a local git repository: `portcullis review` compares base...head like GitHub does.
import { execFileSync } from "node:child_process";
import type {
  ChangedFile,
  ChangeList,
  ChangeStatus,
  FileAtCommit,
  PullRequestSource,
} from "../../ports/pull-request-source.js";
import { MAX_GIT_OUTPUT_BYTES } from "../../core/limits.js";

function git(repo: string, args: readonly string[]): Buffer {
  return execFileSync("git", ["-C", repo, ...args], {
    maxBuffer: MAX_GIT_OUTPUT_BYTES,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function gitText(repo: string, args: readonly string[]): string {
  return git(repo, args).toString("utf8");
}

/** The URLs of the git remotes of the repository at `dir` (none: no remote, or not a repository). */
export function gitRemoteUrls(dir: string): string[] {
  let text = "";
  try {
    text = gitText(dir, ["config", "--get-regexp", "^remote\\..*\\.url$"]);
  } catch {
    return []; // git exits 1 when no key matches, 128 outside a repository
  }
  return text
    .split("\n")
    .map((l) => l.split(" ").slice(1).join(" ").trim())
    .filter(Boolean);
}

/** Resolves a ref to a commit SHA, with the ref's name in the error when it does not exist. */
export function resolveCommit(repo: string, ref: string): string {
  try {
    return gitText(repo, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).trim();
  } catch {
    throw new Error(`"${ref}" is not a commit in ${repo}`);
  }
}

/** git's name-status letter in the port's words (T, a type change, reads as modified). */
function statusOf(letter: string): ChangeStatus {
  switch (letter) {
    case "A":
      return "added";
    case "D":
      return "removed";
    case "R":
      return "renamed";
    case "C":
      return "copied";
    default:
      return "modified";
  }
}

/** Splits `git diff` output into hunks per new path, without the file headers (GitHub's `patch`). */
export function patchesByPath(diff: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const section of diff.split(/^diff --git /m).slice(1)) {
    const lines = section.split("\n");
    const plus = lines.find((l) => l.startsWith("+++ "));
    if (!plus || plus === "+++ /dev/null") continue;
    const path = plus
      .slice(4)
      .replace(/^b\//, "")
      .replace(/^"(.*)"$/, "$1");
    const first = lines.findIndex((l) => l.startsWith("@@"));
    if (first < 0) continue;
    out.set(path, lines.slice(first).join("\n").replace(/\n$/, ""));
  }
  return out;
}

/**
 * `git cat-file --batch` output: per object `<sha> <type> <size>\n<content>\n`, or
 * `<name> missing\n` (or `ambiguous`); only blobs are files.
 */
export function parseCatFileBatch(out: Buffer, count: number): (Uint8Array | undefined)[] {
  const results: (Uint8Array | undefined)[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const eol = out.indexOf(10, at);
    if (eol < 0) throw new Error("git cat-file --batch ended early");
    const header = out.subarray(at, eol).toString("utf8").split(" ");
    at = eol + 1;
    const size = Number(header[header.length - 1]);
    if (header.length !== 3 || !Number.isInteger(size)) {
      results.push(undefined); // missing or ambiguous
      continue;
    }
    results.push(header[1] === "blob" ? out.subarray(at, at + size) : undefined);
    at += size + 1;
  }
  return results;
}

export class LocalGitSource implements PullRequestSource {
  readonly base: string;
  readonly head: string;

  /** Compares `head` with its merge base with `baseRef` (what a pull request into `baseRef` shows). */
  constructor(
    private readonly repo: string,
    baseRef: string,
    headRef = "HEAD",
  ) {
    const baseCommit = resolveCommit(repo, baseRef);
    this.head = resolveCommit(repo, headRef);
    this.base = gitText(repo, ["merge-base", baseCommit, this.head]).trim();
  }

  /** The URLs of the repository's git remotes (none: no remote is configured). */
  get repositoryUrls(): readonly string[] {
    return gitRemoteUrls(this.repo);
  }

  async changedFiles(): Promise<ChangeList> {
    const raw = gitText(this.repo, [
      "diff",
      "--name-status",
      "-z",
      "-M",
      "--no-color",
      this.base,
      this.head,
    ]);
    const fields = raw.split("\0").filter((f) => f !== "");
    const patches = patchesByPath(
      gitText(this.repo, [
        "diff",
        "-M",
        "--no-color",
        "--no-ext-diff",
        "-U3",
        this.base,
        this.head,
      ]),
    );
    const files: ChangedFile[] = [];
    for (let i = 0; i < fields.length; ) {
      const code = fields[i++]!;
      const letter = code[0]!;
      if (letter === "R" || letter === "C") {
        const previousPath = fields[i++]!;
        const path = fields[i++]!;
        files.push({ path, previousPath, status: statusOf(letter), patch: patches.get(path) });
      } else {
        const path = fields[i++]!;
        files.push({ path, status: statusOf(letter), patch: patches.get(path) });
      }
    }
    return { files, complete: true, total: files.length };
  }

  async readFile(commit: string, path: string): Promise<Uint8Array | undefined> {
    try {
      return git(this.repo, ["cat-file", "blob", `${commit}:${path}`]);
    } catch {
      return undefined;
    }
  }

  /** One `git cat-file --batch` for all of them (a review of a large tree reads hundreds). */
  async readFiles(requests: readonly FileAtCommit[]): Promise<(Uint8Array | undefined)[]> {
    const batchable = requests.filter((r) => !/[\n\r]/.test(r.path) && !/[\n\r]/.test(r.commit));
    if (batchable.length < 2 || batchable.length !== requests.length)
      return Promise.all(requests.map((r) => this.readFile(r.commit, r.path)));
    const input = requests.map((r) => `${r.commit}:${r.path}\n`).join("");
    const out = execFileSync("git", ["-C", this.repo, "cat-file", "--batch"], {
      input,
      maxBuffer: MAX_GIT_OUTPUT_BYTES,
      stdio: ["pipe", "pipe", "pipe"],
    });
    return parseCatFileBatch(out, requests.length);
  }

  /** Paths stored as symbolic links (mode 120000) at `commit`. */
  async symbolicLinks(commit: string): Promise<ReadonlySet<string>> {
    const links = new Set<string>();
    for (const entry of gitText(this.repo, ["ls-tree", "-r", "-z", commit]).split("\0")) {
      const tab = entry.indexOf("\t");
      if (entry.startsWith("120000 ") && tab > 0) links.add(entry.slice(tab + 1));
    }
    return links;
  }

  async listPaths(commit: string): Promise<readonly string[]> {
    return gitText(this.repo, ["ls-tree", "-r", "--name-only", "-z", commit])
      .split("\0")
      .filter((p) => p !== "");
  }
}
