// Admission policy conformance: this project's own ValidatingAdmissionPolicies, bindings, params and
// a Gatekeeper CEL template (test/fixtures/admission, in the style of Kubernetes' VAP docs and the
// gatekeeper-library), checked with `portcullis check --admission` and in the app. The texts are
// the apiserver's: tools/cel runs k8s.io/apiserver's own code, and its Go test
// (tools/cel/dispatch_test.go, run here) compares every case with the apiserver's dispatcher.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { celPath } from "../../src/engines/cel/cel-session.js";
import { loadVap } from "../../src/engines/vap/vap-engine.js";
import { POLICY_CHECK_NAME } from "../../src/render/check-run.js";
import { runCommand } from "../support/cli.js";
import { kyvernoBinary } from "../support/kyverno.js";
import { startE2eServer, type E2eServer } from "../support/e2e-server.js";
import {
  lastCompletedCheck,
  startGitHubStandIn,
  type GitHubStandIn,
} from "../support/github-stand-in.js";
import { webhookExample } from "../support/webhooks.js";

const ROOT = join(packageRoot(), "test", "fixtures", "admission");

interface Finding {
  rule: string;
  severity: string;
  file: string;
  message: string;
  lines: { start: number };
  policy?: { file: string; line: number };
}

async function check(...extra: string[]) {
  const { code, stdout, stderr } = await runCommand(
    ["check", "apps", "--admission", "policies", "--format", "json", ...extra],
    ROOT,
  );
  const report = JSON.parse(stdout) as { findings: Finding[]; errors: unknown[] };
  const admission = report.findings
    .filter((f) => !/^PC[KS]\d+$/.test(f.rule))
    .map((f) => [f.file, f.lines.start, f.severity, f.rule, f.message, f.policy]);
  return { code, report, stderr, admission };
}

const DENIED = `deployments.apps "web" is forbidden: ValidatingAdmissionPolicy 'deployment-limits' with binding 'deployment-limits-shop' denied request:`;
const LIMITS = { file: "policies/deployment-limits.yaml", line: 3 };

describe("ValidatingAdmissionPolicies and Gatekeeper CEL templates (check --admission)", () => {
  beforeAll(() => {
    if (!celPath()) throw new Error("tools/cel is not built: run `npm run build:cel`");
  });

  it("reports every failed validation with the apiserver's text, on the resource's kind line, linked to its policy", async () => {
    const { code, report, admission } = await check();
    // The folder's Kyverno policy goes to its own engine: without the pinned kyverno (a local
    // checkout that did not run `npm run build:kyverno`) that is an error of the run, never a pass.
    if (kyvernoBinary) expect(report.errors).toEqual([]);
    else expect(JSON.stringify(report.errors)).toContain("kyverno is not installed");
    expect(code).toBe(1);
    expect(admission).toEqual(
      expect.arrayContaining([
        [
          "apps/web.yaml",
          2,
          "error",
          "deployment-limits/deployment-limits-shop",
          `${DENIED} replicas must be at most 3, got 5`,
          LIMITS,
        ],
        [
          "apps/web.yaml",
          2,
          "error",
          "deployment-limits/deployment-limits-shop",
          `${DENIED} every container needs a memory limit within the namespace's maximum`,
          LIMITS,
        ],
        // Warn and Audit: the apiserver's warning text, as a warning, naming both actions.
        [
          "apps/web.yaml",
          24,
          "warning",
          "require-team-label/require-team-label-warn",
          "Validation failed for ValidatingAdmissionPolicy 'require-team-label' with binding 'require-team-label-warn': ConfigMaps must carry a team label (validationActions Warn and Audit)",
          { file: "policies/team-label.yaml", line: 3 },
        ],
        // The Gatekeeper CEL template beside them: gator's message, the constraint's warn action.
        [
          "apps/web.yaml",
          32,
          "warning",
          "K8sAllowedPorts/web-ports",
          "containers shell expose ports outside 8080, 8443",
          { file: "policies/allowed-ports.yaml", line: 37 },
        ],
        // The Namespace a namespaceSelector needs is not in the repository: not decided, failing
        // as the binding would deny.
        [
          "apps/elsewhere.yaml",
          3,
          "error",
          "deployment-limits/deployment-limits-shop",
          "not evaluated: ValidatingAdmissionPolicy 'deployment-limits' with binding 'deployment-limits-shop': its binding's namespaceSelector needs the labels of Namespace jobs, which is not in the repository",
          LIMITS,
        ],
      ]),
    );
    // The mixed folder's Kyverno policy, run by the Kyverno engine: each container without a
    // liveness probe, on its line.
    const kyverno = admission.filter((a) => a[3] === "require-probes/liveness");
    expect(kyverno.map((a) => [a[0], a[1], a[2]])).toEqual(
      kyvernoBinary
        ? [
            ["apps/elsewhere.yaml", 18, "warning"],
            ["apps/web.yaml", 17, "warning"],
            ["apps/web.yaml", 38, "warning"],
          ]
        : [],
    );
    // Nothing else: matchConditions leave the params ConfigMap out, the Namespace is not matched.
    expect(admission).toHaveLength(5 + kyverno.length);
  });

  it("reads the mixed folder without complaint: Kyverno policies are left to their engine", async () => {
    const { stderr, report } = await check();
    expect(report.errors).toEqual([]);
    expect(stderr).not.toMatch(/kyverno|ClusterPolicy|holds no/i);
  });

  it("refuses a policy whose expression does not compile, at its line, with CEL's error", async () => {
    const dir = join(packageRoot(), "test", "fixtures", "admission-broken");
    const { code, stdout } = await runCommand(
      ["check", ".", "--admission", "policies", "--format", "json"],
      dir,
    );
    const report = JSON.parse(stdout) as {
      errors: { file: string; line: number; message: string }[];
    };
    expect(code).toBe(2);
    expect(report.errors).toEqual([
      {
        file: "policies/broken.yaml",
        line: 14,
        message: expect.stringMatching(
          /^ValidatingAdmissionPolicy broken-expression: compilation failed: ERROR: <input>:1:\d+: undeclared reference to 'objekt' \(in container ''\)$/,
        ),
      },
    ]);
  });

  it("fails closed without the CEL engine, naming how to get it", async () => {
    const { code, stdout } = await runCommand(
      ["check", "apps", "--admission", "policies", "--format", "json"],
      ROOT,
      { PORTCULLIS_CEL: "" },
    );
    const report = JSON.parse(stdout) as { errors: { message: string }[] };
    expect(code).toBe(2);
    expect(report.errors.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/^the Kubernetes CEL engine \(tools\/cel\) is not installed/),
    );
  });

  it("writes its fixtures itself (no file copied from a public repository)", () => {
    for (const f of readdirSync(join(ROOT, "policies")))
      expect(readFileSync(join(ROOT, "policies", f), "utf8")).not.toMatch(/Copyright|SPDX/);
  });
});

