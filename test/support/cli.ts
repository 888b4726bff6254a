// Runs the CLI in-process with captured output, a fixed "today" and the built bundle.
import { runCli } from "../../src/cli/main.js";
import { bundle } from "./engine.js";

export async function runCommand(args: string[], cwd: string, env: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    cwd,
    env: { PORTCULLIS_TODAY: "2026-06-01", ...env },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    version: "0.0.0-test",
    bundle: bundle(),
  });
  return { code, stdout, stderr };
}
