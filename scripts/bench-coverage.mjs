#!/usr/bin/env node
// Coverage benchmark (issue 23): each repository reviewed as one change that adds all of it (an
// empty base, the whole tree at the head), with and without remote charts allowed, reporting the
// share of workloads evaluated and the review time. The repositories are our own fixtures in the
// style of fluxcd/flux2-kustomize-helm-example, onedr0p/home-ops and argoproj/argocd-example-apps
// (their charts pushed to a loopback OCI registry, as the real ones are on ghcr.io), plus the
// corpus in ../shared/corpus when present. Usage:
//   npm run build:ts && npm run build:registry && node scripts/bench-coverage.mjs [--write]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ROOT } from "./tools.mjs";

const write = process.argv.includes("--write");
const dist = (p) => import(join(ROOT, "dist", p));
const { LocalGitSource } = await dist("adapters/git/local-git-source.js");
const { loadPolicyBundle } = await dist("adapters/fs/policy-bundle.js");
const { WasmPolicyEngine } = await dist("engines/opa/wasm-policy-engine.js");
const { reviewChanges } = await dist("review/review-changes.js");
const { findHelm, HelmRenderer, withHelm } = await dist("gitops/adapters/helm.js");
const { findKustomize, KustomizeRenderer } = await dist("gitops/adapters/kustomize.js");
const { ChartFetcher, chartFetchOptions } = await dist("gitops/adapters/chart-fetch.js");
const { parseManifest } = await dist("yaml/index.js");

const helm = findHelm();
const registryBinary = join(ROOT, ".tools", "bin", "oci-registry");
if (!helm || !findKustomize() || !existsSync(registryBinary)) {
  console.error(
    "needs the pinned helm and kustomize and the loopback registry: npm run build && npm run build:registry",
  );
  process.exit(2);
}
const WORKLOADS = new Set([
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
  "Pod",
  "ReplicaSet",
]);

