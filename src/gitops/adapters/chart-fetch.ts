// Fetches remote Helm charts for a review, outside the render sandbox: a Helm repository's
// index.yaml and archive (HTTP), or an OCI artifact (the distribution API, bearer or basic
// auth). Only allow-listed, pinned charts; every download bounded in bytes and time; every
// archive checked against its digest and kept by digest in a cache shared by reviews and
// replicas (a folder: mount one volume). Credentials come from the operator (a docker
// config.json), never from the repository, and never appear in a message.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import {
  canonicalChart,
  chartAddress,
  isDigest,
  remoteRefusal,
  type RemoteChart,
} from "../remote-charts.js";
import { MAX_TIMER_MS, positiveInteger, SettingError } from "../../core/settings.js";
import { withRegularFile } from "../../adapters/fs/unreadable.js";
import { MAX_RENDER_FILES, MAX_RENDER_INPUT_BYTES } from "../../core/render-limits.js";
import type { ChartFetch, FetchedChart } from "../../ports/manifest-renderer.js";
import { readChartArchive } from "./chart-archive.js";

const HELM_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export interface ChartFetchOptions {
  /** Bytes of one chart archive (and of an index or manifest), at most. */
  readonly maxBytes: number;
  /** Time for one fetch (all its requests), at most. */
  readonly timeoutMs: number;
  /** Where archives are kept by digest. */
  readonly cacheDir: string;
  /** Credentials by registry or repository host (`host[:port]`). */
  readonly credentials: ReadonlyMap<string, string>;
}

/**
 * Options from the environment: PORTCULLIS_CHART_CACHE (default: a folder in the temp dir),
 * PORTCULLIS_CHART_MAX_BYTES (20 MiB), PORTCULLIS_CHART_TIMEOUT_MS (30 s), and
 * PORTCULLIS_REGISTRY_CONFIG: a docker config.json (`{"auths": {"host": {"auth": base64
 * "user:password"}}}` or `username`/`password`), e.g. a mounted Secret, and
 * PORTCULLIS_REGISTRY_AUTHS: the same JSON in the environment.
 */
