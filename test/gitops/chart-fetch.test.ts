// Remote charts against real servers on loopback: the OCI registry (built from the Go module
// proxy, charts pushed with the pinned helm's OCI client) and a static HTTP Helm repository.
import { execFileSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { SettingError } from "../../src/core/settings.js";
import { readChartArchive } from "../../src/gitops/adapters/chart-archive.js";
import {
  ChartFetcher,
  chartFetchOptions,
  credentialsOf,
  readCredentials,
} from "../../src/gitops/adapters/chart-fetch.js";
import {
  haveChartTools,
  indexYaml,
  packageChart,
  read,
  startRegistry,
  staticServer,
  type Registry,
} from "../support/chart-servers.js";

if (!haveChartTools())
  process.stderr.write(
    "the loopback OCI registry or helm is not built: run `npm run build:registry` and `npm run build:helm` (remote chart tests skipped)\n",
  );
const withTools = haveChartTools() ? describe : describe.skip;

const fetcher = (options: Partial<ConstructorParameters<typeof ChartFetcher>[0]> = {}) =>
  new ChartFetcher({
    maxBytes: 1024 * 1024,
    timeoutMs: 5_000,
    cacheDir: mkdtempSync(join(tmpdir(), "portcullis-chart-cache-")),
    credentials: new Map(),
    ...options,
  });

withTools("remote charts from an OCI registry", () => {
  let registry: Registry;
  let digest: string;
  beforeAll(async () => {
    registry = await startRegistry();
    digest = registry.push(packageChart("web", "1.2.3"), "charts");
  });
  afterAll(() => registry.stop());
  const url = () => `oci://${registry.address}/charts/web`;
  const allow = () => [`oci://${registry.address}/charts`];
  const plain = () => [registry.address];

  it("fetches an allow-listed chart pinned by tag, and keeps it by digest in the cache", async () => {
    const f = fetcher();
    const out = await f.fetchChart({ kind: "oci", url: url(), tag: "1.2.3" }, allow(), plain());
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect([...out.files.keys()].sort()).toEqual([
      "web/Chart.yaml",
      "web/templates/deploy.yaml",
      "web/values.yaml",
    ]);
    expect(out.digest).toMatch(/^sha256:/);
    const cache = (f as unknown as { options: { cacheDir: string } }).options.cacheDir;
    expect(readdirSync(cache)).toEqual([out.digest.replace(":", "-")]);
  });

  it("fetches by the manifest digest helm reported, and refuses a digest the registry does not match", async () => {
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const ok = await fetcher().fetchChart({ kind: "oci", url: url(), digest }, allow(), plain());
    expect(ok.ok).toBe(true);
    // A registry that serves other bytes than those pinned (the manifest, then a layer).
    const manifest = JSON.stringify({
      schemaVersion: 2,
      layers: [
        {
          mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
          digest: `sha256:${"1".repeat(64)}`,
          size: 10,
        },
      ],
    });
    const manifestDigest = `sha256:${createHash("sha256").update(manifest).digest("hex")}`;
    const liar = await staticServer({
      "/v2/": "{}",
      [`/v2/charts/web/manifests/${digest}`]: manifest,
      [`/v2/charts/web/manifests/${manifestDigest}`]: manifest,
      [`/v2/charts/web/blobs/sha256:${"1".repeat(64)}`]: "other bytes",
    });
    const host = liar.url.slice(7);
    try {
      const pinned = await fetcher().fetchChart(
        { kind: "oci", url: `oci://${host}/charts/web`, digest },
        [`oci://${host}`],
        [host],
      );
      expect(pinned).toEqual({
        ok: false,
        reason: expect.stringMatching(/digest mismatch: the manifest of charts\/web is sha256:/),
      });
      const layer = await fetcher().fetchChart(
        { kind: "oci", url: `oci://${host}/charts/web`, digest: manifestDigest },
        [`oci://${host}`],
        [host],
      );
      expect(layer).toEqual({
        ok: false,
        reason: expect.stringMatching(/digest mismatch: .*blobs/),
      });
    } finally {
      await liar.stop();
    }
  });

  it("refuses a chart over the size limit", async () => {
    const big = registry.push(
      packageChart("big", "1.0.0", `blob: ${randomBytes(50_000).toString("base64")}\n`),
      "charts",
    );
    expect(big).not.toBe("");
    const out = await fetcher({ maxBytes: 2_000 }).fetchChart(
      { kind: "oci", url: `oci://${registry.address}/charts/big`, tag: "1.0.0" },
      allow(),
      plain(),
    );
    expect(out).toEqual({
      ok: false,
      reason: expect.stringMatching(/above the limit of 2000|more than 2000 bytes/),
    });
  });

  it("never contacts a registry that is not on the allow-list, nor fetches an unpinned chart", async () => {
    const server = await staticServer({});
    try {
      const out = await fetcher().fetchChart(
        { kind: "oci", url: `oci://${server.url.slice(7)}/charts/web`, tag: "1.2.3" },
        allow(),
        [server.url.slice(7)],
      );
      expect(out).toEqual({ ok: false, reason: expect.stringMatching(/not on the allow-list/) });
      const unpinned = await fetcher().fetchChart(
        { kind: "oci", url: url(), tag: "latest" },
        allow(),
        plain(),
      );
      expect(unpinned).toEqual({ ok: false, reason: expect.stringMatching(/not pinned/) });
      // A prefix matches at a path boundary only.
      const lookalike = await fetcher().fetchChart(
        { kind: "oci", url: `oci://${registry.address}/charts-evil/web`, tag: "1.2.3" },
        allow(),
        plain(),
      );
      expect(lookalike.ok).toBe(false);
      expect(server.requests).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it("matches the allow-list against the address it fetches: dot segments and escapes never climb out of the allowed prefix", async () => {
    // What a bypass would reach is really there: a fetch of it would succeed.
    registry.push(packageChart("web", "1.2.3"), "evil");
    registry.push(packageChart("web", "1.2.3"), "evil2");
    const acme = [`oci://${registry.address}/acme/charts`];
    for (const path of [
      "acme/charts/../../evil/web",
      "acme/charts/%2e%2e/%2e%2e/evil2/web",
      "acme/charts/%2E%2E/%2e%2E/evil/web",
    ]) {
      const out = await fetcher().fetchChart(
        { kind: "oci", url: `oci://${registry.address}/${path}`, tag: "1.2.3" },
        acme,
        plain(),
      );
      expect(out).toEqual({ ok: false, reason: expect.stringMatching(/not on the allow-list/) });
      // The message names the address that would have been fetched, not the text as written.
      if (!out.ok) expect(out.reason).toContain(`oci://${registry.address}/evil`);
    }
    // What stays ambiguous after one decoding (an escaped slash, a double escape) is refused.
    for (const path of ["acme/charts/..%2f..%2fevil/web", "acme/charts/%252e%252e/evil/web"]) {
      const out = await fetcher().fetchChart(
        { kind: "oci", url: `oci://${registry.address}/${path}`, tag: "1.2.3" },
        acme,
        plain(),
      );
      expect(out).toEqual({ ok: false, reason: expect.stringMatching(/is ambiguous/) });
    }
    // A dot segment that stays inside the allowed prefix is resolved and fetched.
    const inside = await fetcher().fetchChart(
      { kind: "oci", url: `oci://${registry.address}/charts/./x/../web`, tag: "1.2.3" },
      allow(),
      plain(),
    );
    expect(inside.ok).toBe(true);
  });

  it("matches an HTTP repository by its resolved address too", async () => {
    const archive = read(packageChart("web", "3.0.0"));
    const server = await staticServer({
      "/evil/index.yaml": indexYaml([
        { name: "web", version: "3.0.0", file: "web-3.0.0.tgz", bytes: archive },
      ]),
      "/evil/web-3.0.0.tgz": archive,
    });
    try {
      for (const repository of [
        `${server.url}/charts/../evil`,
        `${server.url}/charts/%2e%2e/evil`,
      ]) {
        const out = await fetcher().fetchChart(
          { kind: "http", repository, chart: "web", version: "3.0.0" },
          [`${server.url}/charts`],
        );
        expect(out).toEqual({ ok: false, reason: expect.stringMatching(/not on the allow-list/) });
        if (!out.ok) expect(out.reason).toContain(`${server.url}/evil/web:3.0.0`);
      }
      const dotted = await fetcher().fetchChart(
        { kind: "http", repository: `${server.url}/charts`, chart: "..", version: "3.0.0" },
        [`${server.url}/charts`],
      );
      expect(dotted).toEqual({ ok: false, reason: expect.stringMatching(/is ambiguous/) });
      expect(server.requests).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it("gives up on a registry that hangs, within the time limit", async () => {
    const server = await staticServer({}, { hang: true });
    const host = server.url.slice(7);
    try {
      const started = Date.now();
      const out = await fetcher({ timeoutMs: 500 }).fetchChart(
        { kind: "oci", url: `oci://${host}/charts/web`, tag: "1.2.3" },
        [`oci://${host}`],
        [host],
      );
      expect(out).toEqual({ ok: false, reason: expect.stringMatching(/did not answer in time/) });
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await server.stop();
    }
  });
});

withTools("remote charts from an HTTP Helm repository", () => {
  it("fetches the exact version the index lists, checks its digest, and sends credentials without ever showing them", async () => {
    const archive = read(packageChart("web", "2.0.0"));
    const auth = `Basic ${Buffer.from("robot:s3cret-password").toString("base64")}`;
    const server = await staticServer(
      {
        "/index.yaml": indexYaml([
          { name: "web", version: "2.0.0", file: "web-2.0.0.tgz", bytes: archive },
          {
            name: "web",
            version: "2.0.1",
            file: "web-2.0.0.tgz",
            bytes: archive,
            digest: "ab".repeat(32),
          },
        ]),
        "/web-2.0.0.tgz": archive,
      },
      { auth },
    );
    const host = server.url.slice(7);
    try {
      const chart = (version: string) => ({
        kind: "http" as const,
        repository: server.url,
        chart: "web",
        version,
      });
      const without = await fetcher().fetchChart(chart("2.0.0"), [server.url]);
      expect(without).toEqual({ ok: false, reason: expect.stringMatching(/answered 401/) });
      // Credentials from a mounted docker config.json, never from the repository.
      const dir = mkdtempSync(join(tmpdir(), "portcullis-creds-"));
      writeFileSync(
        join(dir, "config.json"),
        JSON.stringify({ auths: { [host]: { username: "robot", password: "s3cret-password" } } }),
      );
      const credentials = readCredentials(join(dir, "config.json"));
      // The same JSON from the environment gives the same credentials.
      expect(
        chartFetchOptions({
          PORTCULLIS_REGISTRY_AUTHS: JSON.stringify({
            auths: {
              [`https://${host}`]: {
                auth: Buffer.from("robot:s3cret-password").toString("base64"),
              },
            },
          }),
        }).credentials,
      ).toEqual(credentials);
      const ok = await fetcher({ credentials }).fetchChart(chart("2.0.0"), [server.url]);
      expect(ok.ok).toBe(true);
      const mismatch = await fetcher({ credentials }).fetchChart(chart("2.0.1"), [server.url]);
      expect(mismatch).toEqual({ ok: false, reason: expect.stringMatching(/digest mismatch/) });
      expect(JSON.stringify([without, mismatch])).not.toMatch(/s3cret|cm9ib3Q6/);
      const range = await fetcher({ credentials }).fetchChart(chart(">=2.0.0"), [server.url]);
      expect(range).toEqual({
        ok: false,
        reason: expect.stringMatching(/not pinned to an exact version/),
      });
    } finally {
      await server.stop();
    }
  });
});

/** A gzipped tar of entries (name, type flag, content), as a hostile chart server would send. */
function tgz(entries: { name: string; type?: string; body?: string }[]): Uint8Array {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? "");
    const header = Buffer.alloc(512);
    header.write(e.name, 0, 100);
    header.write(body.length.toString(8).padStart(11, "0"), 124, 12);
    header.write(e.type ?? "0", 156, 1);
    header.write("ustar", 257, 6);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

describe("a chart archive", () => {
  const limits = { maxBytes: 1024 * 1024, maxFiles: 10 };
  it("is read into its regular files", () => {
    const files = readChartArchive(tgz([{ name: "web/Chart.yaml", body: "name: web\n" }]), limits);
    expect(files).toEqual(
      new Map([["web/Chart.yaml", new Uint8Array(Buffer.from("name: web\n"))]]),
    );
  });

  it("is refused when it holds a path outside the chart, an absolute path, a link, or too much", () => {
    expect(readChartArchive(tgz([{ name: "../evil.yaml", body: "x" }]), limits)).toMatch(
      /outside the chart/,
    );
    expect(readChartArchive(tgz([{ name: "/etc/passwd", body: "x" }]), limits)).toMatch(
      /outside the chart/,
    );
    expect(readChartArchive(tgz([{ name: "web/link", type: "2" }]), limits)).toMatch(
      /not a regular file/,
    );
    expect(
      readChartArchive(tgz([{ name: "web/a", body: "x".repeat(5000) }]), {
        ...limits,
        maxBytes: 1000,
      }),
    ).toMatch(/more than 1000 bytes/);
    const many = Array.from({ length: 11 }, (_, i) => ({ name: `web/${i}`, body: "x" }));
    expect(readChartArchive(tgz(many), limits)).toMatch(/more than 10 files/);
    expect(readChartArchive(new Uint8Array([1, 2, 3]), limits)).toBe(
      "the chart archive is not gzip",
    );
  });
});

// PORTCULLIS_CHART_MAX_BYTES and PORTCULLIS_CHART_TIMEOUT_MS: one strict reader for the app, review,
// check --render and the Action. A value it cannot take used to fall back to the default in
// silence ("10MB" fetched up to 20 MiB), and a timeout above 2^31-1 ms became 1 ms in Node's timers.
describe("the chart fetch settings", () => {
  it("take a whole number above 0, and the defaults when unset or empty", () => {
    expect(
      chartFetchOptions({
        PORTCULLIS_CHART_MAX_BYTES: "1048576",
        PORTCULLIS_CHART_TIMEOUT_MS: " 5000 ",
      }),
    ).toMatchObject({ maxBytes: 1048576, timeoutMs: 5000 });
    expect(chartFetchOptions({})).toMatchObject({ maxBytes: 20 * 1024 * 1024, timeoutMs: 30_000 });
    expect(chartFetchOptions({ PORTCULLIS_CHART_MAX_BYTES: "" })).toMatchObject({
      maxBytes: 20 * 1024 * 1024,
    });
  });

  it.each([
    ["PORTCULLIS_CHART_MAX_BYTES", "10MB", "a whole number above 0"],
    ["PORTCULLIS_CHART_MAX_BYTES", "-1", "a whole number above 0"],
    ["PORTCULLIS_CHART_MAX_BYTES", "0x10", "a whole number above 0"],
    ["PORTCULLIS_CHART_MAX_BYTES", "0", "a whole number above 0"],
    ["PORTCULLIS_CHART_MAX_BYTES", "1e6", "a whole number above 0"],
    ["PORTCULLIS_CHART_MAX_BYTES", "99999999999999999999", "at most 9007199254740991"],
    ["PORTCULLIS_CHART_TIMEOUT_MS", "30s", "a whole number above 0"],
    ["PORTCULLIS_CHART_TIMEOUT_MS", "1.5", "a whole number above 0"],
    ["PORTCULLIS_CHART_TIMEOUT_MS", "3000000000", "at most 2147483647"],
  ])("refuse %s=%s in one line", (name, value, what) => {
    expect(() => chartFetchOptions({ [name]: value })).toThrow(
      `${name} must be ${what}, not ${JSON.stringify(value)}`,
    );
  });
});

describe("the registry credentials settings", () => {
  const secret = "s3cret-password";
  const config = (text: string): string => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-creds-"));
    writeFileSync(join(dir, "config.json"), text);
    return join(dir, "config.json");
  };

  it.each([
    ["a file that does not exist", () => "/nonexistent/portcullis/config.json", "cannot be read"],
    ["a file that is not JSON", () => config(`{"auths": ${secret}`), "is not JSON"],
    ["JSON without auths", () => config(`{"credsStore": "desktop"}`), "has no auths object"],
    [
      "an entry with neither auth nor username and password",
      () => config(JSON.stringify({ auths: { "r.example": { password: secret } } })),
      'has an entry for "r.example" with neither auth nor username and password',
    ],
    // Docker writes `"auth": ""` beside an identity token (a credential helper's login): sent as
    // "Basic " it failed every fetch as unauthorised, as a missing file did.
    [
      "an entry whose auth is empty (an identity token's)",
      () => config(JSON.stringify({ auths: { "r.example": { auth: "", identitytoken: secret } } })),
      'has an entry for "r.example" whose auth is not base64 of user:password',
    ],
    [
      "an entry whose auth is not base64 of user:password",
      () => config(JSON.stringify({ auths: { "r.example": { auth: secret } } })),
      'has an entry for "r.example" whose auth is not base64 of user:password',
    ],
    ["a folder", () => mkdtempSync(join(tmpdir(), "portcullis-creds-")), "is not a file"],
    [
      "a file larger than 1 MiB",
      () => config(`{"auths": {}, "pad": "${secret.repeat(80_000)}"}`),
      "is larger than 1048576 bytes: not a docker config",
    ],
  ])(
    "PORTCULLIS_REGISTRY_CONFIG: %s is refused in one line, without the secret",
    (_, path, what) => {
      const file = path();
      const run = () => chartFetchOptions({ PORTCULLIS_REGISTRY_CONFIG: file });
      expect(run).toThrow(SettingError);
      expect(run).toThrow(`PORTCULLIS_REGISTRY_CONFIG (${file}) ${what}`);
      expect(() => run()).not.toThrow(new RegExp(secret));
    },
  );

  // A FIFO (or a device) was read until a writer came: the app's start, check --render, review
  // and the Action hung. A writer opens it after 3 s here, so a hang shows as a wrong answer.
  it("PORTCULLIS_REGISTRY_CONFIG: a FIFO is refused at once, not read", () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-creds-"));
    const fifo = join(dir, "config.json");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn("sh", ["-c", 'sleep 3; exec 3>"$0"', fifo], { stdio: "ignore" });
    try {
      const started = Date.now();
      expect(() => readCredentials(fifo)).toThrow(
        `PORTCULLIS_REGISTRY_CONFIG (${fifo}) is not a file`,
      );
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      writer.kill("SIGKILL");
    }
  });

  it("PORTCULLIS_REGISTRY_CONFIG: a path with a line break is named in one line", () => {
    const path = join(tmpdir(), "portcullis-creds\nportcullis: injected");
    expect(() => readCredentials(path)).toThrow(
      `PORTCULLIS_REGISTRY_CONFIG (${JSON.stringify(path)}) cannot be read (ENOENT)`,
    );
  });

  // `docker login` keeps Docker Hub's credentials under https://index.docker.io/v1/, and Helm
  // charts on Docker Hub are pulled from oci://registry-1.docker.io (docker and helm map one to
  // the other): they were not sent there, and a private chart failed as "needs credentials, and
  // none are configured for it". Host names are matched without case, as DNS does.
  it("Docker Hub's docker login entry is sent to registry-1.docker.io; hosts match without case", () => {
    const auth = Buffer.from("robot:pw").toString("base64");
    const creds = credentialsOf(
      JSON.stringify({
        auths: { "https://index.docker.io/v1/": { auth }, "Registry.Example.COM:5000": { auth } },
      }),
    );
    expect(creds.get("registry-1.docker.io")).toBe(`Basic ${auth}`);
    expect(creds.get("index.docker.io")).toBe(`Basic ${auth}`);
    expect(creds.get("registry.example.com:5000")).toBe(`Basic ${auth}`);
  });

  it("PORTCULLIS_REGISTRY_AUTHS that is not a docker config is refused without its text", () => {
    const run = () => chartFetchOptions({ PORTCULLIS_REGISTRY_AUTHS: `{"auths": ${secret}` });
    expect(run).toThrow("PORTCULLIS_REGISTRY_AUTHS is not JSON");
    expect(() => run()).not.toThrow(new RegExp(secret));
  });
});