// --- the loopback registry and the charts the fixtures use -------------------------------------
const registry = spawn(registryBinary, [], { stdio: ["pipe", "pipe", "ignore"] });
const address = await new Promise((r) =>
  registry.stdout.once("data", (d) => r(d.toString().trim())),
);
const work = mkdtempSync(join(tmpdir(), "portcullis-coverage-"));
const helmEnv = { PATH: process.env.PATH, HOME: work, HELM_CONFIG_HOME: join(work, ".h") };
function pushChart(name, version, template) {
  const dir = join(work, "charts", name);
  mkdirSync(join(dir, "templates"), { recursive: true });
  writeFileSync(join(dir, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  writeFileSync(
    join(dir, "values.yaml"),
    "image: ghcr.io/acme/app:1.0.0\nprivileged: false\nreplicas: 1\n",
  );
  writeFileSync(join(dir, "templates", "workload.yaml"), template);
  execFileSync(helm, ["package", dir, "-d", join(work, "charts")], {
    env: helmEnv,
    stdio: "ignore",
  });
  spawnSync(
    helm,
    [
      "push",
      join(work, "charts", `${name}-${version}.tgz`),
      `oci://${address}/charts`,
      "--plain-http",
    ],
    { env: helmEnv, stdio: "ignore" },
  );
}
const DEPLOYMENT_TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    spec:
      containers:
        - name: main
          image: {{ .Values.image }}
          securityContext:
            privileged: {{ .Values.privileged }}
`;
pushChart("podinfo", "6.7.1", DEPLOYMENT_TEMPLATE);
pushChart("app-template", "3.7.3", DEPLOYMENT_TEMPLATE);
pushChart(
  "ingress-nginx",
  "4.12.0",
  DEPLOYMENT_TEMPLATE.replace("kind: Deployment", "kind: DaemonSet"),
);

// --- fixtures -----------------------------------------------------------------------------------
const doc = (...parts) => parts.join("---\n");
const fluxKs = (name, path, extra = "") =>
  `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ${path}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n${extra}`;
const ociRepo = (name, chart, tag, ns) =>
  `apiVersion: source.toolkit.fluxcd.io/v1\nkind: OCIRepository\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  interval: 1h\n  url: oci://${address}/charts/${chart}\n  ref:\n    tag: ${tag}\n`;
const helmRelease = (name, ns, ref, values = "") =>
  `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  interval: 30m\n  chartRef:\n    kind: OCIRepository\n    name: ${ref}\n  values:\n    image: ghcr.io/acme/${name}:1.0.0\n${values}`;
const deployment = (name) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: ${name}\n          image: ghcr.io/acme/${name}:1.0.0\n`;

function fluxExample() {
  const f = {};
  f["clusters/production/apps.yaml"] = fluxKs(
    "apps",
    "./apps/production",
    "  dependsOn:\n    - name: infra-controllers\n",
  );
  f["clusters/production/infrastructure.yaml"] = fluxKs(
    "infra-controllers",
    "./infrastructure/controllers",
  );
  f["apps/base/podinfo/namespace.yaml"] =
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: podinfo\n";
  f["apps/base/podinfo/repository.yaml"] = ociRepo("podinfo", "podinfo", "6.7.1", "podinfo");
  f["apps/base/podinfo/release.yaml"] = helmRelease("podinfo", "podinfo", "podinfo");
  f["apps/base/podinfo/kustomization.yaml"] =
    "resources: [namespace.yaml, repository.yaml, release.yaml]\n";
  f["apps/production/kustomization.yaml"] =
    "resources: [../base/podinfo]\npatches:\n  - path: podinfo-values.yaml\n";
  f["apps/production/podinfo-values.yaml"] =
    "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\n  namespace: podinfo\nspec:\n  values:\n    replicas: 2\n";
  f["infrastructure/controllers/ingress-nginx.yaml"] = doc(
    ociRepo("ingress-nginx", "ingress-nginx", "4.12.0", "ingress-nginx"),
    helmRelease("ingress-nginx", "ingress-nginx", "ingress-nginx"),
  );
  f["infrastructure/controllers/kustomization.yaml"] = "resources: [ingress-nginx.yaml]\n";
  return f;
}

function homeOps() {
  const f = {};
  const apps = [
    "sonarr",
    "radarr",
    "prowlarr",
    "jellyfin",
    "home-assistant",
    "mosquitto",
    "zigbee2mqtt",
    "paperless",
    "immich",
    "gatus",
    "echo",
    "homepage",
  ];
  f["kubernetes/flux/cluster/ks.yaml"] = fluxKs("cluster-apps", "./kubernetes/apps");
  for (const [i, app] of apps.entries()) {
    const ns = i % 2 ? "media" : "default";
    const base = `kubernetes/apps/${ns}/${app}`;
    f[`${base}/ks.yaml`] = fluxKs(app, `./${base}/app`, `  targetNamespace: ${ns}\n`);
    f[`${base}/app/ocirepository.yaml`] = ociRepo(app, "app-template", "3.7.3", ns);
    f[`${base}/app/helmrelease.yaml`] = helmRelease(
      app,
      ns,
      app,
      i === 3 ? "    privileged: true\n" : "",
    );
    f[`${base}/app/kustomization.yaml`] = "resources: [ocirepository.yaml, helmrelease.yaml]\n";
  }
  return f;
}

function argoExamples() {
  const f = {};
  const app = (name, path, extra = "") =>
    `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.com/acme/argocd-example-apps.git\n    targetRevision: main\n    path: ${path}\n${extra}  destination:\n    server: https://kubernetes.default.svc\n    namespace: ${name}\n`;
  f["guestbook/guestbook-ui-deployment.yaml"] = deployment("guestbook-ui");
  f["kustomize-guestbook/kustomization.yaml"] =
    "namePrefix: kustomize-\nresources: [guestbook-ui-deployment.yaml]\n";
  f["kustomize-guestbook/guestbook-ui-deployment.yaml"] = deployment("guestbook-ui");
  f["helm-guestbook/Chart.yaml"] = "apiVersion: v2\nname: helm-guestbook\nversion: 0.1.0\n";
  f["helm-guestbook/values.yaml"] =
    "image: ghcr.io/acme/guestbook:1.0.0\nprivileged: false\nreplicas: 1\n";
  f["helm-guestbook/templates/deployment.yaml"] = DEPLOYMENT_TEMPLATE;
  f["apps/guestbook.yaml"] = app("guestbook", "guestbook");
  f["apps/kustomize-guestbook.yaml"] = app("kustomize-guestbook", "kustomize-guestbook");
  f["apps/helm-guestbook.yaml"] = app("helm-guestbook", "helm-guestbook");
  f["apps/appset.yaml"] =
    `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: envs\n  namespace: argocd\nspec:\n  generators:\n    - list:\n        elements: [{env: dev}, {env: prod}]\n  template:\n    metadata:\n      name: 'guestbook-{{env}}'\n    spec:\n      project: default\n      source:\n        repoURL: https://github.com/acme/argocd-example-apps\n        targetRevision: main\n        path: guestbook\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: '{{env}}'\n`;
  f["apps/external.yaml"] = app("external", "charts/x").replace(
    "acme/argocd-example-apps",
    "other/charts",
  );
  return f;
}

/** The render budget's measurement: as many kustomizations as the budget allows, one workload each. */
function budgetFill(count) {
  const f = {};
  for (let i = 0; i < count; i++) {
    f[`apps/app-${i}/kustomization.yaml`] = "resources: [deploy.yaml]\n";
    f[`apps/app-${i}/deploy.yaml`] = deployment(`app-${i}`);
  }
  return f;
}

function filesOf(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === ".git"
      ? []
      : e.isDirectory()
        ? filesOf(join(dir, e.name), base)
        : [join(dir, e.name).slice(base.length + 1)],
  );
}

