// The lock every render runs in: a child process with no PATH, its own HOME, proxies on a closed
// port, no network where user namespaces allow it, a time limit and an output cap.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fsPromises } from "../../adapters/lazy-builtins.js";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import {
  MAX_RENDER_OUTPUT_BYTES,
  MAX_RENDER_STDERR_BYTES,
  RENDER_TIME_LIMIT_MS,
} from "../../core/render-limits.js";
import type { RenderOutcome } from "../../ports/manifest-renderer.js";
import { packageRoot } from "../../adapters/fs/policy-bundle.js";

/** A port nothing listens on: a proxy there makes every outbound HTTP request fail at once. */
const CLOSED_PROXY = "http://127.0.0.1:9";

/** `unshare` when it can give a process an empty network namespace here (user namespaces allowed). */
export function findUnshare(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v unshare"], { encoding: "utf8" });
  const unshare = found.status === 0 ? found.stdout.trim() : "";
  if (unshare === "") return undefined;
  const probe = spawnSync(unshare, ["-rn", "--", "/bin/sh", "-c", "exit 0"], { timeout: 5_000 });
  return probe.status === 0 ? unshare : undefined;
}

/** `override` (an environment variable's value), then the one `npm run build` made (.tools/bin), then PATH. */
export function findRenderTool(name: string, override: string | undefined): string | undefined {
  // A variable that is set names the binary: a wrong path fails naming it, never another binary.
  if (override) return override;
  const pinned = join(packageRoot(), ".tools", "bin", name);
  if (existsSync(pinned)) return pinned;
  const onPath = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return onPath.status === 0 && onPath.stdout.trim() !== "" ? onPath.stdout.trim() : undefined;
}

/** `<tool> <args>`'s first line of output, for the summary; "(version unknown)" when it fails. */
export function toolVersion(binary: string, args: readonly string[]): string {
  const r = spawnSync(binary, args, { encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : "(version unknown)";
}

/**
 * The environment of a build: no PATH (so the tool cannot start git or any other program), a
 * home of its own, and proxies on a closed port (remote sources are refused before a build
 * starts; this is the second lock).
 */
export function sandboxEnvironment(
  home: string,
  extra: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: "",
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
    XDG_DATA_HOME: join(home, "data"),
    HTTP_PROXY: CLOSED_PROXY,
    HTTPS_PROXY: CLOSED_PROXY,
    http_proxy: CLOSED_PROXY,
    https_proxy: CLOSED_PROXY,
    ALL_PROXY: CLOSED_PROXY,
    NO_PROXY: "",
    no_proxy: "",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GOMAXPROCS: "2",
    ...extra,
  };
}

/** A repository path that stays inside the temporary copy (the caller checked; checked again). */
export function safeRelative(path: string): boolean {
  if (path === "" || path.startsWith("/") || path.includes("\\") || path.includes("\0"))
    return false;
  const normal = posix.normalize(path);
  return normal === path && !normal.startsWith("../") && normal !== "..";
}

/** The first path that is not a plain path inside the repository, or one under a reserved folder. */
export function refusedPath(paths: Iterable<string>, reserved: string): string | undefined {
  for (const path of paths) if (!safeRelative(path) || path.split("/")[0] === reserved) return path;
  return undefined;
}

/** Writes repository files into a temporary folder. */
export async function writeTree(
  root: string,
  files: ReadonlyMap<string, Uint8Array | string>,
): Promise<void> {
  for (const [path, content] of files) {
    const target = join(root, ...path.split("/"));
    await fsPromises().mkdir(dirname(target), { recursive: true });
    await fsPromises().writeFile(target, content);
  }
}

export type SandboxResult =
  | { readonly ok: true; readonly yaml: string }
  | {
      readonly ok: false;
      readonly reason: "failed" | "timeout" | "output-too-large";
      readonly message: string;
      /** What the tool printed on stdout before it exited non-zero (a test runner's report). */
      readonly output?: string;
      readonly exitCode?: number;
    };

export interface SandboxRun {
  /** The tool's name, for messages ("kustomize build"). */
  readonly what: string;
  readonly command: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly unshare: string | undefined;
  readonly timeLimitMs: number;
  readonly maxOutputBytes: number;
  /** The tool's error output as the repository's author should read it. */
  readonly cleanError: (stderr: string) => string;
  /** Output handed over as it arrives (then `yaml` is empty): a reader that parses streaming. */
  readonly onStdout?: (chunk: Buffer) => void;
  /** A non-zero exit still carries stdout (a test runner reports failures that way). */
  readonly keepOutputOnFailure?: boolean;
}

/** Runs a render in its lock and collects its output, killed at the time limit or the output cap. */
export function runSandboxed(run: SandboxRun): Promise<SandboxResult> {
  const [command, ...args] = run.unshare ? [run.unshare, "-rn", "--", ...run.command] : run.command;
  return new Promise((resolve) => {
    // Its own process group: a time limit or output cap kills the tool and anything it started.
    const child = spawn(command!, args, {
      cwd: run.cwd,
      env: run.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = "";
    let stopped: "timeout" | "output-too-large" | undefined;
    const stop = (why: "timeout" | "output-too-large") => {
      stopped ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => stop("timeout"), run.timeLimitMs);
    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > run.maxOutputBytes) stop("output-too-large");
      else if (run.onStdout) run.onStdout(chunk);
      else out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (err.length < MAX_RENDER_STDERR_BYTES) err += chunk.toString("utf8");
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({
        ok: false,
        reason: "failed",
        message: `${run.what} could not start: ${e.message}`,
      });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (stopped === "timeout")
        resolve({
          ok: false,
          reason: "timeout",
          message: `${run.what} took longer than ${Math.round(run.timeLimitMs / 1000)} s and was stopped`,
        });
      else if (stopped === "output-too-large")
        resolve({
          ok: false,
          reason: "output-too-large",
          message: `${run.what} printed more than ${run.maxOutputBytes} bytes and was stopped`,
        });
      else if (code !== 0)
        resolve({
          ok: false,
          reason: "failed",
          message: run.cleanError(err),
          ...(run.keepOutputOnFailure
            ? { output: Buffer.concat(out).toString("utf8"), exitCode: code ?? -1 }
            : {}),
        });
      else resolve({ ok: true, yaml: Buffer.concat(out).toString("utf8") });
    });
  });
}

