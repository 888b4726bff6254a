// Every size, count and depth limit of the engine, in one place (config can lower or raise some).
// Two families live in their own file beside this one: the render budget (core/render-limits.ts)
// and GitHub's own output limits (render/github-limits.ts). Bounds private to one algorithm's
// inner workings (cache sizes of the YAML readers, the diff's LCS cells) stay next to it.

/** A file larger than this is refused (PCS002) before it is parsed. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** Documents per file; a file with more is refused (PCS002). */
export const MAX_DOCUMENTS_PER_FILE = 2_000;

/** Aliases per document (the `yaml` package's guard against entity expansion). */
export const MAX_ALIAS_COUNT = 100;

/** Nesting depth of a document's value; deeper documents are refused (PCS002). */
export const MAX_DEPTH = 128;

/**
 * Serialised size of one document as the policy engine sees it. Aliases share objects in memory
 * but JSON repeats them, so a small file can expand far beyond its size: refuse it first.
 */
export const MAX_SERIALIZED_DOCUMENT_BYTES = 16 * 1024 * 1024;

/**
 * Bytes of JSON passed to one wasm evaluation call (documents are batched up to this). The wasm
 * heap is only reset between calls, so large batches grow memory and slow down superlinearly:
 * on 3,400 generated documents 64 KiB batches took 0.28 s, 1 MB batches 2.7 s and 4 MB batches 7.2 s.
 */
export const MAX_BATCH_BYTES = 64 * 1024;

/** Wasm linear memory ceiling in 64 KiB pages (256 MiB): a runaway evaluation fails closed. */
export const MAX_WASM_MEMORY_PAGES = 4096;

/**
 * Writes an installation may send back to back (GitHub's secondary limit: at most 80
 * content-creating requests a minute), then one more per WRITE_REFILL_MS.
 */
export const WRITE_BURST = 8;
export const WRITE_REFILL_MS = 1_000;

/** A repository policy's evaluation of one file batch may take this long before it is stopped. */
export const POLICY_TIME_LIMIT_MS = 20_000;
/** Heap ceiling of a policy worker thread, in MiB (wasm memory is capped by MAX_WASM_MEMORY_PAGES). */
export const POLICY_WORKER_HEAP_MB = 512;

/** GitHub rate limits: how often a request is retried after waiting out `retry-after`, and the longest wait. */
export const SECONDARY_LIMIT_RETRIES = 2;
export const PRIMARY_LIMIT_RETRIES = 1;
export const MAX_RATE_LIMIT_WAIT_S = 120;

/** The app's cache of contents at commit SHAs: bytes of files, and trees (file lists) kept. */
export const CONTENT_CACHE_BYTES = 64 * 1024 * 1024;
export const CONTENT_CACHE_TREES = 64;

/** A configuration file larger than this is refused (defaults apply, the error is reported). */
export const MAX_CONFIG_BYTES = 256 * 1024;

/** How many `_extends` hops a config may take (Probot's org-defaults pattern needs one). */
export const MAX_EXTENDS_DEPTH = 3;

/** Files of the head read for Gatekeeper's data.inventory, at most. */
export const INVENTORY_MAX_FILES = 1_000;

/**
 * Files are read, evaluated and reported a slice at a time (about EVALUATION_CHUNK_BYTES of text): values of
 * documents without findings are then garbage while still young, which keeps the collector's work
 * and the peak memory of a large run down, and each engine still sees many documents per call.
 */
export const EVALUATION_CHUNK_BYTES = 512 * 1024;

/** At most this much text is read ahead while engines are being made (evaluateFilesWhenReady). */
export const READ_AHEAD_BYTES = 8 * 1024 * 1024;

/**
 * A `check` of at least this many files evaluates the built-in catalogue in worker threads (at
 * most CATALOGUE_WORKERS_MAX, each with a heap of CATALOGUE_WORKER_HEAP_MB), beside the main
 * thread's reading; a smaller one would spend more starting a worker than it gains.
 */
export const CATALOGUE_WORKER_MIN_FILES = 400;
export const CATALOGUE_WORKERS_MAX = 4;
export const CATALOGUE_WORKER_HEAP_MB = 256;
/** Slices of files whose evaluation may be under way at once (one evaluated, the next read). */
export const EVALUATION_PIPELINE_DEPTH = 2;

/** Inline comments per review; the rest stay annotations on the check. */
export const MAX_REVIEW_COMMENTS = 30;

/** GitHub ignores a CODEOWNERS file of 3 MB or more. */
export const MAX_CODEOWNERS_BYTES = 3 * 1024 * 1024;

/** Rounds of fixing: each round re-checks, since one fix can make another applicable. */
export const MAX_FIX_ROUNDS = 3;

/** Steps of one fix (path segments created or changed), at most: a longer one is refused. */
export const MAX_STEPS_PER_FIX = 500;

/** Entries of a repository walk, at most: a larger repository is read as far as this. */
export const MAX_ROLE_WALK_ENTRIES = 50_000;

/** Files listed from the folder at most (a larger folder is listed up to here). */
export const MAX_WORKING_TREE_PATHS = 50_000;

/** Folders searched above a file, at most (a repository deeper than this is unusual). */
export const MAX_PATCH_LOOKUP_LEVELS = 32;

/** A kustomization larger than this is not read for the search. */
export const MAX_KUSTOMIZATION_BYTES = 1024 * 1024;

/** Output of one git command read by `portcullis review` (a local repository), at most. */
export const MAX_GIT_OUTPUT_BYTES = 512 * 1024 * 1024;
