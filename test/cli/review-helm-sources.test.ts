// Helm value sources a controller applies beyond values files and inline values: Argo CD
// `helm.parameters` are rendered as Argo CD passes them (`--set`, `--set-string`); Flux
// `valuesFiles` and `postRenderers` are not reproduced, so such a release fails closed.
import { findHelm } from "../../src/gitops/adapters/helm.js";
import { findKustomize } from "../../src/gitops/adapters/kustomize.js";
import { argoSetValue } from "../../src/gitops/adapters/helm.js";
import { runCommand } from "../support/cli.js";
import { gitRepo, type TestRepo } from "../support/git-repo.js";

const haveTools = findHelm() !== undefined && findKustomize() !== undefined;
if (!haveTools)
  process.stderr.write("helm or kustomize is not built: Helm value source tests skipped\n");
const withHelm = haveTools ? describe : describe.skip;

const TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      {{- if .Values.priv }}
      hostPID: true
      {{- end }}
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
          securityContext:
            privileged: {{ .Values.securityContext.privileged }}
`;

interface Out {
  check: {
    conclusion: string;
    summary: string;
    annotations: { path: string; start_line: number; title: string; message: string }[];
  };
}

function chartRepo(): TestRepo {
  const r = gitRepo();
  r.git("remote", "add", "origin", "https://github.com/acme/fleet");
  r.write("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
  r.write("charts/web/values.yaml", "priv: false\nsecurityContext:\n  privileged: false\n");
  r.write("charts/web/values-prod.yaml", "priv: true\n");
  r.write("charts/web/templates/deployment.yaml", TEMPLATE);
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  return r;
}

async function review(dir: string): Promise<{ code: number; out: Out }> {
  const { code, stdout } = await runCommand(
    ["review", dir, "--base", "main", "--format", "json"],
    dir,
  );
  return { code, out: JSON.parse(stdout) as Out };
}

const APP = (helm: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/fleet
    targetRevision: HEAD
    path: charts/web
    helm:
${helm}
  destination:
    server: https://kubernetes.default.svc
    namespace: web
`;

const RELEASE = (extra: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: apps
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/web
      sourceRef:
        kind: GitRepository
        name: flux-system
        namespace: flux-system
${extra}`;

const rules = (out: Out) => out.check.annotations.map((a) => a.title.split(":")[0]).sort();

withHelm("Helm value sources beyond values files", () => {
  it("applies Argo CD helm.parameters after the values, as --set and --set-string", async () => {
    const r = chartRepo();
    r.write(
      "argocd/web.yaml",
      APP(`      valuesObject:
        priv: false
      parameters:
        - name: priv
          value: "true"
        - name: securityContext.privileged
          value: "true"
          forceString: true`),
    );
    r.commit("privileged through parameters");
    const { out } = await review(r.dir);
    // hostPID from `--set priv=true` over valuesObject; privileged printed from the string.
    expect(rules(out)).toEqual(expect.arrayContaining(["PCK001", "PCK004"]));
    expect(out.check.conclusion).toBe("failure");
  });

  it("escapes commas in a parameter as Argo CD does, and leaves {a,b} lists alone", () => {
    expect(argoSetValue("a,b")).toBe("a\\,b");
    expect(argoSetValue("a\\,b,,c")).toBe("a\\,b\\,\\,c");
    expect(argoSetValue("{a,b}")).toBe("{a,b}");
  });

  it("fails closed on a Flux HelmRelease with chart.spec.valuesFiles, at the release's chart line", async () => {
    const r = chartRepo();
    r.write(
      "clusters/web.yaml",
      RELEASE("").replace(
        "      chart: ./charts/web\n",
        "      chart: ./charts/web\n      valuesFiles:\n        - charts/web/values.yaml\n        - charts/web/values-prod.yaml\n",
      ),
    );
    r.commit("prod values files");
    const { code, out } = await review(r.dir);
    expect(out.check.conclusion).toBe("failure");
    expect(code).not.toBe(0);
    expect(out.check.summary).toMatch(
      /clusters\/web\.yaml line 10: .*not evaluated: its chart\.spec\.valuesFiles .*values-prod\.yaml/,
    );
  });

  it("fails closed on a Flux HelmRelease with postRenderers", async () => {
    const r = chartRepo();
    r.write(
      "clusters/web.yaml",
      RELEASE(`  postRenderers:
    - kustomize:
        patches:
          - target: {kind: Deployment}
            patch: |
              - op: add
                path: /spec/template/spec/hostNetwork
                value: true
`),
    );
    r.commit("post-rendered");
    const { code, out } = await review(r.dir);
    expect(out.check.conclusion).toBe("failure");
    expect(code).not.toBe(0);
    expect(out.check.summary).toMatch(
      /clusters\/web\.yaml line 10: .*not evaluated: its spec\.postRenderers/,
    );
  });
});
