// The pull-request port over GitHub's REST API: paginated file list, contents by commit, the tree.
import type { ProbotOctokit } from "probot";
import type {
  ChangedFile,
  ChangeList,
  ChangeStatus,
  FileAtCommit,
  PullRequestSource,
} from "../../ports/pull-request-source.js";
import { httpStatus } from "./http-status.js";
import type { ContentCache } from "./content-cache.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;

const PER_PAGE = 100;
/** Files per GraphQL query (each is one aliased `object(expression:)` lookup). */
export const FILES_PER_QUERY = 100;

interface GraphQlBlob {
  readonly oid: string;
  readonly isBinary: boolean | null;
  readonly isTruncated: boolean;
  readonly text: string | null;
}

export interface PullRequestRef {
  readonly owner: string;
  readonly repo: string;
  readonly number: number;
  readonly baseSha: string;
  readonly headSha: string;
  /** `changed_files` of the pull request, to detect a cut list. */
  readonly changedFiles: number;
  /** The head branch, and whether it lives in this repository (not a fork). */
  readonly headBranch: string;
  readonly sameRepository: boolean;
  /** The pull request's author and its number of commits (for the Git-layer checks). */
  readonly author: string;
  readonly commitCount: number;
  /** The base branch's name (its protection is audited), when the event carried it. */
  readonly baseBranch?: string;
}

function statusOf(status: string): ChangeStatus {
  switch (status) {
    case "added":
    case "removed":
    case "renamed":
    case "copied":
      return status;
    default:
      return "modified"; // "modified", "changed" (mode only), "unchanged"
  }
}

/** A blob's exact bytes (up to 100 MB), by its SHA. */
async function readBlob(
  octokit: Octokit,
  owner: string,
  repo: string,
  sha: string,
): Promise<Uint8Array> {
  // The body is read here, not by Octokit: its JSON reader (json-with-bigint on Node 20) runs a
  // backtracking regular expression over the text, whose stack overflows on a blob of a few MB
  // (every time at 20 MB, intermittently near 5 MB), and Octokit then hands back the raw text.
  const blob = await octokit.rest.git.getBlob({
    owner,
    repo,
    file_sha: sha,
    request: { parseSuccessResponseBody: false },
  });
  const body: unknown = JSON.parse(await new Response(blob.data as unknown as BodyInit).text());
  const content = (body as { content?: unknown } | null)?.content;
  if (typeof content !== "string") throw new Error(`GitHub's blob ${sha} came without its content`);
  return Buffer.from(content, "base64");
}

/**
 * A file of a repository at a ref (its default branch without one), or undefined when it does not
 * exist. Above 1 MB the contents API leaves `content` empty; the blob API serves up to 100 MB.
 */
export async function readRepositoryFile(
  octokit: Octokit,
  file: { owner: string; repo: string; path: string; ref?: string },
): Promise<Uint8Array | undefined> {
  try {
    const { data } = await octokit.rest.repos.getContent(file);
    if (Array.isArray(data) || data.type !== "file") return undefined;
    if (data.encoding === "base64" && data.content !== "")
      return Buffer.from(data.content, "base64");
    return readBlob(octokit, file.owner, file.repo, data.sha);
  } catch (err) {
    if (httpStatus(err) === 404) return undefined;
    throw err;
  }
}

export class GitHubPullRequestSource implements PullRequestSource {
  readonly base: string;
  readonly head: string;
  // One read per review: the layout, the repository policies and the Git-layer checks share them.
  #changes: Promise<ChangeList> | undefined;
  readonly #trees = new Map<string, Promise<readonly string[]>>();
  /** Symbolic links (mode 120000) of each commit's tree, as fetchTree saw them. */
  readonly #links = new Map<string, ReadonlySet<string>>();
  /** Single files read by path, by commit and path: a file absent at a commit is asked for once. */
  readonly #files = new Map<string, Promise<Uint8Array | undefined>>();

  private readonly repoKey: string;

  constructor(
    private readonly octokit: Octokit,
    private readonly pr: PullRequestRef,
    /** Contents at commit SHAs kept across reviews (none: every read goes to GitHub). */
    private readonly cache?: ContentCache,
  ) {
    this.base = pr.baseSha;
    this.head = pr.headSha;
    this.repoKey = `${pr.owner}/${pr.repo}`;
  }

  /** The repository's web URL on its GitHub host (github.com, or a GitHub Enterprise server). */
  get repositoryUrls(): readonly string[] {
    const api = String(this.octokit.request.endpoint.DEFAULTS.baseUrl ?? "https://api.github.com");
    let host = "github.com";
    try {
      const u = new URL(api);
      if (u.host !== "api.github.com") host = u.host;
    } catch {
      // the default host
    }
    return [`https://${host}/${this.pr.owner}/${this.pr.repo}`];
  }

  changedFiles(): Promise<ChangeList> {
    this.#changes ??= this.listChangedFiles();
    this.#changes.catch(() => (this.#changes = undefined));
    return this.#changes;
  }

