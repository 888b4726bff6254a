// Real chart servers on loopback for the remote-chart tests: the OCI registry built from the Go
// module proxy (tools/registry, go-containerregistry's registry) with charts pushed by the pinned
// helm's own OCI client, and a static HTTP Helm repository (index.yaml and archives).
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { findHelm } from "../../src/gitops/adapters/helm.js";

export const REGISTRY_BINARY = join(packageRoot(), ".tools", "bin", "oci-registry");
export const haveChartTools = () => existsSync(REGISTRY_BINARY) && findHelm() !== undefined;

export const CHART_TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
          securityContext:
            privileged: {{ .Values.securityContext.privileged }}
`;

/** `helm package` of a small chart (name, version), in a fresh folder: the archive's path. */
export function packageChart(name: string, version: string, extra = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-chart-"));
  mkdirSync(join(dir, name, "templates"), { recursive: true });
  writeFileSync(
    join(dir, name, "Chart.yaml"),
    `apiVersion: v2\nname: ${name}\nversion: ${version}\n`,
  );
  writeFileSync(join(dir, name, "values.yaml"), `securityContext:\n  privileged: false\n${extra}`);
  writeFileSync(join(dir, name, "templates", "deploy.yaml"), CHART_TEMPLATE);
  execFileSync(findHelm()!, ["package", name, "-d", dir], { cwd: dir, env: helmEnv(dir) });
  return join(dir, `${name}-${version}.tgz`);
}

function helmEnv(dir: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: dir,
    HELM_CONFIG_HOME: join(dir, ".config"),
    HELM_CACHE_HOME: join(dir, ".cache"),
    HELM_DATA_HOME: join(dir, ".data"),
  };
}

export interface Registry {
  readonly address: string;
  /** Pushes a packaged chart with helm's OCI client; the manifest digest helm reports. */
  push(archive: string, path: string): string;
  stop(): void;
}

export async function startRegistry(): Promise<Registry> {
  const child: ChildProcess = spawn(REGISTRY_BINARY, [], { stdio: ["pipe", "pipe", "ignore"] });
  const address = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(out.trim());
    });
    child.on("error", reject);
  });
  return {
    address,
    push: (archive, path) => {
      const dir = mkdtempSync(join(tmpdir(), "portcullis-push-"));
      const r = spawnSync(
        findHelm()!,
        ["push", archive, `oci://${address}/${path}`, "--plain-http"],
        { env: helmEnv(dir), encoding: "utf8" },
      );
      const all = `${r.stdout}${r.stderr}`;
      return /Digest: (sha256:[0-9a-f]{64})/.exec(all)?.[1] ?? "";
    },
    stop: () => {
      child.stdin!.end();
      child.kill();
    },
  };
}

export interface StaticServer {
  readonly url: string;
  readonly requests: string[];
  stop(): Promise<void>;
}

/** An HTTP server of fixed files (path -> bytes); `hang` answers nothing; `auth` requires it. */
export async function staticServer(
  files: Record<string, Uint8Array | string>,
  options: { hang?: boolean; auth?: string } = {},
): Promise<StaticServer> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? "");
    if (options.hang) return; // never answers
    if (options.auth && req.headers.authorization !== options.auth) {
      res.writeHead(401).end();
      return;
    }
    const body = files[(req.url ?? "").split("?")[0]!];
    if (body === undefined) res.writeHead(404).end();
    else res.writeHead(200).end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A Helm repository's index.yaml for archives at `/<file>` with their sha256 digests. */
export function indexYaml(
  entries: { name: string; version: string; file: string; bytes: Uint8Array; digest?: string }[],
): string {
  const lines = ["apiVersion: v1", "entries:"];
  for (const name of new Set(entries.map((e) => e.name))) {
    lines.push(`  ${name}:`);
    for (const e of entries.filter((x) => x.name === name))
      lines.push(
        `    - name: ${name}`,
        `      version: ${e.version}`,
        `      digest: ${e.digest ?? createHash("sha256").update(e.bytes).digest("hex")}`,
        `      urls: [${e.file}]`,
      );
  }
  return `${lines.join("\n")}\n`;
}

export const read = (path: string) => new Uint8Array(readFileSync(path));
