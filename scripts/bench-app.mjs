#!/usr/bin/env node
// The app against a loopback GitHub stand-in: a 100-file pull request with 20 findings, delivered as
// HMAC-signed webhooks to the real server. Measures acknowledgement, time to the completed check,
// and GitHub API requests per review (installation token included).
// Usage: node scripts/bench-app.mjs [--runs N] [--files N] [--findings N] [--kyverno N]
// (--kyverno N: N Kyverno policies at the base, read from policies.admission and run by the
// pinned kyverno, `npm run build:kyverno`; one of them fails the privileged containers.)
import { createHmac, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createNodeMiddleware, Probot } from "probot";
import { startGitHubStandIn } from "./github-stand-in.mjs";
import { ROOT } from "./tools.mjs";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    files: { type: "string", default: "100" },
    findings: { type: "string", default: "20" },
    // "each": a new installation per run (no pacing shared between runs); "same": every run on one
    // installation, back to back, so its write bucket (WRITE_BURST, one more a second) is shared.
    installation: { type: "string", default: "each" },
    kyverno: { type: "string", default: "0" },
  },
});
const kyvernoCount = Number(values.kyverno);
const runs = Number(values.runs);
const fileCount = Number(values.files);
const findingCount = Number(values.findings);
const dist = (p) => import(join(ROOT, "dist", p));
const { createApp } = await dist("app.js");
const { ReviewQueue } = await dist("review/review-queue.js");
const { loadPolicyBundle } = await dist("adapters/fs/policy-bundle.js");
const { portcullisOctokit } = await dist("adapters/github/octokit.js");
const { ContentCache } = await dist("adapters/github/content-cache.js");
const { KustomizeRenderer } = await dist("gitops/adapters/kustomize.js");
const { HelmRenderer, withHelm } = await dist("gitops/adapters/helm.js");

/** A hardened Deployment; `privileged` adds exactly one finding (PCK001). */
function manifest(i, privileged) {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${i}
  namespace: team-${i % 7}
  labels: { app.kubernetes.io/name: svc-${i} }
spec:
  selector: { matchLabels: { app.kubernetes.io/name: svc-${i} } }
  template:
    metadata:
      labels: { app.kubernetes.io/name: svc-${i} }
    spec:
      automountServiceAccountToken: false
      securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: app
          image: ghcr.io/acme/svc-${i}:1.${i}.0@sha256:${createHmac("sha256", `svc-${i}`).digest("hex")}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }${privileged ? "\n            privileged: true" : ""}
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 500m, memory: 256Mi }
          livenessProbe: { httpGet: { path: /healthz, port: 8080 } }
          readinessProbe: { httpGet: { path: /ready, port: 8080 } }
`;
}

/** The k-th Kyverno policy: the first forbids privileged containers, the others pass. */
function kyvernoPolicy(k) {
  const checks = [
    `pattern: {spec: {template: {spec: {containers: [{=(securityContext): {=(privileged): "false"}}]}}}}`,
    `pattern: {metadata: {labels: {app.kubernetes.io/name: "?*"}}}`,
    `pattern: {spec: {template: {spec: {containers: [{resources: {limits: {memory: "?*"}}}]}}}}`,
    `pattern: {spec: {template: {spec: {=(hostNetwork): false}}}}`,
    `deny: {conditions: {any: [{key: "{{ request.object.spec.template.spec.containers[0].image }}", operator: Equals, value: "*:latest"}]}}`,
  ];
  return `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: bench-${k}
spec:
  validationFailureAction: Enforce
  rules:
    - name: check-${k}
      match:
        any:
          - resources:
              kinds: [Deployment]
      validate:
        message: "bench policy ${k}"
        ${checks[k % checks.length]}
`;
}

const heads = Array.from({ length: runs }, (_, r) => createHmac("sha1", `head-${r}`).digest("hex"));
const base = createHmac("sha1", "base").digest("hex");
const files = { [base]: {} };
if (kyvernoCount > 0) {
  files[base][".github/portcullis.yml"] = "policies:\n  admission: [policies/kyverno]\n";
  for (let k = 0; k < kyvernoCount; k++)
    files[base][`policies/kyverno/bench-${k}.yaml`] = kyvernoPolicy(k);
}
const changed = [];
for (let i = 0; i < fileCount; i++) {
  const text = manifest(i, i < findingCount);
  for (const h of heads) {
    files[h] ??= { ...files[base] };
    files[h][`apps/svc-${i}.yaml`] = text;
  }
  const lines = text.trimEnd().split("\n");
  changed.push({
    filename: `apps/svc-${i}.yaml`,
    status: "added",
    patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join("\n")}`,
  });
}
// Five signed commits, as the pull request's commit list returns them.
const commits = Array.from({ length: 5 }, (_, i) => ({
  sha: createHmac("sha1", `commit-${i}`).digest("hex"),
  parents: [{ sha: "p" }],
  author: { login: "dev", type: "User" },
  commit: {
    verification: { verified: true, reason: "valid", signature: "-----BEGIN SSH SIGNATURE-----" },
  },
}));
const standIn = await startGitHubStandIn({
  owner: "acme",
  repo: "fleet",
  number: 7,
  files,
  changed,
  reviews: [],
  commits,
});

