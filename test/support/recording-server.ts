// A local HTTP server that records every request: proof that nothing was fetched.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordingServer {
  readonly url: string;
  readonly requests: string[];
  close(): void;
}

export async function recordingServer(body: string): Promise<RecordingServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => server.close() };
}