// --- one review ---------------------------------------------------------------------------------
const bundle = loadPolicyBundle();
async function review(name, slug, files, allow) {
  const dir = mkdtempSync(join(work, `${name}-`));
  const git = (...a) =>
    execFileSync("git", ["-C", dir, ...a], {
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "b",
        GIT_AUTHOR_EMAIL: "b@x",
        GIT_COMMITTER_NAME: "b",
        GIT_COMMITTER_EMAIL: "b@x",
      },
    });
  git("init", "-q", "-b", "main");
  git("remote", "add", "origin", `https://github.com/${slug}.git`);
  mkdirSync(join(dir, ".github"), { recursive: true });
  writeFileSync(
    join(dir, ".github/portcullis.yml"),
    allow
      ? `render:\n  remoteCharts: ["oci://${address}/charts"]\n  plainHttpRegistries: ["${address}"]\n`
      : "render:\n  helm: true\n",
  );
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  git("checkout", "-q", "-b", "all");
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    if (typeof text === "string") writeFileSync(join(dir, p), text);
    else cpSync(text.from, join(dir, p));
  }
  git("add", "-A");
  git("commit", "-q", "-m", "the whole repository");
  const started = performance.now();
  const result = await reviewChanges(new LocalGitSource(dir, "main", "all"), {
    engine: new WasmPolicyEngine(bundle.wasm),
    rules: bundle.rules,
    configContext: {
      settingDefaults: bundle.settingDefaults,
      ruleIds: new Set(bundle.rules.keys()),
    },
    today: "2026-12-01",
    renderer: withHelm(
      new KustomizeRenderer(),
      new HelmRenderer(),
      new ChartFetcher({ ...chartFetchOptions(), cacheDir: join(work, "cache") }),
    ),
  });
  const seconds = (performance.now() - started) / 1000;
  const diffs = result.rendered?.diffs ?? [];
  const evaluated = new Set();
  for (const d of diffs)
    if (d.status === "rendered")
      for (const c of d.changes)
        if (WORKLOADS.has(c.resource.kind)) evaluated.add(`${c.resource.kind}/${c.resource.name}`);
  // Workloads in files evaluated as they are (not through a render).
  for (const [p, text] of Object.entries(files)) {
    if (/templates\//.test(p) || !/\.(ya?ml|json)$/.test(p)) continue;
    const bytes = typeof text === "string" ? text : readFileSync(text.from);
    for (const d of parseManifest(p, bytes).documents)
      if (WORKLOADS.has(d.resource.kind)) evaluated.add(`${d.resource.kind}/${d.resource.name}`);
  }
  // A release or build not rendered deploys at least one workload nobody saw.
  const unseen = diffs.filter((d) => d.status !== "rendered").length;
  const helmTargets = diffs.filter((d) => d.target.includes("Helm release"));
  return {
    name,
    allow,
    releases: `${helmTargets.filter((d) => d.status === "rendered").length}/${helmTargets.length}`,
    builds: diffs.length,
    evaluated: evaluated.size,
    share: evaluated.size + unseen === 0 ? undefined : evaluated.size / (evaluated.size + unseen),
    failing: result.report.findings.filter((f) => f.rule === "PCK001").length,
    errors: result.report.errors.length,
    seconds,
  };
}

const repos = [
  ["flux2-kustomize-helm-example (style)", "acme/flux2-kustomize-helm-example", fluxExample()],
  ["home-ops (style)", "acme/home-ops", homeOps()],
  ["argocd-example-apps (style)", "acme/argocd-example-apps", argoExamples()],
  ["150 kustomizations (the render budget)", "acme/budget", budgetFill(150)],
];
const corpus = resolve(ROOT, "..", "shared", "corpus");
if (existsSync(corpus))
  for (const d of readdirSync(corpus).filter((d) => !d.endsWith(".md")))
    repos.push([
      `corpus/${d}`,
      `corpus/${d}`,
      Object.fromEntries(filesOf(join(corpus, d)).map((p) => [p, { from: join(corpus, d, p) }])),
    ]);
else console.error("../shared/corpus not found: corpus repositories skipped");

const rows = [];
const pct = (share) => (share === undefined ? "n/a (no workload)" : `${(share * 100).toFixed(0)}%`);
for (const [name, slug, files] of repos)
  for (const allow of [false, true]) {
    const r = await review(name.replace(/\W+/g, "-"), slug, files, allow);
    rows.push({ ...r, name });
    console.error(`${name} remote=${allow}: ${pct(r.share)} in ${r.seconds.toFixed(2)} s`);
  }
registry.stdin.end();
registry.kill();

const table = [
  "| repository | remote charts allowed | Helm releases rendered | builds | workloads evaluated | share of workloads evaluated | PCK001 found | review |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.allow ? "yes (loopback registry)" : "no (default)"} | ${r.releases} | ${r.builds} | ${r.evaluated} | ${pct(r.share)} | ${r.failing} | ${r.seconds.toFixed(2)} s |`,
  ),
].join("\n");
console.log(table);
if (write) {
  const path = join(ROOT, "docs", "benchmarks.md");
  const text = readFileSync(path, "utf8");
  const begin = "<!-- coverage:begin -->";
  const end = "<!-- coverage:end -->";
  const block = `${begin}\n\n${table}\n\n${end}`;
  writeFileSync(
    path,
    text.includes(begin)
      ? text.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block)
      : `${text.trimEnd()}\n\n${block}\n`,
  );
}
