// The V8 flags the command-line launcher (bin/portcullis) sets for a run, set again once a worker
// thread has started: V8 resets --semi-space-growth-factor to at least 2 whenever it makes an
// isolate (a worker's too), which would let the main thread's young generation grow to 32 MiB
// again (docs/decisions.md, "A large `check`"). V8's flags are the process's: a worker may set
// them as well as the main thread, and does so as it starts, sooner than the main thread hears
// that it is online.
import { setFlagsFromString } from "node:v8";

/** Where bin/portcullis leaves the flags it set (outside the CLI, the app and tests, none). */
const LAUNCHER_FLAGS = Symbol.for("portcullis.v8Flags");

/** The V8 flags the launcher set (none outside the CLI). */
export function launcherFlags(): string[] {
  const flags = (globalThis as Record<symbol, unknown>)[LAUNCHER_FLAGS];
  return Array.isArray(flags) ? flags.map(String) : [];
}

/** Sets these V8 flags again (the launcher's, after a worker thread's isolate was made). */
export function setLauncherFlags(flags: readonly string[] = launcherFlags()): void {
  for (const flag of flags) setFlagsFromString(flag);
}