const SECRET = "bench-secret";
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const probot = new Probot({
  appId: 1,
  privateKey,
  secret: SECRET,
  baseUrl: standIn.url,
  // The server's own Octokit class (src/index.ts): throttling and its write bucket as in production.
  Octokit: portcullisOctokit(),
  logLevel: "fatal",
});
const queue = new ReviewQueue(2);
const middleware = await createNodeMiddleware(
  createApp({
    bundle: loadPolicyBundle(),
    queue,
    fixCommits: false,
    today: () => "2026-06-01",
    contentCache: new ContentCache(),
    // As src/index.ts: rendering on (nothing to render here; what it costs to find out is measured).
    renderer: withHelm(new KustomizeRenderer(), new HelmRenderer()),
  }),
  { probot, webhooksPath: "/api/github/webhooks" },
);
const server = createServer(
  (req, res) => void middleware(req, res, () => (res.writeHead(404), res.end())),
);
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/api/github/webhooks`;

const results = [];
for (let r = 0; r < runs; r++) {
  const payload = {
    action: "synchronize",
    number: 7,
    pull_request: {
      number: 7,
      user: { login: "dev" },
      changed_files: fileCount,
      commits: 5,
      base: { sha: base, ref: "main" },
      head: { sha: heads[r], ref: "feature" },
    },
    repository: { id: 1, name: "fleet", full_name: "acme/fleet", owner: { login: "acme", id: 2 } },
    installation: { id: values.installation === "same" ? 100 : 100 + r },
  };
  const body = JSON.stringify(payload);
  const before = standIn.requests.length;
  const startedAt = Date.now();
  const started = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": `bench-${r}`,
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    },
    body,
  });
  const ack = performance.now() - started;
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  const completed = await standIn.waitFor(
    (q) =>
      q.method === "PATCH" &&
      q.body?.status === "completed" &&
      standIn.requests.indexOf(q) >= before,
    30_000,
  );
  const done = performance.now() - started;
  await queue.idle();
  // All three checks: the policy check's completion and the two Git-layer checks (created completed).
  const allDone =
    Math.max(
      ...standIn.requests
        .slice(before)
        .filter((q) => q.path.includes("/check-runs") && q.body?.status === "completed")
        .map((q) => q.at),
    ) - startedAt;
  const annotations = completed.body.output.annotations.length;
  const timeline = standIn.requests
    .slice(before)
    .map((q) => `${q.at - startedAt} ms ${q.method} ${q.path.replace(/[0-9a-f]{40}/, "<sha>")}`);
  results.push({
    ack,
    done,
    allDone,
    requests: standIn.requests.length - before,
    conclusion: completed.body.conclusion,
    annotations,
    timeline,
  });
}
server.close();
await standIn.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs) => Math.max(...xs);
const lines = [
  `A ${fileCount}-file pull request with ${findingCount} findings (all files added)${kyvernoCount > 0 ? `, ${kyvernoCount} Kyverno policies at the base` : ""}, reviewed ${runs} times through the real server over loopback (${values.installation === "same" ? "one installation, back to back" : "a new installation each run"}); the GitHub API is a loopback stand-in (\`scripts/github-stand-in.mjs\`).`,
  "",
  "| measure | median | worst |",
  "|---|---|---|",
  `| webhook acknowledged | ${median(results.map((x) => x.ack)).toFixed(1)} ms | ${max(results.map((x) => x.ack)).toFixed(1)} ms |`,
  `| check completed (from the webhook) | ${median(results.map((x) => x.done)).toFixed(0)} ms | ${max(results.map((x) => x.done)).toFixed(0)} ms |`,
  `| all three checks completed (from the webhook) | ${median(results.map((x) => x.allDone)).toFixed(0)} ms | ${max(results.map((x) => x.allDone)).toFixed(0)} ms |`,
  `| GitHub API requests per review (token included) | ${median(results.map((x) => x.requests))} | ${max(results.map((x) => x.requests))} |`,
  "",
  `Every run: conclusion \`${results[0].conclusion}\`, ${results[0].annotations} annotations.`,
  "",
  "When each request reached the stand-in in the last run (ms after the webhook was sent):",
  "",
  ...(process.env.BENCH_ALL_TIMELINES
    ? results.flatMap((x) => ["", ...x.timeline])
    : results[results.length - 1].timeline
  ).map((t) => `    ${t}`),
];
console.log(lines.join("\n"));
