// Flux post-build substitution runs on each built resource's YAML text (envsubst), so a variable
// can make a key or a typed value; `portcullis review` must see what Flux applies.
import { findKustomize } from "../../src/gitops/adapters/kustomize.js";
import { runCommand } from "../support/cli.js";
import { gitRepo } from "../support/git-repo.js";

const haveKustomize = findKustomize() !== undefined;
if (!haveKustomize)
  process.stderr.write("kustomize is not built: Flux substitution review tests skipped\n");
const withKustomize = haveKustomize ? describe : describe.skip;

const KUSTOMIZATION = (postBuild: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  interval: 10m
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./apps/web
  postBuild:
${postBuild}`;

const DEPLOYMENT = (podSpec: string, annotations = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
${annotations}spec:
  template:
    spec:
${podSpec}
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
`;

interface Out {
  check: {
    conclusion: string;
    summary: string;
    annotations: { path: string; start_line: number; title: string }[];
  };
}

async function review(files: Record<string, string>): Promise<{ code: number; out: Out }> {
  const r = gitRepo();
  r.write("README.md", "fleet\n");
  r.commit("base");
  r.git("checkout", "-q", "-b", "feature");
  for (const [path, text] of Object.entries(files)) r.write(path, text);
  r.commit("substituted");
  const { code, stdout } = await runCommand(
    ["review", r.dir, "--base", "main", "--format", "json"],
    r.dir,
  );
  return { code, out: JSON.parse(stdout) as Out };
}

const hostFindings = (out: Out) =>
  out.check.annotations.filter((a) => a.title.startsWith("PCK004")).length;

withKustomize("Flux post-build substitution on the YAML text", () => {
  it("sees a key and a boolean that only exist after substitution (${NETKEY}: true, hostPID: ${T}${RUE})", async () => {
    const { out } = await review({
      "clusters/apps.yaml": KUSTOMIZATION(
        "    substitute:\n      NETKEY: hostNetwork\n      T: t\n      RUE: rue\n",
      ),
      "apps/web/deployment.yaml": DEPLOYMENT("      ${NETKEY}: true\n      hostPID: ${T}${RUE}"),
    });
    // hostNetwork and hostPID: both real fields of what Flux applies.
    expect(hostFindings(out)).toBeGreaterThanOrEqual(1);
    const details = JSON.stringify(
      out.check.annotations.filter((a) => a.title.startsWith("PCK004")),
    );
    expect(details).toMatch(/hostNetwork/);
    expect(details).toMatch(/hostPID/);
    expect(out.check.conclusion).toBe("failure");
  });

  it("honours ${VAR:=default} and the substitute: disabled annotation", async () => {
    const { out } = await review({
      "clusters/apps.yaml": KUSTOMIZATION("    substitute:\n      OTHER: x\n"),
      "apps/web/deployment.yaml": DEPLOYMENT("      hostNetwork: ${HOST_NET:=true}"),
    });
    expect(hostFindings(out)).toBe(1);
    const off = await review({
      "clusters/apps.yaml": KUSTOMIZATION("    substitute:\n      NETKEY: hostNetwork\n"),
      "apps/web/deployment.yaml": DEPLOYMENT(
        "      ${NETKEY}: true",
        "  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
      ),
    });
    expect(hostFindings(off.out)).toBe(0);
  });

  it("fails closed when a variable can only come from a substituteFrom source outside the repository, or a Secret", async () => {
    for (const from of [
      "      - kind: ConfigMap\n        name: cluster-vars\n",
      "      - kind: Secret\n        name: cluster-secrets\n",
    ]) {
      const { code, out } = await review({
        "clusters/apps.yaml": KUSTOMIZATION(`    substituteFrom:\n${from}`),
        "apps/web/deployment.yaml": DEPLOYMENT("      hostNetwork: ${HOST_NET:=false}"),
      });
      expect(out.check.conclusion).toBe("failure");
      expect(code).not.toBe(0);
      expect(out.check.summary).toMatch(
        /clusters\/apps\.yaml line 11: .*not evaluated: Deployment web: its variable HOST\\?_NET may come from (ConfigMap cluster-vars|Secret cluster-secrets), which is not in the repository/,
      );
    }
  });
});
