// The server's own variables (docs/app.md): a value that is set but not what the variable takes
// stops the start with one line naming it, rather than run with a default the operator did not ask for.

import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { getPrivateKey } from "@probot/get-private-key";
import { chartFetchOptions } from "../gitops/adapters/chart-fetch.js";
import { MAX_TIMER_MS, positiveInteger, SettingError } from "../core/settings.js";

type Env = Readonly<Record<string, string | undefined>>;

export { positiveInteger, SettingError as ServerEnvError };

/** `true` or `false` (unset or empty: false). */
export function flag(env: Env, name: string): boolean {
  const v = env[name];
  if (v === undefined || v.trim() === "" || v.trim() === "false") return false;
  if (v.trim() === "true") return true;
  throw new SettingError(`${name} must be true or false, not ${JSON.stringify(v)}`);
}

/**
 * Probot's `.env` (in `cwd`), applied to `env` as Probot's run() applies it (its values win): its
 * setup page writes APP_ID and the key there (docs/app.md). Probot reads it after the app's
 * variables were checked; applied first, what it sets is checked too.
 */
export function applyDotEnv(env: Record<string, string | undefined>, cwd: string): void {
  let text: string;
  try {
    text = readFileSync(join(cwd, ".env"), "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    throw new SettingError(`.env cannot be read (${code ?? String(err)})`);
  }
  Object.assign(env, parseEnv(text));
}

/**
 * The app's private key as Probot reads it (PRIVATE_KEY, PRIVATE_KEY_PATH, else one *.pem in
 * `cwd`), and with it a webhook secret: one it cannot read, or none, stops the start. Probot printed its stack trace and served the setup
 * pages as if none were set ("Certificate is missing" in production).
 */
function checkCredentials(env: Env, cwd: string): void {
  const from = env.PRIVATE_KEY
    ? "PRIVATE_KEY"
    : env.PRIVATE_KEY_PATH
      ? "PRIVATE_KEY_PATH"
      : "the *.pem files";
  let key: string | null;
  try {
    key = getPrivateKey({ env: env as Record<string, string>, cwd });
  } catch (err) {
    const why = (err as Error).message.replace(/^\[@probot\/get-private-key\] /, "");
    throw new SettingError(`${from}: ${why.split("\n")[0]}`);
  }
  // Probot takes any text with PEM markers (any file's text): the JWT of every webhook then failed.
  if (key !== null && !isRsaKey(key))
    throw new SettingError(`${from}: not a private key in PEM (RSA, as GitHub issues them)`);
  // Configured, Probot verifies webhooks with WEBHOOK_SECRET, else with its public default secret
  // ("development"): anyone could send events it takes for GitHub's.
  if (key !== null && env.APP_ID?.trim() && !env.WEBHOOK_SECRET?.trim())
    throw new SettingError(
      env.WEBHOOK_SECRET
        ? "WEBHOOK_SECRET is blank"
        : "WEBHOOK_SECRET is not set: webhooks would be verified with Probot's public default secret",
    );
}

function isRsaKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === "rsa";
  } catch {
    return false;
  }
}

/** The server's variables, read once at start (`cwd`: where Probot looks for *.pem). */
export function serverEnv(env: Env, cwd = process.cwd()) {
  checkCredentials(env, cwd);
  // Read where charts are fetched (limits and registry credentials), by the same reader: checked
  // at start so a bad value or an unreadable credentials file stops it.
  chartFetchOptions(env);
  // Probot reads an APP_ID that is not a number as none and serves its setup pages instead.
  positiveInteger(env, "APP_ID");
  // Probot reads PORT as Number(PORT) || 3000: 3000x or 0 listened on 3000 in silence.
  positiveInteger(env, "PORT", 65_535);
  return {
    concurrency: positiveInteger(env, "PORTCULLIS_CONCURRENCY") ?? 2,
    lockMs: positiveInteger(env, "PORTCULLIS_QUEUE_LOCK_MS", MAX_TIMER_MS),
    fixCommits: flag(env, "PORTCULLIS_FIX_COMMITS"),
    policyTimeLimitMs: positiveInteger(env, "PORTCULLIS_POLICY_TIMEOUT_MS", MAX_TIMER_MS),
    writeBurst: positiveInteger(env, "PORTCULLIS_WRITE_BURST"),
  };
}
