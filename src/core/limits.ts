// Every size, count and depth limit of the engine, in one place (config can lower or raise some).

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
