// Compiling Rego that arrives as text (a repository's policies, Gatekeeper templates) to wasm with the
// pinned `opa`: in a child process with a time limit, under the wasm capabilities (no network, no
// clock), cached on disk by the content of everything that goes in.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "../../adapters/fs/policy-bundle.js";
import { privateCacheDir } from "../../adapters/fs/private-cache.js";
import type { PolicySource } from "../../ports/policy-compiler.js";
import { findOpa } from "./opa-binary.js";
import { compareText } from "../../core/compare-text.js";
import { fsPromises, zlib } from "../../adapters/lazy-builtins.js";

const run = promisify(execFile);

/** A policy may take this long to compile before it is reported as failed. */
export const COMPILE_TIMEOUT_MS = 60_000;

export type { PolicySource } from "../../ports/policy-compiler.js";

export interface OpaTools {
  readonly opa: string;
  readonly capabilities: string;
  /**
   * Where compiled modules are kept (default: `portcullis-policy-cache-<uid>` in the system temp
   * folder); used only while no other user can write to it (privateCacheDir).
   */
  readonly cacheDir?: string;
}

/** The opa found as `findOpa` does and the capabilities `npm run build` wrote. */
export function defaultOpaTools(env?: Readonly<Record<string, string | undefined>>): OpaTools {
  return {
    opa: findOpa(env),
    capabilities: join(packageRoot(), "dist", "policies", "capabilities.json"),
  };
}

/** A policy that does not compile: the compiler's message, and where when it says. */
export class PolicyCompileError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    /** The compiler's own verdict on the policy (it ran and said why), which is kept in the cache. */
    readonly verdict = false,
  ) {
    super(message);
  }
}

export interface WasmBuild {
  readonly sources: readonly PolicySource[];
  readonly entrypoints: readonly string[];
  /** `--v0-compatible`: Rego v0 syntax (conftest's and Gatekeeper's `deny[msg] { ... }`). */
  readonly v0: boolean;
}

function cacheKey(build: WasmBuild, tools: OpaTools): string {
  const hash = createHash("sha256");
  for (const s of [...build.sources].sort((a, b) => compareText(a.path, b.path)))
    hash.update(`${s.path}\u0000${s.text}\u0000`);
  // The binary by size and time (reading 40 MB for every build cost ~25 ms in the main thread).
  const opa = statSync(tools.opa);
  hash
    .update(JSON.stringify([build.entrypoints, build.v0, opa.size, opa.mtimeMs]))
    .update(readFileSync(tools.capabilities));
  // The explanations of withheld builtins are part of a cached refusal.
  const withheld = join(dirname(tools.capabilities), "builtins.json");
  if (existsSync(withheld)) hash.update(readFileSync(withheld));
  return hash.digest("hex").slice(0, 32);
}

/**
 * `/policy.wasm` out of the bundle `opa build` writes: a gzipped tar (512-byte headers, sizes in
 * octal, each file's content padded to 512 bytes), read here rather than by a `tar` process.
 */
