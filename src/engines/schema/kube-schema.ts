// The kube-schema process (tools/kube-schema, Go): Kubernetes' own validation of objects against
// the schemas of a Kubernetes version and CRDs. Found as $PORTCULLIS_KUBE_SCHEMA (empty: off),
// then the one `npm run build` made (.tools/bin/kube-schema), then PATH. One run per batch of
// documents: the schemas it needs are compiled once in it, and it is stopped at a time limit.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { packageRoot } from "../../adapters/fs/policy-bundle.js";
import type { JsonPath } from "../../core/types.js";

/** How long one batch (at most EVALUATION_CHUNK_BYTES of documents) may take. */
export const KUBE_SCHEMA_TIME_LIMIT_MS = 120_000;
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

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

const infos = new Map<string, KubeSchemaInfo | string>();

/** What the binary carries (`kube-schema --versions`), or why it cannot say. */
export function kubeSchemaInfo(binary: string): KubeSchemaInfo | string {
  const known = infos.get(binary);
  if (known) return known;
  const r = spawnSync(binary, ["--versions"], { encoding: "utf8", timeout: 30_000 });
  let info: KubeSchemaInfo | string;
  try {
    info =
      r.status === 0
        ? (JSON.parse(r.stdout) as KubeSchemaInfo)
        : `kube-schema --versions failed: ${(r.stderr || r.error?.message || "").trim().split("\n")[0]}`;
  } catch {
    info = "kube-schema --versions printed no answer";
  }
  infos.set(binary, info);
  return info;
}

/** The environment of a run: nothing of the caller's (no PATH, no proxies, no credentials). */
function runEnvironment(): NodeJS.ProcessEnv {
  return { PATH: "", HOME: "/nonexistent", GOMAXPROCS: "2", HTTPS_PROXY: "http://127.0.0.1:9" };
}

/** One request to a fresh process: the documents (JSON values) against `version` and `crds`. */
export function runKubeSchema(
  binary: string,
  request: { version: string; crds: readonly unknown[]; documents: readonly unknown[] },
  timeLimitMs = KUBE_SCHEMA_TIME_LIMIT_MS,
): Promise<SchemaAnswer> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [], {
      env: runEnvironment(),
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const out: Buffer[] = [];
    let bytes = 0;
    let stderr = "";
    let stopped: string | undefined;
    const stop = (why: string) => {
      stopped ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(
      () =>
        stop(`kube-schema took longer than ${Math.round(timeLimitMs / 1000)} s and was stopped`),
      timeLimitMs,
    );
    child.stdout.on("data", (c: Buffer) => {
      bytes += c.length;
      if (bytes > MAX_ANSWER_BYTES) stop("kube-schema printed too much and was stopped");
      else out.push(c);
    });
    child.stderr.on("data", (c: Buffer) => {
      if (stderr.length < 8192) stderr += c.toString("utf8");
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`kube-schema could not start: ${e.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      if (stopped) return reject(new Error(stopped));
      if (code !== 0)
        return reject(
          new Error(`kube-schema exited ${code}: ${stderr.trim().split("\n")[0] ?? ""}`),
        );
      try {
        resolve(JSON.parse(Buffer.concat(out).toString("utf8")) as SchemaAnswer);
      } catch {
        reject(new Error("kube-schema printed no answer"));
      }
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(`${JSON.stringify(request)}\n`);
  });
}
