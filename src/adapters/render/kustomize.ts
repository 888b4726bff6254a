// Runs the pinned kustomize on repository files copied to a temporary directory: offline, no
// plugins, a time limit and an output cap, with origin annotations from a generated wrapper.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import {
  MAX_RENDER_OUTPUT_BYTES,
  MAX_RENDER_STDERR_BYTES,
  RENDER_TIME_LIMIT_MS,
} from "../../core/render-limits.js";
import type {
  KustomizeBuild,
  ManifestRenderer,
  RenderOutcome,
} from "../../ports/manifest-renderer.js";
import { packageRoot } from "../fs/policy-bundle.js";

/** The directory of the generated wrapper kustomization, beside the repository's top folders. */
export const WRAPPER_DIR = ".portcullis-render";

/** A port nothing listens on: a proxy there makes every outbound HTTP request fail at once. */
const CLOSED_PROXY = "http://127.0.0.1:9";

export interface KustomizeOptions {
  /** The kustomize binary; default: findKustomize(). */
  readonly binary?: string;
  /**
   * Run kustomize in a network namespace of its own (`unshare -rn`: no interface but a loopback
   * that is down) when the system allows it. Default true; the proxies stay set either way.
   */
  readonly isolateNetwork?: boolean;
  readonly timeLimitMs?: number;
  readonly maxOutputBytes?: number;
}

/** `unshare` when it can give a process an empty network namespace here (user namespaces allowed). */
function findUnshare(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v unshare"], { encoding: "utf8" });
  const unshare = found.status === 0 ? found.stdout.trim() : "";
  if (unshare === "") return undefined;
  const probe = spawnSync(unshare, ["-rn", "--", "/bin/sh", "-c", "exit 0"], { timeout: 5_000 });
  return probe.status === 0 ? unshare : undefined;
}

/** $PORTCULLIS_KUSTOMIZE, then the one `npm run build` made (.tools/bin/kustomize), then PATH. */
export function findKustomize(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const candidates = [env.PORTCULLIS_KUSTOMIZE, join(packageRoot(), ".tools", "bin", "kustomize")];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const onPath = spawnSync("sh", ["-c", "command -v kustomize"], { encoding: "utf8" });
  return onPath.status === 0 && onPath.stdout.trim() !== "" ? onPath.stdout.trim() : undefined;
}

/**
 * The environment of a build: no PATH (so kustomize cannot start git or any other program), a
 * home of its own, and proxies on a closed port (remote bases are refused before a build
 * starts; this is the second lock).
 */
function buildEnvironment(home: string): NodeJS.ProcessEnv {
  return {
    PATH: "",
    HOME: home,
    XDG_CONFIG_HOME: join(home, "config"),
    KUSTOMIZE_PLUGIN_HOME: join(home, "no-plugins"),
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
  };
}

/** A repository path that stays inside the temporary copy (the caller checked; checked again). */
function safeRelative(path: string): boolean {
  if (path === "" || path.startsWith("/") || path.includes("\\") || path.includes("\0"))
    return false;
  const normal = posix.normalize(path);
  return normal === path && !normal.startsWith("../") && normal !== "..";
}

const ROOT_KUSTOMIZATIONS = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** A kustomization's text asking for origin annotations (a block mapping gets one more key). */
function withOriginAnnotations(text: string): string {
  if (text.trimStart().startsWith("{")) {
    // A generated (JSON) kustomization: one more field.
    try {
      const k = JSON.parse(text) as Record<string, unknown>;
      return `${JSON.stringify({ ...k, buildMetadata: ["originAnnotations"] })}\n`;
    } catch {
      return text;
    }
  }
  if (/^buildMetadata\s*:/m.test(text)) return text;
  return `${text}${text.endsWith("\n") || text === "" ? "" : "\n"}buildMetadata: [originAnnotations]\n`;
}

function wrapperKustomization(dir: string): string {
  const target = `../${dir}`;
  // JSON is YAML: no quoting questions for odd directory names.
  return `${JSON.stringify({
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: [target],
    buildMetadata: ["originAnnotations"],
  })}\n`;
}

export class KustomizeRenderer implements ManifestRenderer {
  private readonly binary: string | undefined;
  private readonly timeLimitMs: number;
  private readonly maxOutputBytes: number;
  private readonly unshare: string | undefined;
  private version?: Promise<string>;

  constructor(options: KustomizeOptions = {}) {
    this.binary = options.binary ?? findKustomize();
    this.unshare = options.isolateNetwork === false ? undefined : findUnshare();
    this.timeLimitMs = options.timeLimitMs ?? RENDER_TIME_LIMIT_MS;
    this.maxOutputBytes = options.maxOutputBytes ?? MAX_RENDER_OUTPUT_BYTES;
  }

  describe(): Promise<string> {
    this.version ??= new Promise((resolve) => {
      if (!this.binary) return resolve("kustomize (not installed)");
      const r = spawnSync(this.binary, ["version"], { encoding: "utf8", timeout: 10_000 });
      const version = r.status === 0 ? r.stdout.trim() : "(version unknown)";
      resolve(`kustomize ${version}${this.unshare ? ", without network" : ""}`);
    });
    return this.version;
  }

