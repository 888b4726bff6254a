// One long-lived oracle process for many texts (the differential test and the fuzzer): requests
// are written as they come and answered in order, so the start cost is paid once.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { OracleReading } from "./oracle.js";

export class OracleSession {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: { resolve: (r: OracleReading) => void; reject: (e: Error) => void }[] = [];
  #buffer = "";
  #failed: Error | undefined;

  constructor(binary: string) {
    this.#child = spawn(binary, [], { stdio: ["pipe", "pipe", "pipe"] });
    this.#child.stdout.setEncoding("utf8");
    this.#child.stdout.on("data", (chunk: string) => this.#receive(chunk));
    let stderr = "";
    this.#child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    this.#child.on("close", (code) =>
      this.#fail(new Error(`yaml-oracle exited ${code}: ${stderr}`)),
    );
    this.#child.on("error", (err) => this.#fail(err));
  }

  /** What the consumers read from `text`. */
  read(text: string): Promise<OracleReading> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#child.stdin.write(`${JSON.stringify({ id: 0, text })}\n`);
    });
  }

  /** Ends the process once every answer is in. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#child.exitCode !== null) return resolve();
      this.#child.once("close", () => resolve());
      this.#child.stdin.end();
    });
  }

  #receive(chunk: string): void {
    const lines = (this.#buffer + chunk).split("\n");
    this.#buffer = lines.pop()!;
    for (const line of lines) this.#waiting.shift()?.resolve(JSON.parse(line) as OracleReading);
  }

  #fail(err: Error): void {
    this.#failed ??= err;
    for (const w of this.#waiting.splice(0)) w.reject(err);
  }
}
