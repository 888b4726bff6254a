#!/usr/bin/env node
// Writes a reproducible corpus of realistic manifests (Deployments, Services, ConfigMaps, CronJobs,
// ServiceAccounts, Roles and RoleBindings, Flux and Argo CD objects), some hardened and some not,
// for benchmarks anyone can rerun: N files, or as many files as hold N resources
// (`node scripts/generate-manifests.mjs DIR 50000 resources`).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
}

const yamlString = (v) => JSON.stringify(v);

function deployment(name, ns, r) {
  const hardened = r() < 0.5;
  const image =
    r() < 0.2
      ? `docker.io/acme/${name}:latest`
      : `ghcr.io/acme/${name}:1.${Math.floor(r() * 20)}.${Math.floor(r() * 9)}`;
  const sc = hardened
    ? `          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]`
    : r() < 0.3
      ? `          securityContext:
            privileged: true`
      : "";
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app.kubernetes.io/name: ${name}
spec:
  replicas: ${1 + Math.floor(r() * 4)}
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
    spec:
${hardened ? "      securityContext:\n        runAsNonRoot: true\n        seccompProfile:\n          type: RuntimeDefault\n      automountServiceAccountToken: false\n" : ""}      containers:
        - name: ${name}
          image: ${image}
          ports:
            - containerPort: ${8000 + Math.floor(r() * 1000)}
          env:
            - name: LOG_LEVEL
              value: info
            - name: ${r() < 0.1 ? "API_TOKEN" : "REGION"}
              value: ${yamlString(r() < 0.1 ? "s3cr3t" : "eu-west-1")}
${sc ? `${sc}\n` : ""}${hardened ? "          resources:\n            requests: { cpu: 100m, memory: 128Mi }\n            limits: { cpu: 500m, memory: 256Mi }\n          livenessProbe:\n            httpGet: { path: /healthz, port: 8080 }\n          readinessProbe:\n            httpGet: { path: /ready, port: 8080 }\n" : ""}`;
}

function service(name, ns, r) {
  const type = r() < 0.1 ? "LoadBalancer" : r() < 0.1 ? "NodePort" : "ClusterIP";
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  type: ${type}
  selector:
    app.kubernetes.io/name: ${name}
  ports:
    - port: 80
      targetPort: 8080
`;
}

function configMap(name, ns, r) {
  const lines = Array.from(
    { length: 5 + Math.floor(r() * 20) },
    (_, i) => `    key${i}: value-${Math.floor(r() * 1e6)}`,
  );
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-config
  namespace: ${ns}
data:
  settings.yaml: |
${lines.join("\n")}
`;
}

function fluxObjects(name, ns) {
  return `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 5m
  url: https://github.com/acme/${name}
  ref:
    branch: main
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  path: ./deploy
  prune: true
  targetNamespace: ${ns}
  sourceRef:
    kind: GitRepository
    name: ${name}
`;
}

/** A team's service account and what it may do: a namespaced Role, sometimes wider than it should be. */
function rbac(name, ns, r) {
  const wide = r() < 0.15;
  return `apiVersion: v1
kind: ServiceAccount
metadata:
  name: ${name}
  namespace: ${ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: ${name}
  namespace: ${ns}
rules:
  - apiGroups: [""]
    resources: [${wide ? '"*"' : "configmaps, services"}]
    verbs: [${wide ? '"*"' : "get, list, watch"}]
${r() < 0.2 ? '  - apiGroups: [""]\n    resources: [secrets]\n    verbs: [get]\n' : ""}---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ${name}
  namespace: ${ns}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ${r() < 0.05 ? "ClusterRole" : "Role"}
  name: ${r() < 0.05 ? "cluster-admin" : name}
subjects:
  - kind: ServiceAccount
    name: ${name}
    namespace: ${ns}
`;
}

/** A nightly job of the service, as platform teams write them. */
function cronJob(name, ns, r) {
  return `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ${name}-nightly
  namespace: ${ns}
spec:
  schedule: "${Math.floor(r() * 60)} 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - name: job
              image: ghcr.io/acme/${name}-job:1.${Math.floor(r() * 9)}.0
              args: [--once]
${r() < 0.5 ? "              resources:\n                limits: { cpu: 200m, memory: 128Mi }\n" : ""}`;
}

/** An Argo CD Application deploying the service's folder, some with automated pruning. */
function argoApplication(name, ns, r) {
  const automated = r() < 0.6;
  return `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: ${r() < 0.2 ? "default" : ns}
  source:
    repoURL: https://github.com/acme/${name}.git
    targetRevision: ${r() < 0.3 ? "HEAD" : "v1.2.3"}
    path: deploy
  destination:
    server: https://kubernetes.default.svc
    namespace: ${ns}
${automated ? "  syncPolicy:\n    automated:\n      prune: true\n      selfHeal: true\n" : ""}`;
}

/** One service's file: its workload, Service and ConfigMap, and by turns RBAC, jobs, Flux and Argo CD objects. */
function serviceFile(i, r) {
  const name = `svc-${i}`;
  const ns = `team-${i % 17}`;
  const docs = [deployment(name, ns, r), service(name, ns, r), configMap(name, ns, r)];
  if (i % 5 === 0) docs.push(fluxObjects(name, ns));
  if (i % 4 === 1) docs.push(rbac(name, ns, r));
  if (i % 6 === 2) docs.push(cronJob(name, ns, r));
  if (i % 7 === 3) docs.push(argoApplication(name, ns, r));
  return { ns, name, text: docs.join("---\n") };
}

/** Kubernetes objects in a file's text (each document holds one). */
const objectsIn = (text) => text.split(/^---$/m).length;

export function generateCorpus(dir, files = 500, seed = 42) {
  const r = rng(seed);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < files; i++) {
    const { ns, name, text } = serviceFile(i, r);
    const sub = join(dir, ns);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `${name}.yaml`), text);
  }
  return dir;
}

/** As many service files as it takes to hold `resources` objects (the last file may hold a few more). */
export function generateResources(dir, resources, seed = 42) {
  const r = rng(seed);
  mkdirSync(dir, { recursive: true });
  let written = 0;
  let files = 0;
  for (let i = 0; written < resources; i++, files++) {
    const { ns, name, text } = serviceFile(i, r);
    const sub = join(dir, ns);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `${name}.yaml`), text);
    written += objectsIn(text);
  }
  return { dir, files, resources: written };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = "bench-results/generated", count = "500", unit = "files"] = process.argv.slice(2);
  if (unit === "resources") {
    const made = generateResources(dir, Number(count));
    console.log(`wrote ${made.resources} resources in ${made.files} files to ${dir}`);
  } else {
    generateCorpus(dir, Number(count));
    console.log(`wrote ${count} files to ${dir}`);
  }
}
