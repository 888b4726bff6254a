// Limits of rendering (kustomize builds before review), in one place beside core/limits.ts.

/** One kustomize build may run this long before it is killed (a render failure, PCS004). */
export const RENDER_TIME_LIMIT_MS = 60_000;

/** Bytes of YAML one build may print; a larger output stops the build (PCS004). */
export const MAX_RENDER_OUTPUT_BYTES = 32 * 1024 * 1024;

/** Bytes of kustomize's error output kept for the finding's message. */
export const MAX_RENDER_STDERR_BYTES = 16 * 1024;

/** Kustomizations rendered per side of a review; the others are listed as not evaluated. */
export const MAX_RENDER_TARGETS = 40;

/** Repository files one build may read (its whole tree); a larger tree is not rendered. */
export const MAX_RENDER_FILES = 5_000;

/** Bytes of repository files one build may read. */
export const MAX_RENDER_INPUT_BYTES = 64 * 1024 * 1024;

/** Builds run at once (kustomize is single-threaded enough; the machine has 2 cores). */
export const RENDER_CONCURRENCY = 2;

/** Resources listed per kustomization in the rendered diff before "N more". */
export const MAX_DIFF_ITEMS_PER_TARGET = 50;
