// The kube-schema process (tools/kube-schema, Go): Kubernetes' own validation of objects against
// the schemas of a Kubernetes version and CRDs. Found as $PORTCULLIS_KUBE_SCHEMA (empty: off),
// then the one `npm run build` made (.tools/bin/kube-schema), then PATH. One run per batch of
// documents: the schemas it needs are compiled once in it, and it is stopped at a time limit.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { packageRoot } from "../../adapters/fs/policy-bundle.js";
import { messageOf } from "../../core/errors.js";
import type { JsonPath } from "../../core/types.js";
import { contentKey, type SentJson } from "./ahead.js";
import { isCRD } from "./crds.js";

/** How long one batch (at most EVALUATION_CHUNK_BYTES of documents) may take. */
export const KUBE_SCHEMA_TIME_LIMIT_MS = 120_000;
/** How long kube-schema may take to say which versions it carries (it reads no schema for it). */
const VERSIONS_TIME_LIMIT_MS = 30_000;
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;
/** How long a process waits for the next request of its run before it ends. */
const IDLE_MS = 30_000;

export interface SchemaFinding {
  readonly rule: string;
  readonly path: JsonPath;
  readonly message: string;
}

export interface SchemaAnswer {
  readonly results: readonly { findings: readonly SchemaFinding[] | null; error?: string }[];
  readonly crdErrors: readonly { index: number; message: string }[] | null;
  readonly error?: string;
}

export interface KubeSchemaInfo {
  /** Carried Kubernetes minor versions, newest first. */
  readonly versions: readonly string[];
  readonly kubernetes: readonly { module: string; version: string }[];
  readonly crds: readonly { name: string; module: string; version: string }[];
  /** The process takes CRDs named by the SHA-256 of JSON it was sent before. */
  readonly crdRefs?: boolean;
}

/** The kube-schema binary, or undefined when this installation has none. */
export function kubeSchemaPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env.PORTCULLIS_KUBE_SCHEMA;
  if (override !== undefined) return override === "" ? undefined : override;
  const candidates = [join(packageRoot(), ".tools", "bin", "kube-schema")];
  for (const dir of (env.PATH ?? "").split(delimiter))
    if (dir) candidates.push(join(dir, "kube-schema"));
  return candidates.find((c) => existsSync(c));
}

const infos = new Map<string, Promise<KubeSchemaInfo | string>>();

/**
 * What the binary carries, or why it cannot say: asked once per process and binary (again after
 * the question failed), of the session's process (`{"versions":true}`: no process of its own)
 * without blocking.
 */
export function kubeSchemaInfo(
  binary: string,
  session: KubeSchemaSession,
): Promise<KubeSchemaInfo | string> {
  const known = infos.get(binary);
  if (known) return known;
  const info = session.versions().then(
    (v) =>
      Array.isArray(v?.versions) && v.versions.length > 0
        ? v
        : "kube-schema carries no Kubernetes version",
    (err: unknown) => {
      // A process that failed (killed, timed out) says nothing of the binary: the next load asks.
      infos.delete(binary);
      return `kube-schema could not say which versions it carries: ${messageOf(err)}`;
    },
  );
  infos.set(binary, info);
  return info;
}

/**
 * The repository's CRDs for the requests of a run, each with its JSON and contentKey: a session
 * sends them to its process once (under `id`) and names them in later requests; a CRD the
 * process was sent already as a document is named by its key instead of sent again (crdRefs).
 */
export class CrdSet {
  private static next = 0;
  readonly id = `crds-${++CrdSet.next}`;
  readonly entries: readonly SentJson[];

  /**
   * The CRDs, each once (the same CRD read from two places is sent once, in its first place);
   * `sent` gives the JSON (JSON.stringify's) and key made already of a CRD, if any.
   */
  constructor(crds: readonly unknown[], sent?: (crd: unknown) => SentJson | undefined) {
    const byKey = new Map<string, SentJson>();
    for (const c of crds) {
      const known = sent?.(c);
      const json = known?.json ?? JSON.stringify(c);
      const key = known?.key ?? contentKey(json);
      if (!byKey.has(key)) byKey.set(key, { json, key });
    }
    this.entries = [...byKey.values()];
  }

  get size(): number {
    return this.entries.length;
  }
}

export interface SchemaRequest {
  readonly version: string;
  readonly crds?: CrdSet;
  readonly documents: readonly unknown[];
  /** The documents as JSON, when the caller has it already (each JSON.stringify's). */
  readonly json?: readonly string[];
  /** With `json`: each document's contentKey (a CRD among them may then be named later). */
  readonly keys?: readonly string[];
  /**
   * The CRDs are only for the documents with no schema without them (kube-schema validates
   * those again with the CRDs): the answer of asking without CRDs, then again for those.
   */
  readonly crdsIfUnknown?: boolean;
}