export function chartFetchOptions(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ChartFetchOptions {
  return {
    ...chartLimits(env),
    cacheDir: env.PORTCULLIS_CHART_CACHE || join(tmpdir(), "portcullis-charts"),
    // A mounted file, or the same JSON in the environment (a Secret as an environment variable).
    credentials: new Map([
      ...(env.PORTCULLIS_REGISTRY_CONFIG ? readCredentials(env.PORTCULLIS_REGISTRY_CONFIG) : []),
      ...(env.PORTCULLIS_REGISTRY_AUTHS ? credentialsOf(env.PORTCULLIS_REGISTRY_AUTHS) : []),
    ]),
  };
}

/**
 * PORTCULLIS_CHART_MAX_BYTES and PORTCULLIS_CHART_TIMEOUT_MS (unset or empty: the defaults); a
 * value that is not a whole number above 0 (or a timeout past what Node's timers take) throws a
 * SettingError naming the variable. The app (at start), review, check --render and the Action
 * read them here.
 */
export function chartLimits(
  env: Readonly<Record<string, string | undefined>>,
): Pick<ChartFetchOptions, "maxBytes" | "timeoutMs"> {
  return {
    maxBytes: positiveInteger(env, "PORTCULLIS_CHART_MAX_BYTES") ?? 20 * 1024 * 1024,
    timeoutMs: positiveInteger(env, "PORTCULLIS_CHART_TIMEOUT_MS", MAX_TIMER_MS) ?? 30_000,
  };
}

/**
 * A docker config.json file's `auths`, as an Authorization value (`Basic ...`) by host. A file that
 * cannot be read or is not one throws a SettingError naming PORTCULLIS_REGISTRY_CONFIG and the
 * file, never its content: without it every private fetch would fail later as "unauthorised".
 */
export function readCredentials(path: string): Map<string, string> {
  // A path with a line break would make the message two lines: shown quoted then.
  const name = `PORTCULLIS_REGISTRY_CONFIG (${/[\u0000-\u001f\u007f]/.test(path) ? JSON.stringify(path) : path})`;
  return credentialsOf(configText(path, name), name);
}

/** A docker config is a few KiB: a larger file is not one (and is not read into memory). */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * The text of the regular file at `path`. Opened without waiting and checked before it is read: a
 * FIFO or a device would be read until a writer came (the start hung), a folder is not a config.
 */
function configText(path: string, name: string): string {
  let text: string | undefined;
  try {
    text = withRegularFile(path, (fd, size) => {
      if (size > MAX_CONFIG_BYTES)
        throw new SettingError(
          `${name} is larger than ${MAX_CONFIG_BYTES} bytes: not a docker config`,
        );
      return readFileSync(fd, "utf8");
    });
  } catch (err) {
    if (err instanceof SettingError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new SettingError(`${name} cannot be read (${code})`);
  }
  if (text === undefined) throw new SettingError(`${name} is not a file`);
  return text;
}

/**
 * The `auths` of a docker config.json text, by host. Text that is not JSON, has no `auths` object,
 * or an entry with neither `auth` nor `username` and `password` (a credential helper's, which is
 * not run here) throws a SettingError naming `name` and the host, never the text (JSON.parse's
 * message quotes it).
 */
export function credentialsOf(
  text: string,
  name = "PORTCULLIS_REGISTRY_AUTHS",
): Map<string, string> {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new SettingError(`${name} is not JSON`);
  }
  const auths = (config as { auths?: unknown } | null)?.auths;
  if (typeof auths !== "object" || auths === null || Array.isArray(auths))
    throw new SettingError(
      `${name} has no auths object (credential helpers and credsStore are not run: give auth, or username and password, by host)`,
    );
  const out = new Map<string, string>();
  for (const [key, entry] of Object.entries(auths as Record<string, Record<string, unknown>>)) {
    // Host names match without case, as in DNS.
    const host = key
      .replace(/^[a-z]+:\/\//i, "")
      .replace(/\/.*$/, "")
      .toLowerCase();
    out.set(host, basicAuth(key, entry, name));
  }
  // `docker login` keeps Docker Hub's under index.docker.io; its charts are pulled from
  // registry-1.docker.io (docker and helm map one to the other). An entry of its own wins.
  const hub = out.get("index.docker.io") ?? out.get("docker.io");
  if (hub && !out.has("registry-1.docker.io")) out.set("registry-1.docker.io", hub);
  return out;
}

/** The Authorization value of a docker config's entry for `key` (named in a refusal, never its secret). */
function basicAuth(key: string, entry: Record<string, unknown> | null, name: string): string {
  if (typeof entry?.auth === "string") {
    // Docker writes "" beside an identity token (a credential helper's login), not run here.
    if (!isBasicAuth(entry.auth))
      throw new SettingError(
        `${name} has an entry for ${JSON.stringify(key)} whose auth is not base64 of user:password`,
      );
    return `Basic ${entry.auth}`;
  }
  if (typeof entry?.username === "string" && typeof entry?.password === "string")
    return `Basic ${Buffer.from(`${entry.username}:${entry.password}`).toString("base64")}`;
  throw new SettingError(
    `${name} has an entry for ${JSON.stringify(key)} with neither auth nor username and password`,
  );
}

/** Whether `auth` is base64 (standard, padded) of `user:password`, as docker's config holds it. */
function isBasicAuth(auth: string): boolean {
  return (
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(auth) &&
    auth !== "" &&
    Buffer.from(auth, "base64").toString("utf8").includes(":")
  );
}

class FetchError extends Error {}

interface Budget {
  readonly signal: AbortSignal;
  readonly maxBytes: number;
}

/** A URL without its user information, for messages. */
function shown(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString();
  } catch {
    return "(an invalid URL)";
  }
}

async function get(
  url: string,
  budget: Budget,
  headers: Record<string, string> = {},
  followRedirects = false,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  let current = url;
  let auth = headers.Authorization;
  for (let hop = 0; hop < 5; hop++) {
    let res: Response;
    try {
      res = await fetch(current, {
        headers: { ...headers, ...(auth ? { Authorization: auth } : {}) },
        redirect: "manual",
        signal: budget.signal,
      });
    } catch (err) {
      throw new FetchError(
        budget.signal.aborted
          ? `${shown(current)} did not answer in time`
          : `${shown(current)} could not be reached (${(err as Error).cause ? String((err as { cause: { code?: string } }).cause.code ?? "") : "network error"})`,
      );
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location && followRedirects) {
      const next = new URL(location, current);
      // Credentials never follow a redirect to another host (blob storage).
      if (next.host !== new URL(current).host) auth = undefined;
      current = next.toString();
      await res.body?.cancel();
      continue;
    }
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > budget.maxBytes) {
      await res.body?.cancel();
      throw new FetchError(
        `${shown(current)} is ${declared} bytes, above the limit of ${budget.maxBytes}`,
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      const reader = res.body?.getReader();
      for (;;) {
        const next = reader ? await reader.read() : { done: true as const, value: undefined };
        if (next.done) break;
        const chunk = next.value;
        size += chunk.byteLength;
        if (size > budget.maxBytes) {
          await reader?.cancel().catch(() => undefined);
          throw new FetchError(
            `${shown(current)} is more than ${budget.maxBytes} bytes, the limit`,
          );
        }
        chunks.push(Buffer.from(chunk));
      }
    } catch (err) {
      if (err instanceof FetchError) throw err;
      throw new FetchError(`${shown(current)} did not answer in time`);
    }
    return { status: res.status, headers: res.headers, body: Buffer.concat(chunks) };
  }
  throw new FetchError(`${shown(url)} redirects too often`);
}

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export class ChartFetcher implements ChartFetch {
  constructor(private readonly options: ChartFetchOptions = chartFetchOptions()) {}

  async fetchChart(
    asWritten: RemoteChart,
    allow: readonly string[],
    plainHttp: readonly string[] = [],
  ): Promise<FetchedChart> {
    const refused = remoteRefusal(asWritten, allow);
    if (refused) return { ok: false, reason: refused };
    // Fetched by its canonical address, the one the allow-list was matched against.
    const chart = canonicalChart(asWritten);
    if ("refusal" in chart) return { ok: false, reason: chart.refusal };
    const budget: Budget = {
      signal: AbortSignal.timeout(this.options.timeoutMs),
      maxBytes: this.options.maxBytes,
    };
    try {
      const { archive, digest } =
        chart.kind === "oci"
          ? await this.fromRegistry(chart, budget, plainHttp)
          : await this.fromRepository(chart, budget);
      const files = readChartArchive(archive, {
        maxBytes: MAX_RENDER_INPUT_BYTES,
        maxFiles: MAX_RENDER_FILES,
      });
      if (typeof files === "string")
        return { ok: false, reason: `${chartAddress(chart)}: ${files}` };
      return { ok: true, files, digest };
    } catch (err) {
      if (!(err instanceof FetchError)) throw err;
      return { ok: false, reason: `${chartAddress(chart)} could not be fetched: ${err.message}` };
    }
  }

  private cached(digest: string): Buffer | undefined {
    try {
      const b = readFileSync(join(this.options.cacheDir, digest.replace(":", "-")));
      return sha256(b) === digest ? b : undefined;
    } catch {
      return undefined;
    }
  }

  private keep(digest: string, archive: Buffer): void {
    try {
      mkdirSync(this.options.cacheDir, { recursive: true });
      const path = join(this.options.cacheDir, digest.replace(":", "-"));
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(tmp, archive);
      renameSync(tmp, path); // atomic: another replica sees all of it or nothing
    } catch {
      // A cache that cannot be written costs a download next time, nothing else.
    }
  }

  /** Downloads (or takes from the cache) an archive whose digest is known, and checks it. */
  private async verified(
    url: string,
    digest: string,
    budget: Budget,
    headers: Record<string, string>,
  ): Promise<Buffer> {
    const hit = this.cached(digest);
    if (hit) return hit;
    const res = await get(url, budget, headers, true);
    if (res.status !== 200) throw new FetchError(`${shown(url)} answered ${res.status}`);
    const actual = sha256(res.body);
    if (actual !== digest)
      throw new FetchError(`digest mismatch: ${shown(url)} has ${actual}, ${digest} was expected`);
    this.keep(digest, res.body);
    return res.body;
  }

  private async fromRepository(
    chart: Extract<RemoteChart, { kind: "http" }>,
    budget: Budget,
  ): Promise<{ archive: Buffer; digest: string }> {
    const base = chart.repository.replace(/\/+$/, "");
    const host = new URL(base).host;
    const auth = this.options.credentials.get(host);
    const headers: Record<string, string> = auth ? { Authorization: auth } : {};
    const index = await get(`${base}/index.yaml`, budget, headers);
    if (index.status !== 200)
      throw new FetchError(`${shown(`${base}/index.yaml`)} answered ${index.status}`);
    let parsed: unknown;
    try {
      parsed = parse(index.body.toString("utf8"), { maxAliasCount: 100 });
    } catch {
      throw new FetchError(`${shown(`${base}/index.yaml`)} is not YAML`);
    }
    const entries = (parsed as { entries?: Record<string, unknown[]> })?.entries?.[chart.chart];
    const want = chart.version.replace(/^v/, "");
    const entry = (Array.isArray(entries) ? entries : []).find(
      (e) => String((e as { version?: unknown }).version ?? "").replace(/^v/, "") === want,
    ) as { urls?: unknown[]; digest?: unknown } | undefined;
    if (!entry)
      throw new FetchError(`${chart.chart} ${chart.version} is not in the repository's index`);
    const first = Array.isArray(entry.urls) ? entry.urls[0] : undefined;
    if (typeof first !== "string")
      throw new FetchError(`the index gives no URL for ${chart.chart}`);
    const digest =
      typeof entry.digest === "string" ? `sha256:${entry.digest.replace(/^sha256:/, "")}` : "";
    if (!isDigest(digest))
      throw new FetchError(`the index gives no sha256 digest for ${chart.chart} ${chart.version}`);
    const url = new URL(first, `${base}/`).toString();
    // The archive may live elsewhere (a CDN): its digest, from the allow-listed index, vouches for it.
    const sameHost = new URL(url).host === host;
    return { archive: await this.verified(url, digest, budget, sameHost ? headers : {}), digest };
  }

  private async fromRegistry(
    chart: Extract<RemoteChart, { kind: "oci" }>,
    budget: Budget,
    plainHttp: readonly string[],
  ): Promise<{ archive: Buffer; digest: string }> {
    const m = /^oci:\/\/([^/]+)\/(.+)$/.exec(chart.url.replace(/\/+$/, ""));
    if (!m) throw new FetchError(`${chart.url} is not an oci:// address`);
    const [, host, name] = m as unknown as [string, string, string];
    const scheme = plainHttp.includes(host) ? "http" : "https";
    const registry = `${scheme}://${host}`;
    const headers: Record<string, string> = { Accept: MANIFEST_TYPES };
    const auth = await this.authorise(host, registry, name, budget);
    if (auth) headers.Authorization = auth;
    const ref = chart.digest ?? chart.tag!;
    const res = await get(`${registry}/v2/${name}/manifests/${ref}`, budget, headers);
    if (res.status !== 200)
      throw new FetchError(`the registry answered ${res.status} for ${name}:${ref}`);
    if (chart.digest && sha256(res.body) !== chart.digest)
      throw new FetchError(
        `digest mismatch: the manifest of ${name} is ${sha256(res.body)}, ${chart.digest} was pinned`,
      );
    let manifest: { layers?: { mediaType?: string; digest?: string; size?: number }[] };
    try {
      manifest = JSON.parse(res.body.toString("utf8"));
    } catch {
      throw new FetchError(`the manifest of ${name}:${ref} is not JSON`);
    }
    const layer = (manifest.layers ?? []).find((l) => l.mediaType === HELM_LAYER);
    if (!layer || !isDigest(layer.digest))
      throw new FetchError(`${name}:${ref} is not a Helm chart (no ${HELM_LAYER} layer)`);
    if ((layer.size ?? 0) > budget.maxBytes)
      throw new FetchError(
        `the chart is ${layer.size} bytes, above the limit of ${budget.maxBytes}`,
      );
    const blob = `${registry}/v2/${name}/blobs/${layer.digest}`;
    return {
      archive: await this.verified(blob, layer.digest, budget, auth ? { Authorization: auth } : {}),
      digest: layer.digest,
    };
  }

  /** The registry's authorisation for pulling `name`: none, basic, or a bearer token it issues. */
  private async authorise(
    host: string,
    registry: string,
    name: string,
    budget: Budget,
  ): Promise<string | undefined> {
    const basic = this.options.credentials.get(host);
    const probe = await get(`${registry}/v2/`, budget, basic ? { Authorization: basic } : {});
    if (probe.status !== 401) return basic;
    const challenge = probe.headers.get("www-authenticate") ?? "";
    if (/^basic/i.test(challenge)) {
      if (!basic)
        throw new FetchError(
          `the registry ${host} needs credentials, and none are configured for it`,
        );
      return basic;
    }
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!.toLowerCase(), x[2]!]),
    );
    if (!/^bearer/i.test(challenge) || !params.realm)
      throw new FetchError(`the registry ${host} asks for an authentication it does not name`);
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set("service", params.service);
    realm.searchParams.set("scope", `repository:${name}:pull`);
    const token = await get(realm.toString(), budget, basic ? { Authorization: basic } : {});
    if (token.status !== 200)
      throw new FetchError(`the registry's token service answered ${token.status}`);
    const body = JSON.parse(token.body.toString("utf8")) as {
      token?: string;
      access_token?: string;
    };
    const value = body.token ?? body.access_token;
    if (!value) throw new FetchError("the registry's token service gave no token");
    return `Bearer ${value}`;
  }
}