export function wasmOfBundle(bundle: Uint8Array): Uint8Array {
  const tar = zlib().gunzipSync(bundle);
  const field = (at: number, length: number) =>
    tar.toString("latin1", at, at + length).replace(/\0.*$/s, "");
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = field(at, 100);
    if (name === "") break; // the two empty blocks that end the archive
    const size = parseInt(field(at + 124, 12).trim() || "0", 8);
    if (!(size >= 0)) break;
    const type = field(at + 156, 1);
    const content = at + 512;
    if ((type === "0" || type === "") && name.replace(/^\//, "") === "policy.wasm")
      return new Uint8Array(tar.subarray(content, content + size));
    at = content + Math.ceil(size / 512) * 512;
  }
  throw new Error("opa build wrote no policy.wasm");
}

/** The first `file:line:` the compiler names, mapped back to the source's own path. */
function locate(message: string): { file?: string; line?: number } {
  const m = /(?:^|\s)([^\s:]+\.rego):(\d+):/.exec(message);
  return m ? { file: m[1], line: Number(m[2]) } : {};
}

/**
 * The compiler's "undefined function X" for a builtin OPA has but Portcullis withholds, with why:
 * the classification `npm run build:policies` wrote next to the capabilities (dist/policies/builtins.json).
 */
export function explainWithheld(message: string, capabilities: string): string {
  let known: { refused?: Record<string, string>; unsupported?: Record<string, string> };
  try {
    known = JSON.parse(
      readFileSync(join(dirname(capabilities), "builtins.json"), "utf8"),
    ) as typeof known;
  } catch {
    return message;
  }
  return message.replace(/undefined function ([\w.]+)/g, (said, name: string) => {
    const refused = known.refused?.[name];
    if (refused)
      return `${said} (refused: ${refused}; a review must give the same answer every time)`;
    const unsupported = known.unsupported?.[name];
    if (unsupported) return `${said} (not supported by Portcullis: ${unsupported})`;
    return said;
  });
}

/**
 * Where compiled modules and verdicts are kept: a folder only this user can write
 * (privateCacheDir), else none (every policy compiled anew).
 */
function policyCacheDir(tools: OpaTools): string | undefined {
  return privateCacheDir("portcullis-policy-cache", tools.cacheDir);
}

/** Whether the cache holds the compiler's answer for this build (a module or a refusal). */
export function cachedAnswer(build: WasmBuild, tools: OpaTools): boolean {
  const cacheDir = policyCacheDir(tools);
  if (cacheDir === undefined) return false;
  const key = cacheKey(build, tools);
  return (
    existsSync(join(cacheDir, `${key}.wasm`)) || existsSync(join(cacheDir, `${key}.error.json`))
  );
}

/**
 * The compiler's answer for `build`, from the cache or from `produce` (then kept): the value, saved
 * under `<key><suffix>` as `save` writes it, or its refusal (`<key><suffix>.error.json`). The
 * compiler's verdict on the same input is the same: a refusal is kept too, so a Rego v0 policy
 * (tried as v1 first) does not wait for `opa` on every run.
 */
async function cachedVerdict<T>(
  build: WasmBuild,
  tools: OpaTools,
  suffix: string,
  io: { load: (path: string) => T; save: (value: T) => Uint8Array | string },
  produce: () => Promise<T>,
): Promise<T> {
  const cacheDir = policyCacheDir(tools);
  if (cacheDir === undefined) return produce();
  const key = cacheKey(build, tools);
  const cached = join(cacheDir, `${key}${suffix}`);
  if (existsSync(cached)) return io.load(cached);
  const refused = join(cacheDir, `${key}${suffix === ".wasm" ? "" : suffix}.error.json`);
  if (existsSync(refused)) {
    const e = JSON.parse(readFileSync(refused, "utf8")) as {
      message: string;
      file?: string;
      line?: number;
    };
    throw new PolicyCompileError(e.message, e.file, e.line);
  }
  try {
    const value = await produce();
    writeWhole(cacheDir, cached, io.save(value));
    return value;
  } catch (err) {
    if (err instanceof PolicyCompileError && err.verdict)
      writeWhole(
        cacheDir,
        refused,
        JSON.stringify({ message: err.message, file: err.file, line: err.line }),
      );
    throw err;
  }
}

/**
 * Builds one wasm module from `sources` with the given entrypoints, or takes it from the cache.
 * Throws PolicyCompileError with the compiler's words (file paths as the sources name them).
 */
export function buildWasm(build: WasmBuild, tools: OpaTools): Promise<Uint8Array> {
  return cachedVerdict(
    build,
    tools,
    ".wasm",
    { load: (path) => readFileSync(path), save: (wasm) => wasm },
    () => compile(build, tools),
  );
}

/**
 * `opa check` against the capabilities of the pinned opa itself (every deterministic builtin),
 * or its cached verdict: whether the policy compiles for `opa eval` (src/engines/opa/opa-eval.ts).
 */
export function checkForOpa(build: WasmBuild, tools: OpaTools): Promise<void> {
  return cachedVerdict(build, tools, ".opa-check", { load: () => undefined, save: () => "" }, () =>
    runOpa(
      build,
      tools,
      (files) => [
        "check",
        "--capabilities",
        opaCapabilities(tools.capabilities),
        ...(build.v0 ? ["--v0-compatible"] : []),
        ...files,
      ],
      () => undefined,
    ),
  );
}

/**
 * Written whole under another name, then renamed: a reader never sees half an entry, and a process
 * killed mid-write leaves no broken cache entry behind.
 */
function writeWhole(dir: string, path: string, data: Uint8Array | string): void {
  mkdirSync(dir, { recursive: true });
  const partial = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(partial, data);
  renameSync(partial, path);
}

/** The compiler's message with each source written under an index (`0.rego`) named by its own path. */
function originalNames(
  message: string,
  root: string,
  files: readonly string[],
  build: WasmBuild,
): string {
  return build.sources.reduce((text, s, i) => {
    const written = relative(root, files[i] ?? "");
    if (written === s.path) return text;
    const at = new RegExp(`(?<![\\w./-])${written.replace(/\./g, "\\.")}:`, "g");
    return text.replace(at, () => `${s.path}:`);
  }, message);
}

/** Writes `sources` under `root`: repository-relative paths as given, anything else (.., absolute) under an index. */
export function writeSources(root: string, sources: readonly PolicySource[]): string[] {
  const files: string[] = [];
  for (const [i, s] of sources.entries()) {
    const safe = /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[\w./ -]+$/.test(s.path) ? s.path : `${i}.rego`;
    const file = join(root, safe);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, s.text);
    files.push(file);
  }
  return files;
}

