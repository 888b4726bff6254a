#!/usr/bin/env node
// Load test on loopback: the real server (dist/index.js, one process per replica, all on one Redis)
// receives HMAC-signed pull_request webhooks in bursts and reviews them against the loopback GitHub
// stand-in. Bounded in count and time. Then a soak: 10,000 evaluations in one process, RSS sampled.
// Usage: node scripts/load.mjs [--replicas 1,2] [--rate 50] [--seconds 60] [--prs 200] [--files 20]
//                              [--installations 50] [--soak 10000] [--write]
import { spawn } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startGitHubStandIn } from "./github-stand-in.mjs";
import { ROOT } from "./tools.mjs";

const { values } = parseArgs({
  options: {
    replicas: { type: "string", default: "1,2" },
    rate: { type: "string", default: "50" },
    seconds: { type: "string", default: "60" },
    prs: { type: "string", default: "200" },
    files: { type: "string", default: "20" },
    installations: { type: "string", default: "50" },
    soak: { type: "string", default: "10000" },
    "drain-seconds": { type: "string", default: "240" },
    write: { type: "boolean", default: false },
    // GitHub write pacing per installation (PORTCULLIS_WRITE_BURST); a huge burst lifts it, to
    // measure the server's own capacity rather than GitHub's limits.
    "write-burst": { type: "string", default: "" },
    // Write a CPU profile of each replica into this folder (node --cpu-prof).
    profile: { type: "string", default: "" },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const PRS = Number(values.prs);
const FILES = Number(values.files);
const INSTALLATIONS = Number(values.installations);
const SECRET = "load-secret";
const OWNER = "acme";
const REPO = "fleet";

const sha = (s) => createHmac("sha1", "load").update(s).digest("hex");
const pct = (xs, p) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A realistic Deployment; every fifth is privileged (one finding). */
function manifest(pr, i) {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${pr}-${i}
  namespace: team-${pr % 9}
  labels: { app.kubernetes.io/name: svc-${i}, app.kubernetes.io/part-of: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app.kubernetes.io/name: svc-${i} } }
  template:
    metadata:
      labels: { app.kubernetes.io/name: svc-${i}, app.kubernetes.io/part-of: shop }
    spec:
      automountServiceAccountToken: false
      securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: app
          image: ghcr.io/acme/svc-${i}:1.${pr}.0@sha256:${createHmac("sha256", `${pr}-${i}`).digest("hex")}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }${i % 5 === 0 ? "\n            privileged: true" : ""}
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 500m, memory: 256Mi }
          livenessProbe: { httpGet: { path: /healthz, port: 8080 } }
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
`;
}

/** The webhooks of the run: every PR opened, then pushes round robin (each a new head). */
function plan() {
  const total = RATE * SECONDS;
  const events = [];
  for (let n = 0; n < total; n++) {
    const pr = (n % PRS) + 1;
    const push = Math.floor(n / PRS);
    events.push({
      pr,
      head: sha(`pr${pr}-push${push}`),
      action: push === 0 ? "opened" : "synchronize",
    });
  }
  return events;
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => d.toString().includes("Ready to accept") && resolve());
    child.on("exit", () => reject(new Error("redis-server exited (is it installed?)")));
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
}

function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

// eslint-disable-next-line max-lines-per-function -- one load run in its phases (start the stand-in, Redis and replicas; send the webhooks; wait for the checks; count; stop), all reading and writing the same replicas, send times and stand-in request log; split apart they would pass that state through every phase, and a change here can only be proved unchanged by a run against Redis and the full app
async function runScenario(replicaCount) {
  const base = sha("base");
  const events = plan();
  const files = { [base]: {} };
  const pulls = {};
  const texts = Array.from({ length: PRS }, (_, p) =>
    Array.from({ length: FILES }, (_, i) => manifest(p + 1, i)),
  );
  for (const e of events) {
    files[e.head] = Object.fromEntries(
      texts[e.pr - 1].map((t, i) => [`apps/pr${e.pr}/svc-${i}.yaml`, t]),
    );
    pulls[e.pr] ??= {
      changed: texts[e.pr - 1].map((t, i) => ({
        filename: `apps/pr${e.pr}/svc-${i}.yaml`,
        status: "added",
        patch: `@@ -0,0 +1,${t.trimEnd().split("\n").length} @@\n${t
          .trimEnd()
          .split("\n")
          .map((l) => `+${l}`)
          .join("\n")}`,
      })),
    };
  }
  const standIn = await startGitHubStandIn({
    owner: OWNER,
    repo: REPO,
    number: 1,
    files,
    changed: pulls[1].changed,
    pulls,
  });
  const redis = await startRedis();
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const host = new URL(standIn.url).host;
  const replicas = [];
  for (let r = 0; r < replicaCount; r++) {
    const port = await freePort();
    const profile = values.profile ? ["--cpu-prof", "--cpu-prof-dir", values.profile] : [];
    const child = spawn(process.execPath, [...profile, join(ROOT, "dist", "index.js")], {
      env: {
        ...process.env,
        APP_ID: "1",
        PRIVATE_KEY: privateKey,
        WEBHOOK_SECRET: SECRET,
        PORT: String(port),
        HOST: "127.0.0.1",
        REDIS_URL: redis.url,
        GHE_HOST: host,
        GHE_PROTOCOL: "http",
        LOG_LEVEL: "warn",
        NODE_ENV: "production",
        ...(values["write-burst"] ? { PORTCULLIS_WRITE_BURST: values["write-burst"] } : {}),
      },
      stdio: ["ignore", "ignore", "inherit"],
    });
    replicas.push({ child, url: `http://127.0.0.1:${port}/api/github/webhooks`, port, rss: [] });
  }
  for (const r of replicas) {
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://127.0.0.1:${r.port}/readyz`).then(
        (x) => x.ok,
        () => false,
      );
      if (ok) break;
      await sleep(100);
    }
  }

  const started = Date.now();
  const sampler = setInterval(() => {
    for (const r of replicas) r.rss.push({ at: Date.now() - started, mb: rssMb(r.child.pid) });
  }, 2000);
  const acks = [];
  const sentAt = new Map(); // head -> ms
  const lastHead = new Map(); // pr -> head
  const pending = [];
  for (let n = 0; n < events.length; n++) {
    // Bursts: each second's webhooks go out together at the start of that second.
    const due = started + Math.floor(n / RATE) * 1000;
    if (Date.now() < due) await sleep(due - Date.now());
    const e = events[n];
    const payload = {
      action: e.action,
      number: e.pr,
      pull_request: {
        number: e.pr,
        user: { login: "dev" },
        changed_files: FILES,
        commits: 1,
        base: { sha: base, ref: "main", repo: { full_name: `${OWNER}/${REPO}` } },
        head: { sha: e.head, ref: `feature-${e.pr}`, repo: { full_name: `${OWNER}/${REPO}` } },
      },
      repository: {
        id: 1,
        name: REPO,
        full_name: `${OWNER}/${REPO}`,
        owner: { login: OWNER, id: 2 },
      },
      installation: { id: 1 + ((e.pr - 1) % INSTALLATIONS) },
    };
    const body = JSON.stringify(payload);
    const replica = replicas[n % replicas.length];
    const t0 = performance.now();
    sentAt.set(e.head, Date.now());
    lastHead.set(e.pr, e.head);
    pending.push(
      fetch(replica.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "pull_request",
          "x-github-delivery": `load-${replicaCount}-${n}`,
          "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
        },
        body,
      }).then(
        (res) => acks.push({ ms: performance.now() - t0, ok: res.status === 200 }),
        () => acks.push({ ms: performance.now() - t0, ok: false }),
      ),
    );
  }
  await Promise.all(pending);
  const sendSeconds = (Date.now() - started) / 1000;

  // Wait until every pull request's last head has its three checks completed (the policy check's
  // time is the one reported; the count of requests covers all three and the review).
  const completedAt = new Map();
  const gitChecksDone = new Set(); // "name@head"
  const GIT_CHECKS = ["Portcullis / code owners", "Portcullis / signed commits"];
  const deadline = Date.now() + Number(values["drain-seconds"]) * 1000;
  let seen = 0;
  while (Date.now() < deadline) {
    for (; seen < standIn.requests.length; seen++) {
      const q = standIn.requests[seen];
      if (
        q.method === "PATCH" &&
        q.checkRun?.name === "Portcullis / policies" &&
        q.body?.status === "completed"
      )
        completedAt.set(q.checkRun.head_sha, { at: q.at, conclusion: q.body.conclusion });
      if (
        q.method === "POST" &&
        GIT_CHECKS.includes(q.body?.name) &&
        q.body?.status === "completed"
      )
        gitChecksDone.add(`${q.body.name}@${q.body.head_sha}`);
    }
    const done = (h) =>
      completedAt.has(h) && GIT_CHECKS.every((n) => gitChecksDone.has(`${n}@${h}`));
    if ([...lastHead.values()].every(done)) break;
    await sleep(250);
  }
  clearInterval(sampler);
  const drainedAt = Date.now();
  const finals = [...lastHead.values()].filter((h) => completedAt.has(h));
  const toCheck = finals.map((h) => completedAt.get(h).at - sentAt.get(h));
  const conclusions = {};
  for (const { conclusion } of completedAt.values())
    conclusions[conclusion] = (conclusions[conclusion] ?? 0) + 1;
  // Requests per pull request: those naming its number or one of its heads are its own; the rest
  // (installation tokens, reads at the shared base commit) are spread evenly over the PRs.
  const headToPr = new Map(events.map((e) => [e.head, e.pr]));
  const own = new Map();
  let shared = 0;
  for (const q of standIn.requests) {
    const pr = prOfRequest(q, headToPr);
    if (pr === undefined) shared++;
    else own.set(pr, (own.get(pr) ?? 0) + 1);
  }
  const result = {
    replicas: replicaCount,
    ownPerPr: [...lastHead.keys()].map((pr) => own.get(pr) ?? 0),
    sharedPerPr: shared / lastHead.size,
    webhooks: events.length,
    sendSeconds,
    acks: acks.map((a) => a.ms),
    acksFailed: acks.filter((a) => !a.ok).length,
    finalsCompleted: finals.length,
    toCheck,
    checksCompleted: completedAt.size,
    conclusions,
    reviewsPerSecond: completedAt.size / ((drainedAt - started) / 1000),
    requests: standIn.requests.length,
    rss: replicas.map((r) => r.rss),
  };
  for (const r of replicas) r.child.kill("SIGTERM");
  await Promise.all(replicas.map((r) => new Promise((res) => r.child.once("exit", res))));
  redis.stop();
  await standIn.close();
  return result;
}

