// Which auto-fixes cannot change whether a workload starts (applied by plain `--fix`), and which
// need a look first (offered, applied only by `--fix=all`), each with the reason shown to the user.

export interface FixSafety {
  /** True when the fix cannot stop the workload from being admitted, scheduled or started. */
  readonly safe: boolean;
  /** Why it needs a look (or why it is safe), in one sentence. */
  readonly reason: string;
}

/**
 * By rule. A rule not listed here needs a look: an unknown fix is never applied unasked. Each
 * reason names how the fix could stop the workload (or why it cannot).
 */
const BY_RULE: Readonly<Record<string, FixSafety>> = {
  PCK008: {
    safe: true,
    reason:
      "RuntimeDefault is the profile container runtimes apply by default outside Kubernetes, so images are built to run under it",
  },
  PCK001: {
    safe: false,
    reason: "a container that needs devices or kernel settings can fail without privileged mode",
  },
  PCK002: {
    safe: false,
    reason: "the kubelet refuses to start a container whose image runs as root (UID 0)",
  },
  PCK003: {
    safe: false,
    reason:
      "setuid binaries (su, sudo, ping) stop gaining privileges, and the API refuses it next to privileged: true",
  },
  PCK004: {
    safe: false,
    reason:
      "the pod leaves the host's network, PID or IPC namespace: what relies on it stops working",
  },
  PCK006: {
    safe: false,
    reason:
      "processes that bind ports below 1024, chown or switch user need the capabilities dropped",
  },
  PCK007: {
    safe: false,
    reason: "a container that writes outside its volumes (caches, PID files, /tmp) fails to start",
  },
  PCK009: {
    safe: false,
    reason:
      "a memory limit below what the container uses gets it OOM-killed; a CPU limit throttles it",
  },
  PCK010: {
    safe: false,
    reason: "a pod whose requests no node can meet stays Pending",
  },
  PCK016: {
    safe: false,
    reason: "a workload that calls the Kubernetes API loses its token and fails",
  },
  PCF007: {
    safe: false,
    reason: "Flux deletes the cluster objects no longer in the source once pruning is on",
  },
};

const UNKNOWN: FixSafety = {
  safe: false,
  reason: "not classified as unable to change whether the workload starts",
};

export function fixSafety(rule: string): FixSafety {
  return BY_RULE[rule] ?? UNKNOWN;
}

/** The rules whose fixes plain `--fix` applies (documented in docs, tested against the catalogue). */
export function safeFixRules(): string[] {
  return Object.entries(BY_RULE)
    .filter(([, s]) => s.safe)
    .map(([id]) => id)
    .sort();
}
