// `portcullis review` renders the kustomizations a change affects and reports at the line a human edits.
import { chmodSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findKustomize } from "../../src/gitops/adapters/kustomize.js";
import { runCommand } from "../support/cli.js";
import { gitRepo } from "../support/git-repo.js";
import { recordingServer } from "../support/recording-server.js";

const haveKustomize = findKustomize() !== undefined;
if (!haveKustomize)
  process.stderr.write(
    "kustomize is not built: run `npm run build:render` (render review tests skipped)\n",
  );
const withKustomize = haveKustomize ? describe : describe.skip;

const BASE_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
`;

const REPLICAS_PATCH = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
`;

interface Out {
  check: {
    conclusion: string;
    summary: string;
    annotations: {
      path: string;
      start_line: number;
      title: string;
      raw_details?: string;
      message: string;
    }[];
  };
  review: { comments: { path: string; line: number; body: string }[] };
}

async function review(
  dir: string,
  args: string[] = [],
): Promise<{ code: number; out: Out; stdout: string }> {
  const { code, stdout } = await runCommand(
    ["review", dir, "--base", "main", "--format", "json", ...args],
    dir,
  );
  return { code, out: JSON.parse(stdout) as Out, stdout };
}

withKustomize("portcullis review with rendering", () => {
  const r = gitRepo();
  r.write("apps/base/deployment.yaml", BASE_DEPLOYMENT);
  r.write("apps/base/kustomization.yaml", "resources:\n  - deployment.yaml\n");
  r.write(
    "apps/prod/kustomization.yaml",
    "resources:\n  - ../base\nnamespace: prod\npatches:\n  - path: patch.yaml\n",
  );
  r.write("apps/prod/patch.yaml", REPLICAS_PATCH);
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  r.write(
    "apps/prod/patch.yaml",
    `${REPLICAS_PATCH}  template:
    spec:
      containers:
        - name: web
          securityContext:
            privileged: true
`,
  );
  r.commit("privileged in prod");

  it("reports privileged: true at the patch line, as new, with what renders it", async () => {
    const { code, out } = await review(r.dir);
    expect(code).toBe(1);
    const privileged = out.check.annotations.filter((a) => a.title.startsWith("PCK001"));
    expect(privileged.map((a) => `${a.path}:${a.start_line}`)).toEqual(["apps/prod/patch.yaml:12"]);
    expect(privileged[0]!.raw_details).toContain("Rendered by: kustomize apps/prod");
    expect(privileged[0]!.raw_details).toContain("Deployment prod/web");
    // The changed line gets the inline comment.
    expect(
      out.review.comments.some((c) => c.path === "apps/prod/patch.yaml" && c.line === 12),
    ).toBe(true);
  });

  it("maps findings of fields the patch does not set to the base resource's lines, as pre-existing", async () => {
    const { out } = await review(r.dir);
    const seccomp = out.check.annotations.find((a) => a.title.startsWith("PCK008"));
    expect(seccomp?.path).toBe("apps/base/deployment.yaml");
    expect(seccomp?.title).toContain("(pre-existing)");
  });

  it("no longer treats the overlay patch as a partial file of its own", async () => {
    const { out } = await review(r.dir);
    expect(
      out.check.annotations.every((a) => a.path !== "apps/prod/patch.yaml" || a.start_line >= 9),
    ).toBe(true);
  });

  it("shows the rendered diff in the summary", async () => {
    const { out } = await review(r.dir);
    expect(out.check.summary).toContain("### Rendered changes");
    expect(out.check.summary).toMatch(/apps\/prod.*changed.*Deployment prod\/web/s);
  });

  it("renders nothing when the configuration turns rendering off", async () => {
    const off = gitRepo();
    off.write(".github/portcullis.yml", "render:\n  kustomize: false\n");
    off.write("app/kustomization.yaml", "resources: [deployment.yaml]\n");
    off.write("app/deployment.yaml", BASE_DEPLOYMENT);
    off.commit("base");
    off.git("checkout", "-q", "-b", "feature");
    off.write("app/deployment.yaml", BASE_DEPLOYMENT.replace("1.0.0", "1.0.1"));
    off.commit("bump");
    const { out } = await review(off.dir);
    expect(out.check.summary).not.toContain("Rendered changes");
  });
});

