// Operations endpoints next to the webhook route: /metrics (Prometheus), /healthz and /readyz.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Metrics } from "./metrics.js";

export interface Lifecycle {
  /** false once shutdown began: load balancers stop sending webhooks here. */
  ready(): boolean;
  /** Why it is not ready, for /readyz (default: shutting down). */
  notReady?(): string;
}

export function opsHandler(metrics: Metrics, lifecycle: Lifecycle) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    // HEAD as GET: Node sends the headers alone.
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = (req.url ?? "").split("?")[0];
    if (path === "/metrics") {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { "content-type": metrics.registry.contentType });
      res.end(body);
      return true;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return true;
    }
    if (path === "/readyz") {
      const ready = lifecycle.ready();
      res
        .writeHead(ready ? 200 : 503, { "content-type": "text/plain" })
        .end(ready ? "ready\n" : `${lifecycle.notReady?.() ?? "shutting down"}\n`);
      return true;
    }
    return false;
  };
}