/** The pull request a recorded stand-in request was made for, when it names one. */
function prOfRequest(q, headToPr) {
  const pull = /\/pulls\/(\d+)(\/|$)/.exec(q.path);
  if (pull) return Number(pull[1]);
  const sha = q.checkRun?.head_sha ?? q.body?.head_sha;
  if (sha && headToPr.has(sha)) return headToPr.get(sha);
  const inPath = /\/(?:git\/trees|commits)\/([0-9a-f]{40})/.exec(q.path);
  if (inPath && headToPr.has(inPath[1])) return headToPr.get(inPath[1]);
  for (const v of Object.values(q.body?.variables ?? {})) {
    const commit = typeof v === "string" ? v.split(":")[0] : undefined;
    if (headToPr.has(commit)) return headToPr.get(commit);
  }
  if (typeof q.body?.variables?.number === "number") return q.body.variables.number;
  return undefined;
}

/** 10,000 evaluations of a 20-manifest change in one process: RSS and heap every 1,000. */
async function soak(count) {
  const dist = (p) => import(join(ROOT, "dist", p));
  const { loadPolicyBundle } = await dist("adapters/fs/policy-bundle.js");
  const { WasmPolicyEngine } = await dist("engines/opa/wasm-policy-engine.js");
  const { evaluateFiles } = await dist("review/evaluate-files.js");
  const { engineOf } = await dist("engines/engine.js");
  const { defaultConfig } = await dist("config/config.js");
  const bundle = loadPolicyBundle();
  const config = defaultConfig({
    settingDefaults: bundle.settingDefaults,
    ruleIds: new Set(bundle.rules.keys()),
  });
  const engine = new WasmPolicyEngine(bundle.wasm);
  engine.setSettings(config.settings);
  const sources = Array.from({ length: FILES }, (_, i) => ({
    path: `apps/svc-${i}.yaml`,
    content: new TextEncoder().encode(manifest(1, i)),
  }));
  const layout = { chartRoots: new Set(), patchFiles: new Set() };
  const samples = [];
  const t0 = Date.now();
  for (let n = 1; n <= count; n++) {
    await evaluateFiles(sources, layout, config, {
      engines: [engineOf("catalogue", engine)],
      rules: bundle.rules,
      today: "2026-06-01",
    });
    if (n % (count / 10) === 0)
      samples.push({
        n,
        rssMb: process.memoryUsage().rss / 2 ** 20,
        heapMb: process.memoryUsage().heapUsed / 2 ** 20,
      });
  }
  return { count, seconds: (Date.now() - t0) / 1000, samples };
}

