// Kyverno policies judge what Helm renders: `portcullis review` (the app's use case) with the
// policy at the base and a HelmRelease whose values make the container privileged.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../../src/adapters/fs/policy-bundle.js";
import { runCommand } from "../../support/cli.js";
import { gitRepo } from "../../support/git-repo.js";
import { describeWithKyverno } from "../../support/kyverno.js";
import { DISALLOW_PRIVILEGED } from "./fixtures.js";

const TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
          securityContext:
            privileged: {{ .Values.privileged }}
`;

const RELEASE = (values: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
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
  values:
${values}`;

const helmBuilt = existsSync(join(packageRoot(), ".tools", "bin", "helm"));

describeWithKyverno("Kyverno policies on rendered Helm releases", () => {
  it("fail the release whose values set privileged: true, at that values line", async () => {
    if (!helmBuilt) throw new Error("helm is not built: run `npm run build:helm`");
    const r = gitRepo();
    r.write(".github/portcullis.yml", "policies:\n  admission: [policies/kyverno]\n");
    r.write("policies/kyverno/disallow-privileged.yaml", DISALLOW_PRIVILEGED);
    r.write("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
    r.write("charts/web/values.yaml", "privileged: false\n");
    r.write("charts/web/templates/deployment.yaml", TEMPLATE);
    r.write("clusters/apps/web.yaml", RELEASE("    replicas: 2\n"));
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write("clusters/apps/web.yaml", RELEASE("    replicas: 2\n    privileged: true\n"));
    r.commit("privileged through values");
    const { stdout } = await runCommand(
      ["review", r.dir, "--base", "main", "--format", "json"],
      r.dir,
    );
    const out = JSON.parse(stdout) as {
      check: { annotations: { path: string; start_line: number; title: string }[] };
    };
    const kyverno = out.check.annotations.filter((a) =>
      a.title.includes("disallow-privileged-containers/privileged-containers"),
    );
    expect(kyverno.map((a) => `${a.path}:${a.start_line}`)).toEqual(["clusters/apps/web.yaml:17"]);
  });
});
