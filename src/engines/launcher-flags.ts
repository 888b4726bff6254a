// The V8 flags the command-line launcher (bin/portcullis) sets for a run, set again once a worker
// thread has started: V8 resets --semi-space-growth-factor to at least 2 whenever it makes an
// isolate (a worker's too), which would let the main thread's young generation grow to 32 MiB
// again (docs/decisions.md, "A large `check`").
import { setFlagsFromString } from "node:v8";

/** Where bin/portcullis leaves the flags it set (outside the CLI, the app and tests, none). */
const LAUNCHER_FLAGS = Symbol.for("portcullis.v8Flags");

/** Sets the launcher's V8 flags again (after a worker thread's isolate was made). */
export function restoreLauncherFlags(): void {
  const flags = (globalThis as Record<symbol, unknown>)[LAUNCHER_FLAGS];
  if (Array.isArray(flags)) for (const flag of flags) setFlagsFromString(String(flag));
}
