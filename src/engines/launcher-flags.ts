// The V8 flags the command-line launcher (bin/portcullis) sets for a run, and the main thread's
// young generation in a large run. The launcher holds the young generation at the size it has
// once the bundle is loaded (two 2 MiB semi-spaces: --semi-space-growth-factor=1); V8 would
// double it each time a few MiB survive, up to 2 x 16 MiB, which a large run reaches early and
// keeps to its end. A large run (the catalogue in worker threads) lets it grow to 2 x 8 MiB,
// where it scavenges half as often as at 2 x 4 MiB (7% less CPU at 50,000 resources, no higher
// peak), and holds it there (docs/decisions.md, "A large `check`"). V8 also resets the growth factor to at least 2 whenever it makes an isolate
// (a worker thread's too): it is set again after a worker starts and on every slice.
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

/** Where bin/portcullis leaves the flags it set (outside the CLI, the app and tests, none). */
const LAUNCHER_FLAGS = Symbol.for("portcullis.v8Flags");
/** And those flags' defaults, in the same order. */
const LAUNCHER_DEFAULTS = Symbol.for("portcullis.v8FlagDefaults");
const HOLD = "--semi-space-growth-factor=1";
const GROW = "--semi-space-growth-factor=2";
/** The young generation a large run holds: two semi-spaces of 8 MiB. */
const LARGE_RUN_NEW_SPACE = 16 * 1024 * 1024;

/** The V8 flags the launcher set (none outside the CLI). */
export function launcherFlags(): string[] {
  const flags = (globalThis as Record<symbol, unknown>)[LAUNCHER_FLAGS];
  return Array.isArray(flags) ? flags.map(String) : [];
}

/** Sets the launcher's V8 flags again (after a worker thread's isolate was made). */
export function setLauncherFlags(): void {
  for (const flag of launcherFlags()) setFlagsFromString(flag);
}

/**
 * Runs `f` with V8's flags at their defaults where the launcher had set them, then sets them
 * again: V8 reads back compiled code only under the flags it was made with (wasm-code-cache.ts).
 */
export function withoutLauncherFlags<T>(f: () => T): T {
  const defaults = (globalThis as Record<symbol, unknown>)[LAUNCHER_DEFAULTS];
  if (launcherFlags().length === 0 || !Array.isArray(defaults)) return f();
  for (const flag of defaults) setFlagsFromString(String(flag));
  try {
    return f();
  } finally {
    setLauncherFlags();
  }
}

/**
 * For a large run, when the launcher holds the young generation: lets it grow until it is two
 * 8 MiB semi-spaces, then holds it again. Called as the run starts and on each slice (cheap).
 */
export function sizeYoungGenerationForLargeRun(): void {
  if (!launcherFlags().includes(HOLD)) return;
  const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  setFlagsFromString((newSpace?.space_size ?? 0) >= LARGE_RUN_NEW_SPACE ? HOLD : GROW);
}
