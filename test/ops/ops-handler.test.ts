// The operations endpoints answer HEAD as GET, without a body: probes (a load balancer's, an
// uptime checker's) often send HEAD; a 404 there read as "down".
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { opsHandler } from "../../src/ops/ops-handler.js";
import { Metrics } from "../../src/ops/metrics.js";

function ask(port: number, method: string, path: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the operations endpoints", () => {
  it("answer HEAD as GET, without a body; other methods are not theirs", async () => {
    let ready = true;
    const handler = opsHandler(new Metrics(() => 0), { ready: () => ready });
    const server = createServer((req, res) => {
      void handler(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await ask(port, "GET", "/healthz")).toEqual({ status: 200, body: "ok\n" });
      expect(await ask(port, "HEAD", "/healthz")).toEqual({ status: 200, body: "" });
      expect(await ask(port, "HEAD", "/readyz")).toEqual({ status: 200, body: "" });
      expect((await ask(port, "HEAD", "/metrics")).status).toBe(200);
      ready = false;
      expect(await ask(port, "HEAD", "/readyz")).toEqual({ status: 503, body: "" });
      expect(await ask(port, "GET", "/readyz")).toEqual({ status: 503, body: "shutting down\n" });
      expect((await ask(port, "POST", "/healthz")).status).toBe(404);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