  async renderKustomization(build: KustomizeBuild): Promise<RenderOutcome> {
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    if (!this.binary)
      return {
        ok: false,
        reason: "unavailable",
        message:
          "kustomize is not installed: run `npm run build:render`, put kustomize on PATH, or set PORTCULLIS_KUSTOMIZE",
        durationMs: 0,
      };
    for (const path of [...build.files.keys(), ...(build.dir === "" ? [] : [build.dir])]) {
      if (!safeRelative(path) || path.split("/")[0] === WRAPPER_DIR)
        return {
          ok: false,
          reason: "failed",
          message: `refused path ${JSON.stringify(path)}: not a plain path inside the repository`,
          durationMs: elapsed(),
        };
    }
    const root = await mkdtemp(join(tmpdir(), "portcullis-render-"));
    try {
      const repo = join(root, "repo");
      const home = join(root, "home");
      await mkdir(home, { recursive: true });
      for (const [path, content] of build.files) {
        const target = join(repo, ...path.split("/"));
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
      let target = WRAPPER_DIR;
      if (build.dir === "") {
        // A wrapper inside the folder it builds is a cycle for kustomize: the repository's root
        // kustomization (its temporary copy) asks for the origin annotations itself.
        const rootFile = ROOT_KUSTOMIZATIONS.find((name) => build.files.has(name));
        if (!rootFile)
          return {
            ok: false,
            reason: "failed",
            message: "the repository root has no kustomization",
            durationMs: elapsed(),
          };
        const text = Buffer.from(build.files.get(rootFile)!).toString("utf8");
        await writeFile(join(repo, rootFile), withOriginAnnotations(text));
        target = ".";
      } else {
        await mkdir(join(repo, WRAPPER_DIR), { recursive: true });
        await mkdir(join(repo, ...build.dir.split("/")), { recursive: true });
        await writeFile(
          join(repo, WRAPPER_DIR, "kustomization.yaml"),
          wrapperKustomization(build.dir),
        );
      }
      const outcome = await this.run(repo, home, target);
      if (!outcome.ok) return { ...outcome, durationMs: elapsed() };
      const originRoot = target === "." ? "" : WRAPPER_DIR;
      return { ok: true, yaml: outcome.yaml, originRoot, durationMs: elapsed() };
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }

  private run(
    repo: string,
    home: string,
    target: string,
  ): Promise<
    | { ok: true; yaml: string }
    | { ok: false; reason: "failed" | "timeout" | "output-too-large"; message: string }
  > {
    const build = [this.binary!, "build", target, "--load-restrictor", "LoadRestrictionsRootOnly"];
    const [command, ...args] = this.unshare ? [this.unshare, "-rn", "--", ...build] : build;
    return new Promise((resolve) => {
      const child = spawn(command!, args, {
        cwd: repo,
        env: buildEnvironment(home),
        stdio: ["ignore", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      let outBytes = 0;
      let err = "";
      let stopped: "timeout" | "output-too-large" | undefined;
      const stop = (why: "timeout" | "output-too-large") => {
        stopped ??= why;
        child.kill("SIGKILL");
      };
      const timer = setTimeout(() => stop("timeout"), this.timeLimitMs);
      child.stdout.on("data", (chunk: Buffer) => {
        outBytes += chunk.length;
        if (outBytes > this.maxOutputBytes) stop("output-too-large");
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
          message: `kustomize could not start: ${e.message}`,
        });
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        if (stopped === "timeout")
          resolve({
            ok: false,
            reason: "timeout",
            message: `kustomize build took longer than ${Math.round(this.timeLimitMs / 1000)} s and was stopped`,
          });
        else if (stopped === "output-too-large")
          resolve({
            ok: false,
            reason: "output-too-large",
            message: `kustomize build printed more than ${this.maxOutputBytes} bytes and was stopped`,
          });
        else if (code !== 0)
          resolve({ ok: false, reason: "failed", message: cleanError(err, repo) });
        else resolve({ ok: true, yaml: Buffer.concat(out).toString("utf8") });
      });
    });
  }
}

/** kustomize's message without the temporary directory, the wrapper, and the usage text. */
function cleanError(stderr: string, repo: string): string {
  const text = stderr
    .split(repo + "/")
    .join("")
    .split(repo)
    .join(".")
    .replace(/\n(Usage|Flags|Examples):[\s\S]*$/, "")
    .trim();
  // The wrapper's own layer of the message says nothing the repository's author can act on.
  const firstError = text
    .replace(/^Error:\s*/, "")
    .replace(
      /^accumulating resources: accumulation err='accumulating resources from '\.\.\/[^']*': '[^']*' must resolve to a file': recursed accumulation of path '[^']*': /,
      "",
    );
  return (firstError || "kustomize build failed without a message").slice(0, 2_000);
}
