// Issue 23, requirement 3: Argo CD sources checked against the repository, ApplicationSets
// expanded, multi-source `$values` read, through `portcullis review` with the pinned tools.
import { findHelm } from "../../src/gitops/adapters/helm.js";
import { findKustomize } from "../../src/gitops/adapters/kustomize.js";
import { runCommand } from "../support/cli.js";
import { gitRepo } from "../support/git-repo.js";
import { deployment } from "../support/deployment.js";

const haveTools = findKustomize() !== undefined && findHelm() !== undefined;
if (!haveTools)
  process.stderr.write("kustomize or helm is not built: Argo CD review tests skipped\n");
const withTools = haveTools ? describe : describe.skip;

interface Out {
  check: {
    summary: string;
    annotations: { path: string; start_line: number; title: string; raw_details?: string }[];
  };
}

const DEPLOY = deployment;

async function review(dir: string): Promise<Out> {
  const { stdout } = await runCommand(["review", dir, "--base", "main", "--format", "json"], dir);
  return JSON.parse(stdout) as Out;
}

const APPSET = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: apps
  namespace: argocd
spec:
  generators:
    - git:
        repoURL: https://github.com/acme/fleet.git
        revision: HEAD
        directories:
          - path: apps/*
  template:
    metadata:
      name: '{{path.basename}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/acme/fleet.git
        targetRevision: HEAD
        path: '{{path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{path.basename}}'
`;

const FOREIGN = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: theirs
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/other/apps.git
    targetRevision: HEAD
    path: apps/web
  destination:
    server: https://kubernetes.default.svc
    namespace: theirs
`;

const MULTI = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: chart
  namespace: argocd
spec:
  project: default
  sources:
    - repoURL: git@github.com:acme/fleet.git
      path: charts/web
      helm:
        valueFiles:
          - $values/env/prod/values.yaml
    - repoURL: https://github.com/acme/fleet
      targetRevision: HEAD
      ref: values
  destination:
    server: https://kubernetes.default.svc
    namespace: chart
`;

const TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
          securityContext:
            privileged: {{ .Values.privileged }}
`;

withTools("portcullis review of Argo CD sources", () => {
  const r = gitRepo();
  r.git("remote", "add", "origin", "git@github.com:acme/fleet.git");
  r.write("argocd/appset.yaml", APPSET);
  r.write("argocd/chart.yaml", MULTI);
  r.write("apps/web/deploy.yaml", DEPLOY(false));
  r.write("apps/api/deploy.yaml", deployment(false, "api"));
  r.write("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
  r.write("charts/web/values.yaml", "privileged: false\n");
  r.write("charts/web/templates/deploy.yaml", TEMPLATE);
  r.write("env/prod/values.yaml", "privileged: false\n");
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  r.write("apps/web/deploy.yaml", DEPLOY(true));
  r.write("env/prod/values.yaml", "# production\nprivileged: true\n");
  r.write("argocd/theirs.yaml", FOREIGN);
  r.commit("privileged web, privileged chart, another repository's app");

  let out: Out;
  beforeAll(async () => {
    out = await review(r.dir);
  });

  const privileged = () =>
    out.check.annotations
      .filter((a) => a.title.startsWith("PCK001"))
      .map((a) => `${a.path}:${a.start_line}`)
      .sort();

  it("renders the Applications an ApplicationSet's git directories generator makes, and $values from this repository", () => {
    expect(privileged()).toEqual(["apps/web/deploy.yaml:12", "env/prod/values.yaml:2"]);
    const web = out.check.annotations.find((a) => a.path === "apps/web/deploy.yaml")!;
    expect(web.raw_details).toContain("Argo CD Application argocd/web");
    expect(web.raw_details).toContain("Deployment web/web");
  });

  it("lists another repository's Application as not evaluated: other repository, and renders nothing for it", () => {
    expect(out.check.summary).toContain("argocd/theirs.yaml");
    const line = out.check.summary.split("\n").find((l) => l.includes("argocd/theirs.yaml"));
    expect(line).toMatch(/line 9: .*not evaluated: other repository/);
    expect(line).toContain("theirs builds https://github.com/other/apps.git");
    expect(out.check.summary).not.toContain("Argo CD Application argocd/theirs");
  });
});

const ROOT_APP = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root
  namespace: argocd
spec:
  project: platform
  source:
    repoURL: https://github.com/acme/fleet
    targetRevision: main
    path: apps
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
`;

withTools("portcullis review of an app of apps built with Helm", () => {
  it("follows the Applications the root chart renders, and builds their folders as they deploy them", async () => {
    const r = gitRepo();
    r.git("remote", "add", "origin", "https://github.com/acme/fleet");
    r.write("root.yaml", ROOT_APP);
    r.write("apps/Chart.yaml", "apiVersion: v2\nname: apps\nversion: 0.1.0\n");
    r.write("apps/values.yaml", "repoURL: https://github.com/acme/fleet.git\n");
    r.write(
      "apps/templates/guestbook.yaml",
      `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: guestbook
  namespace: argocd
spec:
  project: platform
  source:
    repoURL: {{ .Values.repoURL }}
    targetRevision: main
    path: guestbook
  destination:
    server: https://kubernetes.default.svc
    namespace: guestbook
`,
    );
    r.write("guestbook/deploy.yaml", DEPLOY(false));
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write("guestbook/deploy.yaml", DEPLOY(true));
    r.commit("privileged guestbook");
    const out = await review(r.dir);
    const privileged = out.check.annotations.filter((a) => a.title.startsWith("PCK001"));
    expect(privileged.map((a) => `${a.path}:${a.start_line}`)).toEqual([
      "guestbook/deploy.yaml:12",
    ]);
    // Rendered as the child Application deploys it: into its destination namespace.
    expect(privileged[0]!.raw_details).toContain("Argo CD Application argocd/guestbook");
    expect(privileged[0]!.raw_details).toContain("Deployment guestbook/web");
  });
});

/** A child Application of the root chart whose own source is the Helm chart ./charts/web. */
const CHILD_CHART_APP = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: platform
  source:
    repoURL: {{ .Values.repoURL }}
    targetRevision: main
    path: charts/web
    helm:
      valueFiles:
        - values-prod.yaml
      valuesObject:
{{ toYaml .Values.web | indent 8 }}
  destination:
    server: https://kubernetes.default.svc
    namespace: web
