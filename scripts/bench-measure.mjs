// One process run timed for the benchmarks: wall seconds and, where GNU time exists, peak RSS.
import { spawnSync } from "node:child_process";

const hasGnuTime = spawnSync("/usr/bin/time", ["-f", "%e", "true"]).status === 0;

/**
 * Wall seconds, CPU seconds (user + system), peak RSS (KiB) and stdout of one run; exit 0 and 1
 * (findings) both count as done.
 */
export function measure(cmd, args, options = {}) {
  const started = process.hrtime.bigint();
  const r = hasGnuTime
    ? spawnSync("/usr/bin/time", ["-f", "__rss=%M __cpu=%U+%S", cmd, ...args], {
        encoding: "utf8",
        maxBuffer: 1 << 30,
        ...options,
      })
    : spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30, ...options });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  const rss = /__rss=(\d+)/.exec(r.stderr ?? "")?.[1];
  const cpu = /__cpu=([\d.]+)\+([\d.]+)/.exec(r.stderr ?? "");
  return {
    wall,
    cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : undefined,
    rssKiB: rss ? Number(rss) : undefined,
    stdout: r.stdout,
  };
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
