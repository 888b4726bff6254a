// Contents at a commit SHA never change: a bounded in-process cache of files and trees read at
// full SHAs (a base commit's config, CODEOWNERS, policies, unchanged files) saves GitHub requests
// across reviews of the same base and re-runs of the same head.
import { CONTENT_CACHE_BYTES, CONTENT_CACHE_TREES } from "../../core/limits.js";

const FULL_SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Least-recently-used entries go first once the byte (or tree count) budget is exceeded. */
export class ContentCache {
  private readonly files = new Map<string, Uint8Array>();
  private readonly trees = new Map<string, readonly string[]>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = CONTENT_CACHE_BYTES,
    private readonly maxTrees = CONTENT_CACHE_TREES,
  ) {}

  /** Only content named by a full commit SHA is immutable, so only that is cached. */
  static cacheable(commit: string): boolean {
    return FULL_SHA.test(commit);
  }

  /** The bytes, or undefined when not cached. */
  getFile(repo: string, commit: string, path: string): Uint8Array | undefined {
    const key = `${repo}@${commit}:${path}`;
    const value = this.files.get(key);
    if (value === undefined) return undefined;
    this.files.delete(key);
    this.files.set(key, value);
    return value;
  }

  setFile(repo: string, commit: string, path: string, content: Uint8Array | undefined): void {
    // "Absent" is not kept: a one-off miss must not outlive the review (a re-run asks again).
    if (!ContentCache.cacheable(commit) || content === undefined) return;
    const key = `${repo}@${commit}:${path}`;
    const size = content.byteLength;
    if (size > this.maxBytes / 8) return; // one file may not push out everything else
    const old = this.files.get(key);
    if (old) this.bytes -= old.byteLength;
    this.files.delete(key);
    this.files.set(key, content);
    this.bytes += size;
    for (const [k, v] of this.files) {
      if (this.bytes <= this.maxBytes) break;
      this.files.delete(k);
      this.bytes -= v.byteLength;
    }
  }

  getTree(repo: string, commit: string): readonly string[] | undefined {
    const key = `${repo}@${commit}`;
    const tree = this.trees.get(key);
    if (tree) {
      this.trees.delete(key);
      this.trees.set(key, tree);
    }
    return tree;
  }

  setTree(repo: string, commit: string, paths: readonly string[]): void {
    if (!ContentCache.cacheable(commit)) return;
    this.trees.set(`${repo}@${commit}`, paths);
    while (this.trees.size > this.maxTrees) this.trees.delete(this.trees.keys().next().value!);
  }
}