`;

/** Another repository's Application whose path is also a chart folder of this repository. */
const FOREIGN_CHILD_APP = FOREIGN.replace("other/apps.git", "other/charts").replace(
  "path: apps/web",
  "path: charts/web",
);

withTools("portcullis review of an app of apps whose children are Helm charts", () => {
  const CHART_TEMPLATE = `${TEMPLATE}            allowPrivilegeEscalation: {{ .Values.allowPrivilegeEscalation }}
`;
  const setup = () => {
    const r = gitRepo();
    r.git("remote", "add", "origin", "https://github.com/acme/fleet");
    r.write("root.yaml", ROOT_APP);
    r.write("apps/Chart.yaml", "apiVersion: v2\nname: apps\nversion: 0.1.0\n");
    r.write(
      "apps/values.yaml",
      "repoURL: https://github.com/acme/fleet.git\nweb:\n  allowPrivilegeEscalation: false\n",
    );
    r.write("apps/templates/web.yaml", CHILD_CHART_APP);
    r.write("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
    r.write("charts/web/values.yaml", "privileged: false\nallowPrivilegeEscalation: false\n");
    r.write("charts/web/values-prod.yaml", "replicas: 2\nprivileged: false\n");
    r.write("charts/web/templates/deploy.yaml", CHART_TEMPLATE);
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    return r;
  };
  const places = (out: Out, rule: string) =>
    out.check.annotations
      .filter((a) => a.title.startsWith(rule))
      .map((a) => `${a.path}:${a.start_line}`)
      .sort();

  it("renders a child Application's chart with its values file, the finding at the values line", async () => {
    const r = setup();
    r.write("charts/web/values-prod.yaml", "replicas: 2\nprivileged: true\n");
    r.commit("privileged web in production");
    const out = await review(r.dir);
    expect(places(out, "PCK001")).toEqual(["charts/web/values-prod.yaml:2"]);
    const finding = out.check.annotations.find((a) => a.title.startsWith("PCK001"))!;
    expect(finding.raw_details).toContain("Argo CD Application argocd/web");
    // Rendered as the child deploys it: its release name and destination namespace.
    expect(finding.raw_details).toContain("Deployment web/web");
  });

  it("reports a value the root chart's values give the child (valuesObject) at the root's values line", async () => {
    const r = setup();
    r.write(
      "apps/values.yaml",
      "repoURL: https://github.com/acme/fleet.git\nweb:\n  allowPrivilegeEscalation: true\n",
    );
    r.commit("escalation for web");
    const out = await review(r.dir);
    expect(places(out, "PCK003")).toEqual(["apps/values.yaml:3"]);
  });

  it("lists a child chart Application of another repository as not evaluated: other repository", async () => {
    const r = setup();
    r.write("apps/templates/theirs.yaml", FOREIGN_CHILD_APP);
    r.write("charts/web/values-prod.yaml", "replicas: 2\nprivileged: true\n");
    r.commit("their web, privileged ours");
    const out = await review(r.dir);
    expect(out.check.summary).toMatch(/root\.yaml.*not evaluated: other repository/);
    expect(out.check.summary).toContain("theirs builds https://github.com/other/charts");
    // Its path names a chart of this repository; it is never rendered from it.
    expect(out.check.summary).not.toContain("Argo CD Application argocd/theirs");
  });
});

withTools("portcullis review of Argo CD sources it cannot render", () => {
  const app = (name: string, source: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/fleet
    targetRevision: HEAD
${source}
  destination:
    server: https://kubernetes.default.svc
    namespace: ${name}
`;

  it("fails closed on a directory app with Jsonnet and on a config management plugin, at the Application's line, instead of an empty render", async () => {
    const r = gitRepo();
    r.git("remote", "add", "origin", "https://github.com/acme/fleet");
    r.write("README.md", "fleet\n");
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write("apps/jsonnet/main.jsonnet", "{ apiVersion: 'v1', kind: 'Pod' }\n");
    r.write("apps/cmp/values.txt", "anything\n");
    r.write("argocd/jsonnet.yaml", app("jsonnet", "    path: apps/jsonnet"));
    r.write(
      "argocd/cmp.yaml",
      app("cmp", "    path: apps/cmp\n    plugin:\n      name: secret-maker"),
    );
    r.commit("apps Portcullis cannot render");
    const { code, stdout } = await runCommand(
      ["review", r.dir, "--base", "main", "--format", "json"],
      r.dir,
    );
    const out = JSON.parse(stdout) as Out & { check: { conclusion: string } };
    expect(out.check.conclusion).toBe("failure");
    expect(code).not.toBe(0);
    const lines = out.check.summary.split("\n");
    expect(lines.find((l) => l.includes("argocd/jsonnet.yaml"))).toMatch(
      /line 11: .*not evaluated: Argo CD Application jsonnet reads apps\/jsonnet\/main\.jsonnet: Argo CD evaluates Jsonnet/,
    );
    expect(lines.find((l) => l.includes("argocd/cmp.yaml"))).toMatch(
      /line 12: .*not evaluated: Argo CD Application cmp is rendered by a config management plugin/,
    );
  });
});
