// The consumers' own readers (tools/yaml-oracle, Go): what kubectl and Argo CD (apimachinery +
// sigs.k8s.io/yaml) and kustomize and Flux (kyaml) decode from a file. Found as
// $PORTCULLIS_YAML_ORACLE, then the one `npm run build` made (.tools/bin/yaml-oracle), then PATH.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One consumer's reading: its documents as JSON values (empty and null ones skipped), or its error. */
export interface ConsumerReading {
  readonly docs: readonly unknown[];
  readonly error?: string;
}

export interface OracleReading {
  /** kubectl and Argo CD. */
  readonly kube: ConsumerReading;
  /** kustomize and Flux. */
  readonly kyaml: ConsumerReading;
  /** Both read the same documents, or both refused the file. */
  readonly agree: boolean;
  /** Where they part: the document (counting non-empty ones) then the JSON path. */
  readonly path?: readonly (string | number)[];
  readonly kubeValue?: { value?: unknown; missing?: string };
  readonly kyamlValue?: { value?: unknown; missing?: string };
}

/** The oracle could not answer (it crashed, timed out or printed nonsense): never a pass. */
export interface OracleFailure {
  readonly failed: string;
}

/** How long one file may take in the oracle; a larger file under the 4 MiB cap takes ~1 s. */
const ORACLE_TIMEOUT_MS = 60_000;

let cached: { path: string | undefined } | undefined;

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The oracle binary, or undefined when this installation has none (a Node-only install). */
export function oraclePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PORTCULLIS_YAML_ORACLE !== undefined) {
    // An empty value switches the oracle off (tests of the Node-only behaviour).
    return env.PORTCULLIS_YAML_ORACLE === "" ? undefined : env.PORTCULLIS_YAML_ORACLE;
  }
  if (cached) return cached.path;
  const candidates = [join(packageRoot(), ".tools", "bin", "yaml-oracle")];
  for (const dir of (env.PATH ?? "").split(delimiter))
    if (dir) candidates.push(join(dir, "yaml-oracle"));
  cached = { path: candidates.find((c) => existsSync(c)) };
  return cached.path;
}

/** Answers kept for texts read again (a base and a head, the two reads of a test), by size. */
const answers = new Map<string, OracleReading>();
const MAX_CACHED_CHARS = 32 * 1024 * 1024;
let cachedChars = 0;

function remember(text: string, reading: OracleReading): void {
  if (text.length > MAX_CACHED_CHARS / 4) return;
  answers.set(text, reading);
  cachedChars += text.length;
  for (const [old] of answers) {
    if (cachedChars <= MAX_CACHED_CHARS) break;
    answers.delete(old);
    cachedChars -= old.length;
  }
}

/** What the consumers read from `text`, or undefined without an oracle. */
export function oracleRead(text: string): OracleReading | OracleFailure | undefined {
  const binary = oraclePath();
  if (!binary) return undefined;
  const known = answers.get(text);
  if (known) return known;
  const reading = spawnOracle(binary, text);
  if (!("failed" in reading)) remember(text, reading);
  return reading;
}

function spawnOracle(binary: string, text: string): OracleReading | OracleFailure {
  const r = spawnSync(binary, [], {
    input: `${JSON.stringify({ id: 0, text })}\n`,
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    timeout: ORACLE_TIMEOUT_MS,
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (r.error) return { failed: r.error.message };
  if (r.status !== 0) return { failed: (r.stderr || `exit ${r.status}`).trim().split("\n")[0]! };
  try {
    return JSON.parse(r.stdout) as OracleReading;
  } catch {
    return { failed: "the oracle printed no answer" };
  }
}
