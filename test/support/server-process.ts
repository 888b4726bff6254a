// The app's real server (dist/index.js) as a child process on loopback, for the tests of its start.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:http";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";

/** A port free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** dist/index.js started with `env` (and PATH) in `cwd`; its output is collected. */
export function serverProcess(env: Record<string, string>, cwd: string) {
  const child: ChildProcess = spawn(process.execPath, [join(packageRoot(), "dist", "index.js")], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, exited, stderr: () => stderr };
}

/** Waits until `url` answers (any status), up to 20 s; false when it never did. */
export async function answers(url: string): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    if (
      await fetch(url).then(
        () => true,
        () => false,
      )
    )
      return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
