#!/usr/bin/env node
// Writes a reproducible corpus of realistic manifests (Deployments, Services, ConfigMaps, CronJobs,
// RBAC, Flux and Argo CD objects), some hardened and some not, for benchmarks anyone can rerun.
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

export function generateCorpus(dir, files = 500, seed = 42) {
  const r = rng(seed);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < files; i++) {
    const name = `svc-${i}`;
    const ns = `team-${i % 17}`;
    const docs = [deployment(name, ns, r), service(name, ns, r), configMap(name, ns, r)];
    if (i % 5 === 0) docs.push(fluxObjects(name, ns));
    const sub = join(dir, ns);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `${name}.yaml`), docs.join("---\n"));
  }
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir = "bench-results/generated", count = "500"] = process.argv.slice(2);
  generateCorpus(dir, Number(count));
  console.log(`wrote ${count} files to ${dir}`);
}