/**
 * Runs `opa` on the build's sources written to a temporary folder: `args(files, work)` gives its
 * arguments, `done(work)` reads what it wrote. Its refusal is a PolicyCompileError with the
 * compiler's words, file paths as the sources name them.
 *
 * The small files around a build are written and read synchronously: only `opa` and the removal of
 * its folder are waited for, so a caller busy between turns of the event loop (the CLI reads its
 * files while the policies compile) holds the build up twice, not once per file.
 */
async function runOpa<T>(
  build: WasmBuild,
  tools: OpaTools,
  args: (files: string[], work: string) => string[],
  done: (work: string) => T,
): Promise<T> {
  const work = mkdtempSync(join(tmpdir(), "portcullis-policies-"));
  const root = join(work, "src");
  try {
    const files = writeSources(root, build.sources);
    try {
      await run(tools.opa, args(files, work), {
        timeout: COMPILE_TIMEOUT_MS,
        killSignal: "SIGKILL",
        maxBuffer: 4 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as { killed?: boolean; signal?: string; stderr?: string; stdout?: string };
      if (e.killed || e.signal)
        throw new PolicyCompileError(
          `opa ${args([], work)[0]} did not finish within ${COMPILE_TIMEOUT_MS / 1000} s`,
        );
      const said = (e.stderr || e.stdout || "").trim();
      const message = explainWithheld(
        originalNames((said || String(err)).split(`${root}/`).join(""), root, files, build),
        tools.capabilities,
      );
      const where = locate(message);
      throw new PolicyCompileError(
        message.split(work).join("<generated>"),
        where.file,
        where.line,
        said !== "",
      );
    }
    return done(work);
  } finally {
    // In the background (the thread pool): removing a folder tree takes several milliseconds.
    await fsPromises().rm(work, { recursive: true, force: true });
  }
}

function compile(build: WasmBuild, tools: OpaTools): Promise<Uint8Array> {
  return runOpa(
    build,
    tools,
    (files, work) => {
      const out = join(work, "bundle.tar.gz");
      const args = ["build", "-t", "wasm", "--capabilities", tools.capabilities, "-o", out];
      for (const e of build.entrypoints) args.push("-e", e);
      if (build.v0) args.push("--v0-compatible");
      return [...args, ...files];
    },
    (work) => wasmOfBundle(readFileSync(join(work, "bundle.tar.gz"))),
  );
}

/** The capabilities `opa eval` runs repository policies under, next to the wasm ones. */
export function opaCapabilities(capabilities: string): string {
  return join(dirname(capabilities), "capabilities-opa.json");
}