/** A tool's message without the temporary directory. */
export function withoutTempDir(stderr: string, repo: string): string {
  return stderr
    .split(repo + "/")
    .join("")
    .split(repo)
    .join(".");
}

export interface RenderToolOptions {
  /** The binary; default: found as findRenderTool finds it. */
  readonly binary?: string;
  /**
   * Run the tool in a network namespace of its own (`unshare -rn`: no interface but a loopback
   * that is down) when the system allows it. Default true; the proxies stay set either way.
   */
  readonly isolateNetwork?: boolean;
  readonly timeLimitMs?: number;
  readonly maxOutputBytes?: number;
}

type Refusal = Extract<RenderOutcome, { ok: false }>;

/** One pinned render tool in its lock: the binary, the network isolation, the limits. */
export class SandboxedTool {
  readonly binary: string | undefined;
  readonly unshare: string | undefined;
  private readonly timeLimitMs: number;
  private readonly maxOutputBytes: number;
  private version?: string;

  constructor(
    private readonly name: string,
    private readonly versionArgs: readonly string[],
    private readonly installHint: string,
    options: RenderToolOptions,
    find: () => string | undefined,
  ) {
    this.binary = options.binary ?? find();
    this.unshare = options.isolateNetwork === false ? undefined : findUnshare();
    this.timeLimitMs = options.timeLimitMs ?? RENDER_TIME_LIMIT_MS;
    this.maxOutputBytes = options.maxOutputBytes ?? MAX_RENDER_OUTPUT_BYTES;
  }

  /** "kustomize v5.8.2, without network", for the summary. */
  describe(): string {
    if (!this.binary) return `${this.name} (not installed)`;
    this.version ??= toolVersion(this.binary, this.versionArgs);
    return `${this.name} ${this.version}${this.unshare ? ", without network" : ""}`;
  }

  /** Why a build does not start: no binary, or a path that is not plain or is reserved. */
  refusal(paths: Iterable<string>, reserved: string): Refusal | undefined {
    if (!this.binary)
      return {
        ok: false,
        reason: "unavailable",
        message: `${this.name} is not installed: ${this.installHint}`,
        durationMs: 0,
      };
    const refused = refusedPath(paths, reserved);
    return refused === undefined
      ? undefined
      : {
          ok: false,
          reason: "failed",
          message: `refused path ${JSON.stringify(refused)}: not a plain path inside the repository`,
          durationMs: 0,
        };
  }

  /** Copies the files to a temporary folder (`repo`, beside an empty `home`), works there, removes it. */
  async inTemporaryCopy<T>(
    files: ReadonlyMap<string, Uint8Array>,
    work: (repo: string, home: string) => Promise<T>,
  ): Promise<T> {
    const root = await fsPromises().mkdtemp(join(tmpdir(), `portcullis-${this.name}-`));
    try {
      const repo = join(root, "repo");
      const home = join(root, "home");
      await fsPromises().mkdir(home, { recursive: true });
      await writeTree(repo, files);
      return await work(repo, home);
    } finally {
      await fsPromises().rm(root, { recursive: true, force: true });
    }
  }

  run(
    args: readonly string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
    cleanError: (stderr: string) => string,
    onStdout?: (chunk: Buffer) => void,
  ): Promise<SandboxResult> {
    return runSandboxed({
      ...(onStdout ? { onStdout } : {}),
      what: `${this.name} ${args[0] ?? ""}`.trim(),
      command: [this.binary!, ...args],
      cwd,
      env,
      unshare: this.unshare,
      timeLimitMs: this.timeLimitMs,
      maxOutputBytes: this.maxOutputBytes,
      cleanError,
    });
  }
}
