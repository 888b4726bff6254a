// The kustomize adapter: renders with origin annotations, and never fetches, executes or overruns.
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findKustomize, KustomizeRenderer } from "../../src/gitops/adapters/kustomize.js";
import { recordingServer } from "../support/recording-server.js";

const kustomize = findKustomize();
const haveKustomize = kustomize !== undefined;
if (!haveKustomize)
  process.stderr.write(
    "kustomize is not built: run `npm run build:render` (renderer tests skipped)\n",
  );
const withKustomize = haveKustomize ? describe : describe.skip;

const files = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([p, t]) => [p, new TextEncoder().encode(t)]));

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "portcullis-kustomize-test-"));
}

withKustomize("KustomizeRenderer", () => {
  const renderer = new KustomizeRenderer();

  it("renders an overlay with origin annotations relative to the wrapper", async () => {
    const outcome = await renderer.renderKustomization({
      dir: "overlays/prod",
      files: files({
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": DEPLOYMENT,
        "overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n",
      }),
    });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.originRoot).toBe(".portcullis-render");
    expect(outcome.yaml).toContain("namespace: prod");
    expect(outcome.yaml).toContain("path: ../base/deployment.yaml");
  });

  it("reports kustomize's error without the temporary directory", async () => {
    const outcome = await renderer.renderKustomization({
      dir: "app",
      files: files({ "app/kustomization.yaml": "resources: [missing.yaml]\n" }),
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.reason).toBe("failed");
    expect(outcome.message).toContain("missing.yaml");
    expect(outcome.message).not.toContain(tmpdir());
  });

  it("refuses a path that leaves the repository before writing anything", async () => {
    const outcome = await renderer.renderKustomization({
      dir: "app",
      files: files({ "../escape.yaml": DEPLOYMENT, "app/kustomization.yaml": "resources: []\n" }),
    });
    expect(outcome).toMatchObject({ ok: false, reason: "failed" });
  });

  it("never runs an exec KRM function, even when asked to directly", async () => {
    const dir = scratch();
    const marker = join(dir, "ran");
    const script = join(dir, "plugin.sh");
    writeFileSync(script, `#!/bin/sh\ntouch ${marker}\ncat\n`);
    chmodSync(script, 0o755);
    const outcome = await renderer.renderKustomization({
      dir: "app",
      files: files({
        "app/kustomization.yaml": "generators: [gen.yaml]\n",
        "app/gen.yaml": `apiVersion: example.com/v1
kind: Generator
metadata:
  name: gen
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ${script}
`,
      }),
    });
    expect(outcome.ok).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it("fetches no remote base, even when asked to directly", async () => {
    const { url, requests, close } = await recordingServer(DEPLOYMENT);
    try {
      const outcome = await renderer.renderKustomization({
        dir: "app",
        files: files({ "app/kustomization.yaml": `resources: [${url}/base.yaml]\n` }),
      });
      expect(outcome.ok).toBe(false);
      // With a network namespace even the loopback is unreachable; without one, kustomize's
      // HTTP client skips the (closed) proxy for 127.0.0.1, so only the namespace can prove it.
      if ((await renderer.describe()).includes("without network")) expect(requests).toEqual([]);
    } finally {
      close();
    }
  });
});

describe("KustomizeRenderer limits", () => {
  function fakeKustomize(body: string): string {
    const dir = scratch();
    const path = join(dir, "kustomize");
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }
  const build = { dir: "app", files: files({ "app/kustomization.yaml": "resources: []\n" }) };

  it("stops a build that runs past the time limit", async () => {
    const renderer = new KustomizeRenderer({
      binary: fakeKustomize("exec /bin/sleep 10"),
      timeLimitMs: 300,
    });
    const started = Date.now();
    const outcome = await renderer.renderKustomization(build);
    expect(outcome).toMatchObject({ ok: false, reason: "timeout" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("stops a build whose output passes the cap", async () => {
    const renderer = new KustomizeRenderer({
      binary: fakeKustomize("while :; do echo 'kind: ConfigMap'; done"),
      maxOutputBytes: 10_000,
    });
    const outcome = await renderer.renderKustomization(build);
    expect(outcome).toMatchObject({ ok: false, reason: "output-too-large" });
  });

  it("gives the fake binary no PATH: it cannot start git or curl", async () => {
    const renderer = new KustomizeRenderer({
      binary: fakeKustomize('echo "PATH=[$PATH] HTTPS_PROXY=$HTTPS_PROXY"'),
    });
    const outcome = await renderer.renderKustomization(build);
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.yaml.trim()).toBe("PATH=[] HTTPS_PROXY=http://127.0.0.1:9");
  });

  it("says so, as a failure, when kustomize is not installed", async () => {
    const renderer = new KustomizeRenderer({ binary: "" });
    const outcome = await renderer.renderKustomization(build);
    expect(outcome).toMatchObject({ ok: false, reason: "unavailable" });
  });
});

withKustomize("KustomizeRenderer at the repository root", () => {
  it("builds the root kustomization itself, with origins relative to the root", async () => {
    const outcome = await new KustomizeRenderer().renderKustomization({
      dir: "",
      files: files({
        "kustomization.yaml": "resources:\n  - base\n",
        "base/kustomization.yaml": "resources: [deployment.yaml]\n",
        "base/deployment.yaml": DEPLOYMENT,
      }),
    });
    expect(outcome).toMatchObject({ ok: true, originRoot: "" });
    if (outcome.ok) expect(outcome.yaml).toContain("path: base/deployment.yaml");
  });
});

withKustomize("KustomizeRenderer with a generated root kustomization", () => {
  it("adds the origin annotations to a JSON kustomization too", async () => {
    const outcome = await new KustomizeRenderer().renderKustomization({
      dir: "",
      files: files({
        "kustomization.yaml": JSON.stringify({ resources: ["./deployment.yaml"] }),
        "deployment.yaml": DEPLOYMENT,
      }),
    });
    expect(outcome).toMatchObject({ ok: true, originRoot: "" });
    if (outcome.ok) expect(outcome.yaml).toContain("path: deployment.yaml");
  });
});