withKustomize("portcullis review never fetches or runs what a kustomization asks for", () => {
  it("lists a remote base and an exec generator as not evaluated at their lines, and touches neither", async () => {
    const { url, requests, close } = await recordingServer(BASE_DEPLOYMENT);
    const marker = join(mkdtempSync(join(tmpdir(), "portcullis-marker-")), "ran");
    try {
      const r = gitRepo();
      r.write("app/deployment.yaml", BASE_DEPLOYMENT);
      r.write("app/kustomization.yaml", "resources:\n  - deployment.yaml\n");
      r.commit("base");
      r.git("checkout", "-q", "-b", "feature");
      r.write(
        "app/kustomization.yaml",
        `resources:\n  - deployment.yaml\n  - ${url}/base.yaml\ngenerators:\n  - gen.yaml\n`,
      );
      r.write("app/marker.sh", `#!/bin/sh\ntouch ${marker}\ncat\n`);
      chmodSync(join(r.dir, "app", "marker.sh"), 0o755);
      r.write(
        "app/gen.yaml",
        `apiVersion: example.com/v1
kind: Marker
metadata:
  name: m
  annotations:
    config.kubernetes.io/function: |
      exec:
        path: ./marker.sh
`,
      );
      r.commit("remote and exec");
      const { out } = await review(r.dir);
      expect(out.check.summary).toMatch(/app\/kustomization.yaml line 3: skipped: remote resource/);
      expect(out.check.summary).toMatch(
        /app\/kustomization.yaml line 5: skipped: Marker is an exec KRM function/,
      );
      expect(out.check.summary).toMatch(/- `app`: not evaluated/);
      expect(requests).toEqual([]);
      expect(existsSync(marker)).toBe(false);
    } finally {
      close();
    }
  });

  it("reports a kustomization that does not build as PCS004 at its kind line", async () => {
    const r = gitRepo();
    r.write("app/deployment.yaml", BASE_DEPLOYMENT);
    r.write("app/kustomization.yaml", "kind: Kustomization\nresources:\n  - deployment.yaml\n");
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write(
      "app/kustomization.yaml",
      "kind: Kustomization\nresources:\n  - deployment.yaml\npatches:\n  - path: missing.yaml\n",
    );
    r.commit("a patch that is not there");
    const { code, out } = await review(r.dir);
    expect(code).toBe(1);
    const failed = out.check.annotations.filter((a) => a.title.startsWith("PCS004"));
    expect(failed.map((a) => `${a.path}:${a.start_line}`)).toEqual(["app/kustomization.yaml:1"]);
    expect(failed[0]!.message).toContain("missing.yaml");
    expect(out.check.summary).toMatch(/- `app`: \*\*could not be rendered\*\*/);
  });
});

const FLUX_KUSTOMIZATION = (
  tag: string,
  hostNetwork: boolean,
) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./apps/plain
  targetNamespace: shop
  postBuild:
    substitute:
      TAG: "${tag}"
    substituteFrom:
      - kind: ConfigMap
        name: vars
  patches:
    - target:
        kind: Deployment
      patch: |
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              hostNetwork: ${hostNetwork}
`;

const PLAIN_DEPLOYMENT = BASE_DEPLOYMENT.replace(
  "image: ghcr.io/acme/web:1.0.0",
  "image: ${REGISTRY}/web:${TAG}",
);

withKustomize("portcullis review as Flux and Argo CD build", () => {
  const r = gitRepo();
  r.write("clusters/prod/apps.yaml", FLUX_KUSTOMIZATION("1.2.3", false));
  r.write(
    "clusters/prod/vars.yaml",
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n  namespace: flux-system\ndata:\n  REGISTRY: ghcr.io/acme\n",
  );
  r.write("apps/plain/deployment.yaml", PLAIN_DEPLOYMENT);
  r.write(
    "argocd/web.yaml",
    `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: shop
  source:
    repoURL: https://github.com/acme/fleet
    targetRevision: main
    path: apps/argo
  destination:
    server: https://kubernetes.default.svc
    namespace: default