describe("a change that relabels its own Namespace", () => {
  it("is still judged by a selector the Namespace's version before the change meets", async () => {
    const text = readFileSync(join(ROOT, "policies", "deployment-limits.yaml"), "utf8");
    const shop = (team: string) => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "shop", labels: { team } },
    });
    const params = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "deployment-limits", namespace: "shop" },
      data: { maxReplicas: "3", maxMemory: "512Mi" },
    };
    const web = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "shop" },
      spec: { replicas: 5, template: { spec: { containers: [] } } },
    };
    const sources = [{ path: "policies/deployment-limits.yaml", text }];
    const messages = async (previous: unknown[]) => {
      const loaded = await loadVap(sources, [shop("elsewhere"), params], process.env, previous);
      const [result] = await loaded.engine!.evaluate([
        { document: web, file: { path: "apps/web.yaml", partial: false } },
      ]);
      return result!.ok ? result!.findings.map((f) => f.msg) : [result!.error];
    };
    // The head's Namespace is labelled away from the binding's selector: alone, nothing applies.
    expect(await messages([])).toEqual([]);
    // The base's version still carries team: shop, so the cluster would judge it: denied.
    expect(await messages([shop("shop")])).toEqual([`${DENIED} replicas must be at most 3, got 5`]);
  });
});

describe("ValidatingAdmissionPolicies in the app (policies.admission, read at the base)", () => {
  const opened = webhookExample("pull_request", "opened", 93);
  const { number, base, head } = opened.pull_request;
  let standIn: GitHubStandIn | undefined;
  let server: E2eServer | undefined;
  afterEach(async () => {
    await server?.close();
    await standIn?.close();
  });

  it("fails the policy check with the apiserver's text as an annotation on the Deployment's kind line", async () => {
    const read = (p: string) => readFileSync(join(ROOT, p), "utf8");
    const policies = Object.fromEntries(
      readdirSync(join(ROOT, "policies")).map((f) => [`policies/${f}`, read(`policies/${f}`)]),
    );
    const config = { ".github/portcullis.yml": "policies:\n  admission: [policies]\n" };
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number,
      files: {
        [base.sha]: {
          ...config,
          ...policies,
          "apps/namespaces.yaml": read("apps/namespaces.yaml"),
        },
        [head.sha]: {
          ...config,
          ...policies,
          "apps/namespaces.yaml": read("apps/namespaces.yaml"),
          "apps/web.yaml": read("apps/web.yaml"),
        },
      },
      changed: [{ filename: "apps/web.yaml", status: "added", patch: "@@ -0,0 +1,40 @@\n+a" }],
    });
    server = await startE2eServer(standIn.url);
    expect(await server.send("pull_request", opened)).toBe(200);
    await server.queue.idle();
    const body = lastCompletedCheck<{
      conclusion?: string;
      output: { annotations?: { path: string; start_line: number; message: string }[] };
    }>(standIn.requests, POLICY_CHECK_NAME)!;
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations).toContainEqual(
      expect.objectContaining({
        path: "apps/web.yaml",
        start_line: 2,
        message: expect.stringContaining(`${DENIED} replicas must be at most 3, got 5`),
      }),
    );
  }, 120_000);
});

describe("the message path against the apiserver's dispatcher (tools/cel Go test)", () => {
  const go = spawnSync("sh", ["-c", "command -v go || ls /usr/local/go/bin/go"], {
    encoding: "utf8",
  }).stdout.trim();

  (go ? it : it.skip)(
    "runs tools/cel/dispatch_test.go: every case answers as k8s.io/apiserver's dispatcher does",
    () => {
      const r = spawnSync(go.split("\n")[0]!, ["test", "-count=1", "./..."], {
        cwd: join(packageRoot(), "tools", "cel"),
        encoding: "utf8",
        env: { ...process.env, GOFLAGS: "-mod=mod", CGO_ENABLED: "0" },
      });
      expect(`${r.stdout}${r.stderr}`).toMatch(/^ok\s+portcullis\.dev\/tools\/cel/m);
      expect(r.status).toBe(0);
    },
    600_000,
  );
});
