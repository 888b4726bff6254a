// Probot's run() loads no app without APP_ID and a private key: it serves its setup pages (the
// manifest flow, docs/app.md) on a server of its own, where the app's /healthz answered 404, so a
// liveness probe restarted the server being set up. Probot offers no hook into that server: its
// Server's start is wrapped to add the operations endpoints to a server that starts without the app.
import { getPrivateKey } from "@probot/get-private-key";
import { Server } from "probot";
import type { IncomingMessage, ServerResponse } from "node:http";

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * What /readyz says while Probot serves its setup pages: which of APP_ID and the private key (as
 * Probot finds it, `cwd` holding its *.pem) is missing.
 */
export function notConfigured(
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
): string {
  let key: string | null = null;
  try {
    key = getPrivateKey({ env: env as Record<string, string>, cwd });
  } catch {
    // the start refused such a key (server-env.ts): counted as none
  }
  const appId = Boolean(Number(env.APP_ID));
  const missing =
    !appId && !key
      ? "APP_ID and a private key are not set"
      : !appId
        ? "APP_ID is not set"
        : "a private key is not set (PRIVATE_KEY or PRIVATE_KEY_PATH)";
  return `not configured: ${missing} (Probot's setup page at / registers the app)`;
}

/** Adds `handler` to each Probot server that starts before the app was loaded into it. */
export function serveWhileUnconfigured(handler: Handler, appLoaded: () => boolean): void {
  const start = Server.prototype.start;
  Server.prototype.start = function (this: Server) {
    if (!appLoaded()) this.addHandler(handler);
    return start.call(this);
  };
}