  private async listChangedFiles(): Promise<ChangeList> {
    const files: ChangedFile[] = [];
    for await (const page of this.octokit.paginate.iterator(this.octokit.rest.pulls.listFiles, {
      owner: this.pr.owner,
      repo: this.pr.repo,
      pull_number: this.pr.number,
      per_page: PER_PAGE,
    })) {
      for (const f of page.data) {
        files.push({
          path: f.filename,
          previousPath: f.previous_filename,
          status: statusOf(f.status),
          patch: f.patch,
        });
      }
    }
    // GitHub stops listing at 3,000 files; the pull request still says how many changed.
    const total = Math.max(this.pr.changedFiles, files.length);
    return { files, complete: files.length >= total, total };
  }

  readFile(commit: string, path: string): Promise<Uint8Array | undefined> {
    const key = `${commit}:${path}`;
    let read = this.#files.get(key);
    if (!read) {
      read = this.fetchFile(commit, path);
      this.#files.set(key, read);
      read.catch(() => this.#files.delete(key));
    }
    return read;
  }

  private async fetchFile(commit: string, path: string): Promise<Uint8Array | undefined> {
    const cached = this.cache?.getFile(this.repoKey, commit, path);
    if (cached !== undefined) return cached;
    const content = await readRepositoryFile(this.octokit, {
      owner: this.pr.owner,
      repo: this.pr.repo,
      path,
      ref: commit,
    });
    this.cache?.setFile(this.repoKey, commit, path, content);
    return content;
  }

  /**
   * Contents of many files in one GraphQL query per 100 (GitHub's `Blob.text`); binary or
   * truncated blobs (over 512,000 bytes) are fetched exactly through the blob API.
   */
  async readFiles(requests: readonly FileAtCommit[]): Promise<(Uint8Array | undefined)[]> {
    // Cached contents first; only the rest is asked for.
    const out = requests.map((r) => this.cache?.getFile(this.repoKey, r.commit, r.path));
    const missing = requests.flatMap((r, i) => (out[i] === undefined ? [i] : []));
    const fetched = await this.fetchFiles(missing.map((i) => requests[i]!));
    missing.forEach((index, j) => {
      out[index] = fetched[j];
      this.cache?.setFile(this.repoKey, requests[index]!.commit, requests[index]!.path, fetched[j]);
    });
    return out;
  }

  private async fetchFiles(requests: readonly FileAtCommit[]): Promise<(Uint8Array | undefined)[]> {
    const out: (Uint8Array | undefined)[] = [];
    for (let start = 0; start < requests.length; start += FILES_PER_QUERY) {
      const chunk = requests.slice(start, start + FILES_PER_QUERY);
      const variables: Record<string, string> = { owner: this.pr.owner, name: this.pr.repo };
      chunk.forEach((r, i) => (variables[`e${i}`] = `${r.commit}:${r.path}`));
      const params = chunk.map((_, i) => `$e${i}: String!`).join(", ");
      const fields = chunk
        .map(
          (_, i) =>
            `f${i}: object(expression: $e${i}) { ... on Blob { oid isBinary isTruncated text } }`,
        )
        .join("\n    ");
      const query = `query($owner: String!, $name: String!, ${params}) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
      const result = await this.octokit.graphql<{ repository: Record<string, GraphQlBlob | null> }>(
        query,
        variables,
      );
      for (let i = 0; i < chunk.length; i++) {
        const blob = result.repository[`f${i}`];
        if (!blob || blob.oid === undefined) out.push(undefined);
        else if (blob.isBinary || blob.isTruncated || blob.text === null)
          out.push(await readBlob(this.octokit, this.pr.owner, this.pr.repo, blob.oid));
        else out.push(Buffer.from(blob.text, "utf8"));
      }
    }
    return out;
  }

  listPaths(commit: string): Promise<readonly string[]> {
    let paths = this.#trees.get(commit);
    if (!paths) {
      paths = this.listTree(commit);
      this.#trees.set(commit, paths);
      paths.catch(() => this.#trees.delete(commit));
    }
    return paths;
  }

  private async listTree(commit: string): Promise<readonly string[]> {
    const cached = this.cache?.getTree(this.repoKey, commit);
    if (cached) return cached;
    const paths = await this.fetchTree(commit);
    this.cache?.setTree(this.repoKey, commit, paths);
    return paths;
  }

  private async fetchTree(commit: string): Promise<readonly string[]> {
    const { data } = await this.octokit.rest.git.getTree({
      owner: this.pr.owner,
      repo: this.pr.repo,
      tree_sha: commit,
      recursive: "true",
    });
    // GitHub cuts a recursive tree at 100,000 entries (or 7 MB): policies, charts or overlays
    // beyond the cut would be silently missing, so the review stops with the reason instead.
    if (data.truncated)
      throw new Error(
        `the repository tree at ${commit.slice(0, 12)} is too large for GitHub to list (truncated at ${data.tree.length} entries): Portcullis cannot see every policy and overlay`,
      );
    const blobs = data.tree.filter((e) => e.type === "blob" && e.path !== undefined);
    this.#links.set(commit, new Set(blobs.filter((e) => e.mode === "120000").map((e) => e.path!)));
    return blobs.map((e) => e.path!);
  }

  /** Paths stored as symbolic links at `commit` (the tree is fetched again when it came from the cache). */
  async symbolicLinks(commit: string): Promise<ReadonlySet<string>> {
    const known = this.#links.get(commit);
    if (known) return known;
    await this.fetchTree(commit);
    return this.#links.get(commit)!;
  }
}
