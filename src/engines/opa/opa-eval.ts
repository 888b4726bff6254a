// The pinned `opa` as the evaluator of a repository policy the wasm host cannot run exactly: one
// that calls a deterministic builtin the host does not supply (x509 and key parsing, GraphQL, JSON
// Schema, rego.parse_module, ...; tools/wasm-builtins.json `engine`), or a call the host declines
// (a Go regular expression JavaScript reads differently). One `opa eval` per batch of documents,
// with the capabilities of every deterministic builtin and no network (`capabilities-opa.json`),
// a time limit, a memory ceiling, chrooted into its own folder (opa-sandbox.ts) and TZ=UTC (time.parse_ns reads zone names in the
// process's zone). Synchronous, like the wasm evaluation it stands in for: in the app it runs in a
// policy worker thread, whose pool keeps its own time limit.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { POLICY_TIME_LIMIT_MS, POLICY_WORKER_HEAP_MB } from "../../core/limits.js";
import type { PolicySource } from "../../ports/policy-compiler.js";
import { opaCapabilities, writeSources, type OpaTools, type WasmBuild } from "./opa-build.js";
import { opaCommand } from "./opa-sandbox.js";

/** Everything `opa eval` needs to evaluate a compiled policy's entrypoint: plain data (cloned into workers). */
export interface OpaProgram {
  readonly sources: readonly PolicySource[];
  readonly v0: boolean;
  readonly opa: string;
  /** capabilities-opa.json: every deterministic builtin of the pinned OPA, no network. */
  readonly capabilities: string;
}

/** A port nothing listens on (as the render sandbox's proxies). */
const CLOSED_PROXY = "http://127.0.0.1:9";

export interface OpaEvalLimits {
  readonly timeLimitMs: number;
  /**
   * The process's data ceiling in MiB (RLIMIT_DATA: memory it writes to, not the address space Go
   * reserves up front, which an RLIMIT_AS ceiling would count and fail on at random).
   */
  readonly heapMb: number;
}

let defaultLimits: OpaEvalLimits = {
  timeLimitMs: POLICY_TIME_LIMIT_MS,
  heapMb: POLICY_WORKER_HEAP_MB,
};

/** The limits of this thread's evaluations: a policy worker takes its pool's (policy-worker.ts). */
export function setOpaEvalLimits(limits: OpaEvalLimits): void {
  defaultLimits = limits;
}

/** The program that evaluates `build` with the pinned opa. */
export function programOf(build: WasmBuild, tools: OpaTools): OpaProgram {
  return {
    sources: build.sources,
    v0: build.v0,
    opa: tools.opa,
    capabilities: opaCapabilities(tools.capabilities),
  };
}

/** `pkg/rule` (a wasm entrypoint) as a query: `data.pkg.rule`. */
export function queryOf(entrypoint: string): string {
  return `data.${entrypoint.split("/").join(".")}`;
}

interface EvalOutput {
  readonly result?: readonly { readonly expressions?: readonly { readonly value?: unknown }[] }[];
  readonly errors?: readonly { readonly message?: string }[];
}

/** Why the process gave no answer, in one line. */
function failure(
  r: ReturnType<typeof spawnSync>,
  limits: OpaEvalLimits,
  stdout: string,
  stderr: string,
): Error {
  const e = r.error as (Error & { code?: string }) | undefined;
  if (e?.code === "ETIMEDOUT" || r.signal === "SIGKILL")
    return new Error(
      `repository policy stopped: it ran longer than ${limits.timeLimitMs / 1000} s (opa eval)`,
    );
  if (/out of memory|cannot allocate memory/i.test(stderr))
    return new Error(
      `repository policy stopped: it used more than ${limits.heapMb} MiB (opa eval)`,
    );
  // Go's runtime does not always survive a failed allocation at the ceiling long enough to say so.
  const crash = /^(?:fatal error: .*|SIGSEGV.*|unexpected signal.*)$/m.exec(stderr);
  if (crash)
    return new Error(
      `repository policy stopped: opa eval crashed (${crash[0]}), as it does at its memory ceiling of ${limits.heapMb} MiB`,
    );
  if (e) return new Error(`opa eval could not run: ${e.message}`);
  let said: EvalOutput | undefined;
  try {
    said = JSON.parse(stdout) as EvalOutput;
  } catch {
    // not JSON: the first line of what it wrote
  }
  const message =
    said?.errors?.[0]?.message ?? (stderr.trim() || stdout.trim()).split("\n")[0] ?? "";
  return new Error(`opa eval failed: ${message || `exit status ${r.status}`}`);
}

/**
 * The value of `query` for `input` (JSON text), evaluated by `opa eval` over the program's
 * sources with `data`; undefined when the query is undefined. Throws when opa fails or is stopped.
 */
export function evaluateWithOpa(
  program: OpaProgram,
  data: Readonly<Record<string, unknown>>,
  query: string,
  input: string,
  limits: OpaEvalLimits = defaultLimits,
): unknown {
  const work = mkdtempSync(join(tmpdir(), "portcullis-opa-eval-"));
  try {
    writeSources(join(work, "policy"), program.sources);
    if (Object.keys(data).length > 0) writeFileSync(join(work, "data.json"), JSON.stringify(data));
    const [command, ...rest] = opaCommand(
      program.opa,
      program.capabilities,
      work,
      limits.heapMb * 1024,
      program.sources,
      (at, caps) => [
        ...["eval", "-f", "json", "--capabilities", caps],
        ...(program.v0 ? ["--v0-compatible"] : []),
        ...["-d", at("policy")],
        ...(Object.keys(data).length > 0 ? ["-d", at("data.json")] : []),
        ...["--stdin-input", query],
      ],
    );
    const r = spawnSync(command!, rest, {
      input,
      encoding: "utf8",
      timeout: limits.timeLimitMs,
      killSignal: "SIGKILL",
      maxBuffer: 256 * 1024 * 1024,
      env: {
        // Nothing of the server's environment; no program to start; a home of its own.
        PATH: "",
        HOME: work,
        // A second lock behind the capabilities (no http.send, allow_net: []): proxies on a port
        // nothing listens on.
        HTTP_PROXY: CLOSED_PROXY,
        HTTPS_PROXY: CLOSED_PROXY,
        NO_PROXY: "",
        TZ: "UTC",
        // The heap target below the ceiling makes Go collect before the ceiling is reached.
        GOMEMLIMIT: `${limits.heapMb}MiB`,
      },
    });
    const stdout = typeof r.stdout === "string" ? r.stdout : "";
    const stderr = typeof r.stderr === "string" ? r.stderr : "";
    if (r.status !== 0 || r.error) throw failure(r, limits, stdout, stderr);
    const out = JSON.parse(stdout) as EvalOutput;
    return out.result?.[0]?.expressions?.[0]?.value;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
