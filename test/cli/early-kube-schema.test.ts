// bin/portcullis starts kube-schema before it loads the bundle (a `check`: its start overlaps the
// bundle's), and the schema engine's session takes that process for its requests: one start,
// not two, with the environment the session gives its own. A wrapper records each start.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { kubeSchemaPath, runEnvironment } from "../../src/engines/schema/kube-schema.js";

const ROOT = packageRoot();
const BIN = join(ROOT, "bin", "portcullis");
const binary = kubeSchemaPath({ PATH: "" });
const ready = existsSync(join(ROOT, "dist", "portcullis.cjs")) && binary !== undefined;
if (!ready)
  process.stderr.write(
    "early kube-schema tests skipped: needs the bundle and kube-schema (npm run build, npm run build:schema)\n",
  );
const maybe = ready ? it : it.skip;

const work = mkdtempSync(join(tmpdir(), "portcullis-early-ks-"));
const starts = join(work, "starts");
const wrapper = join(work, "kube-schema");
writeFileSync(wrapper, `#!/bin/sh\n/usr/bin/env > "${starts}/$$"\nexec "${binary}" "$@"\n`);
chmodSync(wrapper, 0o755);
const repo = join(work, "repo");
mkdirSync(join(repo, ".github"), { recursive: true });
writeFileSync(
  join(repo, "web.yaml"),
  `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: three
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.27
`,
);

afterAll(() => rmSync(work, { recursive: true, force: true }));

function check(
  config?: string,
  paths = ["web.yaml"],
): { status: number | null; rules: string[]; pids: string[] } {
  rmSync(starts, { recursive: true, force: true });
  mkdirSync(starts);
  const args = [BIN, "check", ...paths, "-f", "json", "--fail-on", "never"];
  if (config) {
    writeFileSync(join(repo, "off.yml"), config);
    args.push("--config", "off.yml");
  }
  const run = spawnSync(process.execPath, args, {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, PORTCULLIS_KUBE_SCHEMA: wrapper, PORTCULLIS_TEST_SECRET: "s3cret" },
  });
  const report = JSON.parse(run.stdout || "{}") as { findings?: { rule: string }[] };
  return {
    status: run.status,
    rules: (report.findings ?? []).map((f) => f.rule),
    pids: readdirSync(starts),
  };
}

