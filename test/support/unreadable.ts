// What the walkers' tests need to make what cannot be read: names that are not UTF-8, and a run of
// bin/portcullis by a user for whom a folder or file is locked (false-greens, unreadable-walks).
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { JsonReport } from "./workspace.js";
import { workspace } from "./workspace.js";

/** `dir` + path parts, a number being one raw byte (0xff is never UTF-8). */
export const named = (dir: string, ...parts: (string | number)[]) =>
  Buffer.concat([
    Buffer.from(dir),
    ...parts.map((p) => (typeof p === "number" ? Buffer.from([p]) : Buffer.from(p))),
  ]);

/** As root every folder can be read: a locked run is then made as nobody (runuser), else skipped. */
export const asOther = process.getuid?.() !== 0 || existsSync("/usr/sbin/runuser");

/**
 * bin/portcullis `check ...args --format json` in `dir`, as nobody when root, with `locked` (a path
 * in `dir`) unreadable meanwhile, and a temporary folder of its own (the policy cache is made there).
 */
export function checkLocked(dir: string, locked: string, args: string[], timeout = 60_000) {
  chmodSync(dir, 0o755);
  chmodSync(join(dir, locked), 0o000);
  const argv = [process.execPath, resolve("bin/portcullis"), "check", ...args, "--format", "json"];
  if (process.getuid?.() === 0) argv.unshift("/usr/sbin/runuser", "-u", "nobody", "--");
  const tmp = workspace({});
  chmodSync(tmp, 0o777);
  const env = { ...process.env, TMPDIR: tmp };
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd: dir, env, encoding: "utf8", timeout });
  chmodSync(join(dir, locked), 0o755);
  return { code: r.status, stderr: r.stderr, report: JSON.parse(r.stdout) as JsonReport };
}