/**
 * The environment of a run: nothing of the caller's (no PATH, no proxies, no credentials).
 * bin/portcullis gives its early process the same (test/cli/early-kube-schema.test.ts).
 */
export function runEnvironment(): NodeJS.ProcessEnv {
  return { PATH: "", HOME: "/nonexistent", GOMAXPROCS: "2", HTTPS_PROXY: "http://127.0.0.1:9" };
}

interface Waiting {
  resolve: (a: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One kube-schema process for a run: requests are answered in order, one JSON line each, so the
 * schemas it compiled stay compiled. Each request has a time limit (the process is killed and
 * the next request starts a new one); while nothing is asked the process does not keep Node
 * alive, and it ends when Node's end closes its input.
 */
export class KubeSchemaSession {
  #child: ChildProcessWithoutNullStreams | undefined;
  #waiting: Waiting[] = [];
  #buffer = "";
  #bytes = 0;
  #stderr = "";
  #idle: NodeJS.Timeout | undefined;
  /** The CRD sets the current process was given. */
  #sent = new Set<string>();
  /** The contentKeys of the CRDs the current process was sent as documents. */
  #sentCRDs = new Set<string>();
  /**
   * Whether the binary takes a CRD set's CRDs named by the SHA-256 of JSON sent before (its
   * versions answer says `"crdRefs": true`; an older binary would read a name as a broken CRD).
   */
  crdRefs = false;
  /**
   * The answer to the versions question bin/portcullis asked the process it started (that
   * process's first line), until versions() takes it.
   */
  #askedVersions: Promise<unknown> | undefined;

  constructor(
    private readonly binary: string,
    private readonly timeLimitMs = KUBE_SCHEMA_TIME_LIMIT_MS,
  ) {}

  /** Starts the process ahead of the first request (its start overlaps reading the files). */
  warm(): void {
    this.#start();
    this.#hold(false);
    this.#idleLater();
  }

  /** A process nobody asks anything for IDLE_MS ends (the app's reviews each have their own). */
  #idleLater(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      const child = this.#child;
      if (!child || this.#waiting.length > 0) return;
      this.#child = undefined;
      child.stdin.end();
    }, IDLE_MS);
    this.#idle.unref();
  }

  request(req: SchemaRequest): Promise<SchemaAnswer> {
    return this.#ask(() => this.#line(req)) as Promise<SchemaAnswer>;
  }

