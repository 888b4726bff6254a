// Limits of rendering (kustomize builds before review), in one place beside core/limits.ts.

/** One kustomize build may run this long before it is killed (a render failure, PCS004). */
export const RENDER_TIME_LIMIT_MS = 60_000;

/** Bytes of YAML one build may print; a larger output stops the build (PCS004). */
export const MAX_RENDER_OUTPUT_BYTES = 32 * 1024 * 1024;

/** Bytes of kustomize's error output kept for the finding's message. */
export const MAX_RENDER_STDERR_BYTES = 16 * 1024;

/**
 * Builds (kustomizations and Helm releases) one review runs, each at head and base. Only a build
 * that runs counts: one refused before it runs (a remote base, a Secret's values) costs nothing.
 * Set from measurements: 93 kustomizations rendered in 7.4 s on 2 cores (issue 23), and 150
 * kustomizations in 8.4 s here, about 56 ms a build (docs/benchmarks.md, "Coverage"): 150
 * targets at both sides stay near 17 s.
 * A change that affects more leaves the rest out, and the check fails saying which.
 */
export const MAX_RENDER_TARGETS = 150;

/** The render budget of one review, spent in the order targets are taken (see MAX_RENDER_TARGETS). */
export class RenderBudget {
  private used = 0;
  constructor(readonly limit: number = MAX_RENDER_TARGETS) {}

  /** One build of a target (head and base share it); false when the budget is used up. */
  ticket(): () => boolean {
    let granted: boolean | undefined;
    return () => {
      if (granted === undefined) {
        granted = this.used < this.limit;
        if (granted) this.used++;
      }
      return granted;
    };
  }

  /** Why a target was left out, exactly. */
  get reason(): string {
    return `not rendered: this review already rendered ${this.used} kustomizations and Helm releases, its limit (those a Flux or Argo CD object builds first)`;
  }
}

/** Repository files one build may read (its whole tree); a larger tree is not rendered. */
export const MAX_RENDER_FILES = 5_000;

/** Bytes of repository files one build may read. */
export const MAX_RENDER_INPUT_BYTES = 64 * 1024 * 1024;

/** Builds run at once (kustomize is single-threaded enough; the machine has 2 cores). */
export const RENDER_CONCURRENCY = 2;

/** Resources listed per kustomization in the rendered diff before "N more". */
export const MAX_DIFF_ITEMS_PER_TARGET = 50;