`,
  );
  r.write(
    "apps/argo/service.yaml",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n    - port: 80\n",
  );
  // The repository's remote: the Application's repoURL names this repository.
  r.git("remote", "add", "origin", "git@github.com:acme/fleet.git");
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  r.write("clusters/prod/apps.yaml", FLUX_KUSTOMIZATION("latest", true));
  r.write("apps/argo/deployment.yaml", BASE_DEPLOYMENT);
  r.commit("latest, host network, and a deployment for Argo CD");

  it("builds a folder without kustomization.yaml with the Flux Kustomization's patches and variables", async () => {
    const { out } = await review(r.dir);
    const fresh = out.check.annotations.filter((a) => !a.title.endsWith("(pre-existing)"));
    const at = (rule: string) =>
      fresh.filter((a) => a.title.startsWith(rule)).map((a) => `${a.path}:${a.start_line}`);
    // The inline patch in the Flux Kustomization set hostNetwork: its line there.
    expect(at("PCK004")).toEqual(["clusters/prod/apps.yaml:31"]);
    // ${TAG} became "latest" (postBuild.substitute): the image line of the source file.
    expect(at("PCK011")).toEqual(["apps/plain/deployment.yaml:15"]);
    const latest = fresh.find((a) => a.title.startsWith("PCK011"))!;
    expect(latest.raw_details).toContain("Deployment shop/web");
    expect(latest.raw_details).toContain("Flux Kustomization flux-system/apps");
    expect(out.check.summary).toContain(
      "- `apps/plain` (Flux Kustomization flux-system/apps): 1 changed: ~ Deployment shop/web",
    );
  });

  it("builds an Argo CD Application's folder into its destination namespace", async () => {
    const { out } = await review(r.dir);
    const forbidden = out.check.annotations.filter((a) => a.title.startsWith("PCK018"));
    // The namespace comes from the Application's destination: the line a human edits (issue 23).
    expect(forbidden.map((a) => `${a.path}:${a.start_line}`)).toEqual([
      "argocd/web.yaml:14",
      "argocd/web.yaml:14",
    ]);
    expect(forbidden.map((a) => a.title.includes("pre-existing")).sort()).toEqual([false, true]);
    expect(forbidden[0]!.raw_details).toContain("Argo CD Application argocd/web");
    expect(out.check.summary).toContain(
      "- `apps/argo` (Argo CD Application argocd/web): 1 added: + Deployment default/web",
    );
  });
});

withKustomize("a Flux Kustomization's own components", () => {
  it("never loads a component outside the repository or a remote one: not evaluated, at the object", async () => {
    const r = gitRepo();
    r.write("apps/plain/deployment.yaml", BASE_DEPLOYMENT);
    r.write("clusters/prod/apps.yaml", FLUX_KUSTOMIZATION("1.2.3", false));
    r.commit("base");
    r.git("checkout", "-q", "-b", "feature");
    r.write(
      "clusters/prod/apps.yaml",
      FLUX_KUSTOMIZATION("1.2.3", false).replace(
        "  targetNamespace: shop\n",
        '  targetNamespace: shop\n  components:\n    - ../../../../../tmp/outside\n    - "https://example.com/c?ref=main"\n',
      ),
    );
    r.commit("components outside");
    const { out } = await review(r.dir);
    // Both refused before any build, listed at the Flux Kustomization (its kind line).
    expect(out.check.summary).toContain(
      '- clusters/prod/apps.yaml line 2: skipped: path "../../../../../tmp/outside" leaves the repository; apps/plain was not rendered',
    );
    expect(out.check.summary).toContain(
      '- clusters/prod/apps.yaml line 2: skipped: remote resource "https://example.com/c?ref=main" is never fetched',
    );
    expect(out.check.summary).not.toMatch(/Rendered changes[\s\S]*apps\/plain.*changed/);
  });
});
