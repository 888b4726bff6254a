// The server's own variables (docs/app.md): a value that is set but not what the variable takes
// stops the start with one line naming it, rather than run with a default the operator did not ask for.

type Env = Readonly<Record<string, string | undefined>>;

export class ServerEnvError extends Error {}

/** A whole number above 0, or undefined when the variable is unset or empty. */
export function positiveInteger(env: Env, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === "") return undefined;
  if (!/^\d+$/.test(v.trim()) || Number(v) <= 0)
    throw new ServerEnvError(`${name} must be a whole number above 0, not ${JSON.stringify(v)}`);
  return Number(v);
}

/** `true` or `false` (unset or empty: false). */
export function flag(env: Env, name: string): boolean {
  const v = env[name];
  if (v === undefined || v.trim() === "" || v.trim() === "false") return false;
  if (v.trim() === "true") return true;
  throw new ServerEnvError(`${name} must be true or false, not ${JSON.stringify(v)}`);
}

/** Read where charts are fetched (chart-fetch.ts); checked at start so a bad value stops it. */
const CHECKED_ONLY = ["PORTCULLIS_CHART_MAX_BYTES", "PORTCULLIS_CHART_TIMEOUT_MS"];

/** The server's variables, read once at start. */
export function serverEnv(env: Env) {
  for (const name of CHECKED_ONLY) positiveInteger(env, name);
  return {
    concurrency: positiveInteger(env, "PORTCULLIS_CONCURRENCY") ?? 2,
    lockMs: positiveInteger(env, "PORTCULLIS_QUEUE_LOCK_MS"),
    fixCommits: flag(env, "PORTCULLIS_FIX_COMMITS"),
    policyTimeLimitMs: positiveInteger(env, "PORTCULLIS_POLICY_TIMEOUT_MS"),
    writeBurst: positiveInteger(env, "PORTCULLIS_WRITE_BURST"),
  };
}
