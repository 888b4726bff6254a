// The one CEL engine with Kubernetes' semantics: tools/cel (Go, k8s.io/apiserver's own CEL
// libraries, cost limits included) as one long-lived child process per review, spoken to in JSON
// lines. ValidatingAdmissionPolicies, Gatekeeper's K8sNativeValidation code (and, later, CRD
// x-kubernetes-validations) send their requests here; nothing else evaluates CEL.
//
// The process is locked like the renderers: no PATH, a closed proxy, no inherited environment, a
// time limit per answer, a cap on what it prints. It starts on the first request and ends after
// a moment without one; a session that ended restarts and sends its `load` again, so callers never
// hold a process open.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { packageRoot } from "../../adapters/fs/policy-bundle.js";
import { POLICY_TIME_LIMIT_MS } from "../../core/limits.js";

/** The binary name, the environment variable that overrides it, and how to get one. */
export const CEL_TOOL = "cel";
export const CEL_ENV = "PORTCULLIS_CEL";
export const CEL_MISSING =
  "the Kubernetes CEL engine (tools/cel) is not installed: the Portcullis container image and GitHub Action carry it; in a Portcullis checkout `npm run build:cel` builds it (needs Go), or point PORTCULLIS_CEL at a built one";

/** An answer is at most this large (one document's results). */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** How long a session stays up without a request. */
const IDLE_MS = 2_000;
const CLOSED_PROXY = "http://127.0.0.1:9";

/** The CEL binary: $PORTCULLIS_CEL (empty: none), then `npm run build`'s .tools/bin/cel, then PATH. */
export function celPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env[CEL_ENV];
  if (override !== undefined) return override === "" ? undefined : override;
  const candidates = [join(packageRoot(), ".tools", "bin", CEL_TOOL)];
  for (const dir of (env.PATH ?? "").split(delimiter))
    if (dir) candidates.push(join(dir, CEL_TOOL));
  return candidates.find((c) => existsSync(c));
}

/** Whether the child (and its pipes) keep the event loop alive: only while answers are awaited. */
function hold(child: ChildProcessWithoutNullStreams, on: boolean): void {
  for (const h of [child, child.stdout, child.stderr, child.stdin] as unknown as {
    ref?: () => void;
    unref?: () => void;
  }[])
    if (on) h.ref?.();
    else h.unref?.();
}

/** The engine failed (crashed, timed out, printed nonsense): never a pass for what it was asked. */
export class CelEngineError extends Error {}

interface Waiting {
  readonly resolve: (answer: Record<string, unknown>) => void;
  readonly reject: (err: Error) => void;
}

export class CelSession {
  #child: ChildProcessWithoutNullStreams | undefined;
  #waiting: Waiting[] = [];
  #buffer = "";
  #stderr = "";
  #timer: NodeJS.Timeout | undefined;
  #idle: NodeJS.Timeout | undefined;
  #loaded: Promise<Record<string, unknown>> | undefined;

  constructor(
    private readonly binary: string,
    /** The request that sets the session up (policies, params...), sent again after a restart. */
    private readonly loadRequest: Record<string, unknown>,
    private readonly timeLimitMs = POLICY_TIME_LIMIT_MS,
  ) {}

  /** The answer to the load request (compile problems). */
  load(): Promise<Record<string, unknown>> {
    this.#start();
    return this.#loaded!;
  }

  /** One request's answer; an `error` field in the answer is the engine's own refusal. */
  async request(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    await this.load();
    return this.#send(req);
  }

  /** Ends the process now (pending requests fail). */
  close(): void {
    this.#stop(new CelEngineError("the CEL engine was closed"));
  }

  #start(): void {
    if (this.#child) return;
    const child = spawn(this.binary, [], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { PATH: "", HTTP_PROXY: CLOSED_PROXY, HTTPS_PROXY: CLOSED_PROXY, GOMAXPROCS: "2" },
    });
    this.#child = child;
    this.#buffer = "";
    this.#stderr = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => this.#receive(chunk));
    child.stderr.on("data", (c: Buffer) => {
      if (this.#stderr.length < 4096) this.#stderr += c.toString();
    });
    child.on("error", (err) =>
      this.#stop(new CelEngineError(`the CEL engine could not start: ${err.message}`)),
    );
    child.on("close", (code, signal) => {
      if (this.#child !== child) return;
      const why = this.#stderr.trim().split("\n")[0] || `exit ${code ?? signal}`;
      this.#stop(new CelEngineError(`the CEL engine stopped: ${why}`));
    });
    child.stdin.on("error", () => undefined);
    this.#loaded = this.#send({ op: "load", ...this.loadRequest });
    this.#loaded.catch(() => undefined);
  }

  #send(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.#start();
    const child = this.#child!;
    clearTimeout(this.#idle);
    hold(child, true);
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      if (!this.#timer) this.#arm();
      child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  #arm(): void {
    this.#timer = setTimeout(
      () =>
        this.#stop(
          new CelEngineError(`the CEL engine gave no answer within ${this.timeLimitMs / 1000} s`),
        ),
      this.timeLimitMs,
    );
    this.#timer.unref();
  }

  #receive(chunk: string): void {
    this.#buffer += chunk;
    if (this.#buffer.length > MAX_ANSWER_BYTES) {
      this.#stop(new CelEngineError(`the CEL engine printed over ${MAX_ANSWER_BYTES} bytes`));
      return;
    }
    let nl: number;
    while ((nl = this.#buffer.indexOf("\n")) >= 0) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      const w = this.#waiting.shift();
      clearTimeout(this.#timer);
      this.#timer = undefined;
      if (this.#waiting.length > 0) this.#arm();
      let answer: unknown;
      try {
        answer = JSON.parse(line);
      } catch {
        w?.reject(new CelEngineError("the CEL engine printed an unreadable answer"));
        continue;
      }
      if (typeof answer !== "object" || answer === null || Array.isArray(answer))
        w?.reject(new CelEngineError("the CEL engine printed an answer that is not an object"));
      else w?.resolve(answer as Record<string, unknown>);
    }
    if (this.#waiting.length === 0 && this.#child) {
      // Idle: the process no longer keeps Node running, and ends soon unless asked again.
      hold(this.#child, false);
      this.#idle = setTimeout(() => this.#stop(undefined), IDLE_MS);
      this.#idle.unref();
    }
  }

  #stop(err: Error | undefined): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#idle);
    this.#timer = undefined;
    const child = this.#child;
    this.#child = undefined;
    this.#loaded = undefined;
    if (child && child.exitCode === null) child.kill("SIGKILL");
    const waiting = this.#waiting.splice(0);
    for (const w of waiting) w.reject(err ?? new CelEngineError("the CEL engine stopped"));
  }
}
