// The built-in catalogue evaluated in worker threads for a large `check` (issue 21): the same
// report byte for byte as in the main thread, and a worker that fails ends the run truthfully.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import {
  CatalogueWorkerError,
  CatalogueWorkers,
  catalogueWorkersFor,
} from "../../src/engines/catalogue/catalogue-workers.js";
import { engineOf, NOTHING_LOADED, type EngineDescriptor } from "../../src/engines/engine.js";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { CATALOGUE_WORKER_MIN_FILES } from "../../src/core/limits.js";
import { WasmPolicyEngine } from "../../src/engines/opa/wasm-policy-engine.js";
import { generateCorpus } from "../../scripts/generate-manifests.mjs";
import { bundle } from "../support/engine.js";

const DIES = join(packageRoot(), "test", "fixtures", "catalogue-workers", "dies.mjs");
// Schema validation (a Go child) is not what is compared here: off on both sides.
const ENV = { PORTCULLIS_TODAY: "2026-06-01", PORTCULLIS_KUBE_SCHEMA: "" };

async function check(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  engines?: readonly EngineDescriptor[],
) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["check", ...args], {
    cwd,
    env: { ...ENV, ...env },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    version: "0.0.0-test",
    bundle: bundle(),
    ...(engines ? { engines } : {}),
  });
  return { code, stdout, stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-workers-"));
  generateCorpus(dir, CATALOGUE_WORKER_MIN_FILES + 20);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the catalogue in worker threads", () => {
  it("starts workers only for a run of many files, or as PORTCULLIS_WORKERS says", () => {
    expect(catalogueWorkersFor(1, {})).toBe(0);
    expect(catalogueWorkersFor(CATALOGUE_WORKER_MIN_FILES - 1, {})).toBe(0);
    expect(catalogueWorkersFor(CATALOGUE_WORKER_MIN_FILES, {})).toBeGreaterThan(0);
    expect(catalogueWorkersFor(5000, { PORTCULLIS_WORKERS: "0" })).toBe(0);
    expect(catalogueWorkersFor(1, { PORTCULLIS_WORKERS: "3" })).toBe(3);
    expect(catalogueWorkersFor(1, { PORTCULLIS_WORKERS: "two" })).toMatch(/PORTCULLIS_WORKERS/);
  });

  it("gives the JSON report of the main thread, byte for byte", async () => {
    const files = CATALOGUE_WORKER_MIN_FILES + 20;
    expect(catalogueWorkersFor(files, {})).toBeGreaterThan(0); // the default run below uses them
    const json = ["--format", "json", "--fail-on", "never", "."];
    const inWorkers = await check(json, dir);
    const inMain = await check(json, dir, { PORTCULLIS_WORKERS: "0" });
    expect(inWorkers.code).toBe(0);
    expect(inWorkers.stderr).toBe(inMain.stderr);
    expect(JSON.parse(inMain.stdout).findings.length).toBeGreaterThan(files);
    expect(inWorkers.stdout).toBe(inMain.stdout);
  }, 60_000);

  it("refuses a PORTCULLIS_WORKERS that is not a number of threads (exit 2, one line)", async () => {
    const r = await check(["."], dir, { PORTCULLIS_WORKERS: "all" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^portcullis: PORTCULLIS_WORKERS must be a number of worker threads/);
  });

  it("fails the run when a worker dies: one line, exit 2, no report (never a pass)", async () => {
    const workers = new CatalogueWorkers(bundle().wasm, { size: 1, workerFile: DIES });
    const dying: EngineDescriptor = {
      id: "catalogue",
      config: ["rules", "settings"],
      reads: () => [],
      load: async () => {
        workers.setSettings({});
        return { ...NOTHING_LOADED, engines: [engineOf("catalogue", workers)] };
      },
    };
    const r = await check(["--format", "json", "--fail-on", "never", "."], dir, {}, [dying]);
    await workers.close();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "portcullis: the built-in policies could not be evaluated: its worker thread exited (code 7)\n",
    );
  });

  it("fails every evaluation, then and later, when a worker cannot load the policies", async () => {
    const workers = new CatalogueWorkers(new Uint8Array([0, 97, 115, 109]), { size: 1 });
    workers.setSettings({});
    const input = {
      document: { apiVersion: "v1", kind: "Pod" },
      file: { path: "a.yaml", partial: false },
    };
    await expect(workers.evaluateIsolated([input])).rejects.toThrow(CatalogueWorkerError);
    await expect(workers.evaluateIsolated([input])).rejects.toThrow(
      /the built-in policies could not be evaluated: its worker thread failed: /,
    );
    await workers.close();
  });

  it("returns what the main thread's catalogue returns, input by input", async () => {
    const workers = new CatalogueWorkers(bundle().wasm, { size: 2 });
    const settings = { allowedRegistries: ["registry.example.com/"] };
    workers.setSettings(settings);
    const here = new WasmPolicyEngine(bundle().wasm);
    here.setSettings(settings);
    const inputs = Array.from({ length: 40 }, (_, i) => ({
      document: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `p${i}` },
        spec: { hostPID: i % 2 === 0, containers: [{ name: "a", image: `docker.io/a:${i}` }] },
      },
      file: { path: `p${i}.yaml`, partial: i % 3 === 0 },
    }));
    const [first, second] = await Promise.all([
      workers.evaluateIsolated(inputs.slice(0, 20)),
      workers.evaluateIsolated(inputs.slice(20)),
    ]);
    expect([...first!, ...second!]).toEqual(here.evaluate(inputs));
    await workers.close();
  });
});