  /**
   * What the process carries (as `kube-schema --versions` prints it): asked of it, or, for the
   * process bin/portcullis started, the answer to the question the launcher asked on starting it
   * (answered while Node loads, rather than a round trip once the check is ready to ask).
   */
  versions(): Promise<KubeSchemaInfo | undefined> {
    this.#start();
    const asked = this.#askedVersions;
    this.#askedVersions = undefined;
    if (asked) {
      clearTimeout(this.#idle);
      if (this.#waiting.length > 0) this.#hold(true);
      return asked as Promise<KubeSchemaInfo | undefined>;
    }
    return this.#ask(() => `{"versions":true}\n`, VERSIONS_TIME_LIMIT_MS) as Promise<
      KubeSchemaInfo | undefined
    >;
  }

  /** One line's answer; the line is made once the process is there (it knows what was sent). */
  #ask(line: () => string, timeLimitMs = this.timeLimitMs): Promise<unknown> {
    const child = this.#start();
    clearTimeout(this.#idle);
    const answer = this.#expect(timeLimitMs);
    this.#hold(true);
    child.stdin.write(line());
    return answer;
  }

  /**
   * The answer of the next line asked, within the time limit (whose timer keeps Node alive only
   * when `keep`: an answer nobody awaits yet must not).
   */
  #expect(timeLimitMs: number, keep = true): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.#fail(
            new Error(`kube-schema took longer than ${timeLimitMs / 1000} s and was stopped`),
          ),
        timeLimitMs,
      );
      if (!keep) timer.unref();
      this.#waiting.push({ resolve, reject, timer });
    });
  }

  /**
   * The request's line: its CRDs the first time this process is given them, each in full or, when
   * the process was sent it as a document, named (`"sha256:<key>"`).
   */
  #line(req: SchemaRequest): string {
    let crds = "";
    if (req.crds) {
      crds = `,"crdSet":${JSON.stringify(req.crds.id)}`;
      if (!this.#sent.has(req.crds.id)) {
        const named = (e: SentJson) => this.crdRefs && this.#sentCRDs.has(e.key);
        const list = req.crds.entries.map((e) => (named(e) ? `"sha256:${e.key}"` : e.json));
        crds += `,"crds":[${list.join(",")}]`;
      }
      this.#sent.add(req.crds.id);
      if (req.crdsIfUnknown) crds += `,"crdsIfUnknown":true`;
    }
    const documents = req.json ? `[${req.json.join(",")}]` : JSON.stringify(req.documents);
    if (req.json && req.keys)
      req.documents.forEach((d, i) => isCRD(d) && this.#sentCRDs.add(req.keys![i]!));
    return `{"version":${JSON.stringify(req.version)}${crds},"documents":${documents}}\n`;
  }

  #start(): ChildProcessWithoutNullStreams {
    if (this.#child) return this.#child;
    this.#sent = new Set();
    this.#sentCRDs = new Set();
    this.#askedVersions = undefined;
    const early = earlyProcess(this.binary);
    const child =
      early?.child ??
      spawn(this.binary, [], { env: runEnvironment(), stdio: ["pipe", "pipe", "pipe"] });
    this.#child = child;
    this.#buffer = "";
    this.#bytes = 0;
    this.#stderr = "";
    child.stdout.setEncoding("utf8");
    // A stopped process's output still in the pipe is its own: never the next process's answers.
    child.stdout.on("data", (chunk: string) => {
      if (child === this.#child) this.#receive(chunk);
    });
    child.stderr.on("data", (c: Buffer) => {
      if (this.#stderr.length < 8192) this.#stderr += c.toString("utf8");
    });
    child.on("error", (e) =>
      this.#fail(new Error(`kube-schema could not start: ${e.message}`), child),
    );
    child.on("close", (code) =>
      this.#fail(
        new Error(`kube-schema exited ${code}: ${this.#stderr.trim().split("\n")[0] ?? ""}`),
        child,
      ),
    );
    child.stdin.on("error", () => undefined);
    if (early?.versionsAsked) {
      // Its first line answers the launcher's question (awaited by versions(), if ever).
      const asked = this.#expect(VERSIONS_TIME_LIMIT_MS, false);
      asked.catch(() => undefined);
      this.#askedVersions = asked;
    }
    return child;
  }

  /** Keeps Node alive while an answer is awaited, not while the process idles. */
  #hold(on: boolean): void {
    const child = this.#child;
    if (!child) return;
    const handles = [child, child.stdout, child.stderr, child.stdin] as unknown as {
      ref?: () => void;
      unref?: () => void;
    }[];
    for (const h of handles) (on ? h.ref : h.unref)?.call(h);
  }

  #receive(chunk: string): void {
    this.#bytes += chunk.length;
    if (this.#bytes > MAX_ANSWER_BYTES)
      return this.#fail(new Error("kube-schema printed too much and was stopped"));
    const lines = (this.#buffer + chunk).split("\n");
    this.#buffer = lines.pop()!;
    for (const line of lines) {
      this.#bytes = this.#buffer.length;
      const w = this.#waiting.shift();
      if (!w) continue;
      clearTimeout(w.timer);
      try {
        w.resolve(JSON.parse(line));
      } catch {
        w.reject(new Error("kube-schema printed no answer"));
      }
    }
    if (this.#waiting.length === 0) {
      this.#hold(false);
      this.#idleLater();
    }
  }

  /** Every waiting request fails with `err`; the process is stopped (a later request starts anew). */
  #fail(err: Error, which = this.#child): void {
    if (which !== this.#child || !which) return;
    this.#child = undefined;
    which.kill("SIGKILL");
    for (const w of this.#waiting.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }
}

interface EarlyProcess {
  readonly binary: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** bin/portcullis asked it `{"versions":true}` on starting it (its first line answers that). */
  readonly versionsAsked?: boolean;
}
const EARLY = Symbol.for("portcullis.kubeSchemaEarly");

/**
 * The kube-schema process bin/portcullis started before the bundle loaded (a `check`), taken
 * once: by the first session that names the same binary, while it still runs. Any other is
 * stopped (a session then starts its own, as without it).
 */
function earlyProcess(binary: string): EarlyProcess | undefined {
  const slot = globalThis as { [EARLY]?: EarlyProcess };
  const early = slot[EARLY];
  if (!early) return undefined;
  delete slot[EARLY];
  const { child } = early;
  const running = child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  if (early.binary === binary && running) return early;
  child.kill("SIGKILL");
  return undefined;
}
