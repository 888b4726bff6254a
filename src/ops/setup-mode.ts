// Probot's run() loads no app without APP_ID and a private key: it serves its setup pages (the
// manifest flow, docs/app.md) on a server of its own, where the app's /healthz answered 404, so a
// liveness probe restarted the server being set up. Probot offers no hook into that server: its
// Server's start is wrapped to add the operations endpoints to a server that starts without the app.
import { Server } from "probot";
import type { IncomingMessage, ServerResponse } from "node:http";

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** What /readyz says while Probot serves its setup pages. */
export const NOT_CONFIGURED =
  "not configured: APP_ID and a private key are not set (Probot's setup page at / registers the app)";

/** Adds `handler` to each Probot server that starts before the app was loaded into it. */
export function serveWhileUnconfigured(handler: Handler, appLoaded: () => boolean): void {
  const start = Server.prototype.start;
  Server.prototype.start = function (this: Server) {
    if (!appLoaded()) this.addHandler(handler);
    return start.call(this);
  };
}