describe("kube-schema started by the launcher", () => {
  maybe("is started once, and the check's schema validation answers through it", () => {
    const run = check();
    expect(run.status).toBe(0);
    expect(run.rules).toContain("PCV001");
    expect(run.pids).toHaveLength(1);
  });

  maybe(
    "is asked which versions it carries on its start, once: the check takes that answer",
    () => {
      const inputs = join(work, "inputs");
      const teeing = join(work, "kube-schema-tee");
      writeFileSync(teeing, `#!/bin/sh\n/usr/bin/tee "${inputs}" | "${binary}" "$@"\n`);
      chmodSync(teeing, 0o755);
      rmSync(inputs, { force: true });
      const args = [BIN, "check", "web.yaml", "-f", "json", "--fail-on", "never"];
      const run = spawnSync(process.execPath, args, {
        cwd: repo,
        encoding: "utf8",
        env: { ...process.env, PORTCULLIS_KUBE_SCHEMA: teeing },
      });
      expect(run.status).toBe(0);
      const report = JSON.parse(run.stdout) as { findings: { rule: string }[] };
      expect(report.findings.map((f) => f.rule)).toContain("PCV001");
      // tee writes its file as it passes the lines on: the last may land just after the check ends.
      let lines: string[] = [];
      for (
        const deadline = Date.now() + 5000;
        Date.now() < deadline;
        spawnSync("sleep", ["0.05"])
      ) {
        lines = existsSync(inputs) ? readFileSync(inputs, "utf8").trim().split("\n") : [];
        if (lines.length >= 2) break;
      }
      expect(lines[0]).toBe('{"versions":true}');
      expect(lines.slice(1).length).toBeGreaterThan(0);
      for (const line of lines.slice(1)) expect(line).toContain('"documents":');
    },
  );

  maybe("gets the run environment, nothing of the caller's, and its start-up settings", () => {
    const run = check();
    const env = readFileSync(join(starts, run.pids[0]!), "utf8");
    expect(env).not.toContain("s3cret");
    const warm = { GOGC: "off", KUBE_SCHEMA_WARM: `{"kinds":["apps/v1/Deployment"]}` };
    const wanted = { ...runEnvironment(), ...warm };
    for (const [key, value] of Object.entries(wanted)) expect(env).toContain(`${key}=${value}\n`);
    // What /bin/sh adds of its own (PWD, SHLVL, _) apart, nothing else.
    const keys = env
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("=")[0]!)
      .filter((k) => !["PWD", "SHLVL", "_", "OLDPWD"].includes(k));
    expect(keys.sort()).toEqual(Object.keys(wanted).sort());
  });

  maybe("hints the kinds of the named files and the version of the flag or configuration", () => {
    writeFileSync(
      join(repo, "two.yaml"),
      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\n" +
        "apiVersion: 'batch/v1'\nkind: \"CronJob\"\n---\nkind: NoVersion\n",
    );
    writeFileSync(join(repo, "k.yml"), `kubernetesVersion: "1.35" # pinned\n`);
    const hint = (...args: string[]) => {
      check(undefined, args);
      const env = readFileSync(join(starts, readdirSync(starts)[0]!), "utf8");
      return JSON.parse(/^KUBE_SCHEMA_WARM=(.*)$/m.exec(env)![1]!) as unknown;
    };
    const kinds = ["v1/Service", "batch/v1/CronJob"];
    expect(hint("two.yaml")).toEqual({ kinds });
    expect(hint("two.yaml", "-c", "k.yml")).toEqual({ version: "1.35", kinds });
    expect(hint("two.yaml", "--config=k.yml", "--kubernetes-version", "v1.34")).toEqual({
      version: "1.34",
      kinds,
    });
    // A folder, a missing file and a file that is not YAML name no kind.
    expect(hint(".", "missing.yaml", "k.yml/x")).toEqual({ kinds: [] });
    // At most 8 kinds, read from the first 8 files named (a pre-commit hook may name hundreds).
    const names = Array.from({ length: 10 }, (_, i) => `f${i}.yaml`);
    names.forEach((name, i) =>
      writeFileSync(join(repo, name), i ? `apiVersion: v1\nkind: K${i}\n` : ""),
    );
    const many = Array.from({ length: 10 }, (_, i) => `---\napiVersion: v1\nkind: M${i}\n`);
    writeFileSync(join(repo, "many.yaml"), many.join(""));
    const kindsOf = (hinted: unknown) => (hinted as { kinds: string[] }).kinds;
    expect(kindsOf(hint(...names))).toEqual([1, 2, 3, 4, 5, 6, 7].map((i) => `v1/K${i}`));
    expect(kindsOf(hint("many.yaml", "f1.yaml"))).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `v1/M${i}`),
    );
  });

  // The hint only ever changes when kube-schema works, never what it answers: the same process,
  // given right, wrong and hostile hints, answers as without one and never hangs or fails.
  maybe("answers as without a hint whatever the hint says", () => {
    const documents = [
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d" },
        spec: { replicas: "x" },
      },
      {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "s" },
        spec: { ports: [{ port: 1, protocol: "TCPP" }] },
      },
      {
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name: "k" },
        spec: { prune: 1 },
      },
      { apiVersion: "extensions/v1beta1", kind: "Ingress", metadata: { name: "i" } },
      { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } },
    ];
    const input = `{"versions":true}\n${JSON.stringify({ version: "", documents })}\n`;
    const answer = (hint?: string) => {
      const env = {
        ...runEnvironment(),
        GOGC: "off",
        ...(hint === undefined ? {} : { KUBE_SCHEMA_WARM: hint }),
      };
      const run = spawnSync(binary!, [], { input, env, encoding: "utf8", timeout: 30_000 });
      expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
      // Findings in one order: the validators give a document's causes in map order.
      return run.stdout
        .trim()
        .split("\n")
        .map((line) => {
          const a = JSON.parse(line) as { results?: { findings: unknown[] | null }[] };
          for (const r of a.results ?? [])
            r.findings = (r.findings ?? []).map((f) => JSON.stringify(f)).sort();
          return a;
        });
    };
    const want = answer();
    expect(JSON.stringify(want)).toContain("PCV001");
    for (const hint of [
      `{"kinds":["apps/v1/Deployment","v1/Service","kustomize.toolkit.fluxcd.io/v1/Kustomization"]}`,
      `{"version":"1.34","kinds":["batch/v1/Job","extensions/v1beta1/Ingress","example.com/v1/Widget"]}`,
      `{"version":"1.9999999999999999999","kinds":["apps/v1/Deployment"]}`,
      `{"kinds":["../../etc/passwd","/","v1/","\\u0000"]}`,
      JSON.stringify({ kinds: Array.from({ length: 5000 }, (_, i) => `apps/v1/Deployment${i}`) }),
      "not json",
      "x".repeat(100_000),
    ])
      expect(answer(hint)).toEqual(want);
  });

  maybe("unused (schema validation off), ends with the check and keeps it from nothing", () => {
    const off = ["PCV001", "PCV002", "PCV003", "PCV004", "PCV006", "PCV007"];
    const run = check(`rules:\n${off.map((r) => `  ${r}: off\n`).join("")}`);
    expect(run.status).toBe(0);
    expect(run.rules.filter((r) => r.startsWith("PCV"))).toEqual([]);
    expect(run.pids).toHaveLength(1);
    // Its input closed with the check's end: it has ended (or ends at once).
    const pid = Number(run.pids[0]);
    const deadline = Date.now() + 5000;
    while (existsSync(`/proc/${pid}`) && Date.now() < deadline) spawnSync("sleep", ["0.05"]);
    const state = existsSync(`/proc/${pid}/stat`)
      ? readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2]
      : "gone";
    expect(["gone", "Z"]).toContain(state);
  });
});