const scenarios = [];
for (const n of values.replicas
  .split(",")
  .map(Number)
  .filter((x) => x > 0)) {
  process.stderr.write(`load: ${n} replica(s), ${RATE} webhooks/s for ${SECONDS} s...\n`);
  scenarios.push(await runScenario(n));
}
const soakResult = Number(values.soak) > 0 ? await soak(Number(values.soak)) : undefined;

const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const lines = [
  `${PRS} pull requests × ${FILES} manifests across ${INSTALLATIONS} installations; ${RATE} signed webhooks a second for ${SECONDS} s (each second's webhooks at once), round robin over the replicas; the real server (\`dist/index.js\`) per replica, all on one Redis; GitHub is the loopback stand-in; GitHub write pacing ${values["write-burst"] ? `lifted (PORTCULLIS_WRITE_BURST=${values["write-burst"]})` : "as in production (8 writes per installation, then 1 a second)"}. Reproduce: \`npm run load${values["write-burst"] ? ` -- --write-burst ${values["write-burst"]}` : ""}\`.`,
  "",
  "| replicas | webhooks | ack p50 | ack p95 | ack p99 | failed acks | last head's check p50 | p95 | checks completed | reviews/s | API requests per PR: mean | median | p95 | peak RSS per replica |",
  "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ...scenarios.map(
    (s) =>
      `| ${s.replicas} | ${s.webhooks} | ${f(pct(s.acks, 50), 1)} ms | ${f(pct(s.acks, 95), 1)} ms | ${f(pct(s.acks, 99), 1)} ms | ${s.acksFailed} | ${f(pct(s.toCheck, 50) / 1000, 1)} s | ${f(pct(s.toCheck, 95) / 1000, 1)} s | ${s.checksCompleted} (${s.finalsCompleted}/${PRS} last heads) | ${f(s.reviewsPerSecond, 1)} | ${f(s.requests / PRS, 1)} | ${f(pct(s.ownPerPr, 50) + s.sharedPerPr, 1)} | ${f(pct(s.ownPerPr, 95) + s.sharedPerPr, 1)} | ${s.rss.map((r) => f(Math.max(...r.map((x) => x.mb)))).join(" / ")} MiB |`,
  ),
  "",
  ...scenarios.map(
    (s) =>
      `RSS over time, ${s.replicas} replica(s) (MiB, every 2 s): ${s.rss.map((r) => r.map((x) => f(x.mb)).join(" ")).join(" | ")}. Conclusions: ${JSON.stringify(s.conclusions)}.`,
  ),
  "",
  ...(soakResult
    ? [
        `Soak: ${soakResult.count} evaluations of a ${FILES}-manifest change in one process (${f(soakResult.seconds, 1)} s):`,
        "",
        "| evaluations | RSS | heap used |",
        "|---|---|---|",
        ...soakResult.samples.map((s) => `| ${s.n} | ${f(s.rssMb)} MiB | ${f(s.heapMb)} MiB |`),
      ]
    : []),
];
const text = lines.join("\n");
console.log(text);
if (values.write) {
  const path = join(ROOT, "docs", "benchmarks.md");
  const doc = readFileSync(path, "utf8");
  const begin = "<!-- load:begin -->";
  const end = "<!-- load:end -->";
  const block = `${begin}\n${text}\n${end}`;
  writeFileSync(
    path,
    doc.includes(begin)
      ? doc.replace(new RegExp(`${begin}[\\s\\S]*${end}`), block)
      : `${doc.trimEnd()}\n\n## Load and soak\n\n${block}\n`,
  );
}
