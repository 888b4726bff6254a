// The GitHub Action through its entry point (`portcullis action`, what action.yml runs in the
// image): GitHub's own pull_request event payload (@octokit/webhooks-examples), the environment a
// runner sets, and the loopback GitHub stand-in receiving the app's check run and review.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { startGitHubStandIn, type GitHubStandIn } from "../support/github-stand-in.js";
import { webhookExample } from "../support/webhooks.js";
import { removeWorkspaces, workspace } from "../support/workspace.js";

const ROOT = packageRoot();
const BIN = join(ROOT, "bin", "portcullis");
const MANIFEST =
  "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  hostNetwork: true\n  containers:\n    - {name: web, image: 'ghcr.io/acme/web:1.0.0'}\n";
const PATCH = `@@ -0,0 +1,7 @@\n${MANIFEST.trimEnd()
  .split("\n")
  .map((l) => `+${l}`)
  .join("\n")}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  workspace: string;
  files: string;
}

/** Runs the entry point as the runner would: the event on disk, the file commands' files. */
function runAction(
  event: string,
  payload: unknown,
  apiUrl: string,
  inputs: Record<string, string> = {},
): Promise<Run> {
  const ws = workspace({ "apps/pod.yaml": MANIFEST, "README.md": "# fleet\n" });
  const files = mkdtempSync(join(tmpdir(), "pcs-runner-"));
  writeFileSync(join(files, "event.json"), JSON.stringify(payload));
  writeFileSync(join(files, "summary.md"), "");
  writeFileSync(join(files, "output.txt"), "");
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: files,
    PORTCULLIS_TODAY: "2026-06-01",
    GITHUB_WORKSPACE: ws,
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: join(files, "event.json"),
    GITHUB_API_URL: apiUrl,
    GITHUB_SHA: "0".repeat(40),
    GITHUB_STEP_SUMMARY: join(files, "summary.md"),
    GITHUB_OUTPUT: join(files, "output.txt"),
    INPUT_PATHS: ".",
    INPUT_SARIF_FILE: "portcullis.sarif",
    INPUT_REVIEW: "true",
    INPUT_GITHUB_TOKEN: "ghs_workflow_token",
    ...inputs,
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, "action"], { cwd: ws, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr, workspace: ws, files }));
  });
}

afterAll(removeWorkspaces);

describe("the GitHub Action's entry point", () => {
  let standIn: GitHubStandIn;
  const payload = webhookExample("pull_request", "opened");
  const pr = payload.pull_request;

  beforeAll(async () => {
    standIn = await startGitHubStandIn({
      owner: "Codertocat",
      repo: "Hello-World",
      number: pr.number,
      files: { [pr.head.sha]: { "apps/pod.yaml": MANIFEST }, [pr.base.sha]: {} },
      changed: [{ filename: "apps/pod.yaml", status: "added", patch: PATCH }],
    });
  });
  afterAll(() => standIn.close());

  it("on pull_request: annotations, SARIF, job summary, outputs, and the app's check run and review", async () => {
    const before = standIn.requests.length;
    const r = await runAction("pull_request", payload, standIn.url);
    expect(r.stderr).not.toMatch(/::error::|internal error/);
    expect(r.code).toBe(1);
    // Workflow-command annotations on the exact line.
    expect(r.stdout).toMatch(
      /^::error file=apps\/pod\.yaml,line=5,endLine=5,title=PCK004 [^:]*::/m,
    );
    // SARIF for code scanning, with security-severity.
    const sarif = JSON.parse(readFileSync(join(r.workspace, "portcullis.sarif"), "utf8")) as {
      runs: {
        results: { ruleId: string }[];
        tool: { driver: { rules: { properties?: Record<string, string> }[] } };
      }[];
    };
    expect(sarif.runs[0]!.results.map((x) => x.ruleId)).toContain("PCK004");
    expect(sarif.runs[0]!.tool.driver.rules[0]!.properties?.["security-severity"]).toBeDefined();
    // The job summary is the check run's summary; the outputs name the SARIF file and counts.
    expect(readFileSync(join(r.files, "summary.md"), "utf8")).toMatch(
      /^## Portcullis check: failure\n/,
    );
    const outputs = readFileSync(join(r.files, "output.txt"), "utf8");
    expect(outputs).toContain(`sarif-file=${join(r.workspace, "portcullis.sarif")}\n`);
    expect(outputs).toMatch(/^conclusion=failure$/m);
    // The review the app posts, with the workflow's token.
    const requests = standIn.requests.slice(before);
    const created = requests.filter((q) => q.method === "POST" && q.path.endsWith("/check-runs"));
    expect(created.map((q) => (q.body as { name: string }).name)).toContain(
      "Portcullis / policies",
    );
    const completed = requests.find(
      (q) => q.method === "PATCH" && (q.body as { conclusion?: string }).conclusion === "failure",
    );
    expect(completed).toBeDefined();
    const review = requests.find(
      (q) => q.method === "POST" && q.path.endsWith(`/pulls/${pr.number}/reviews`),
    );
    const comments = (review!.body as { comments: { path: string; line: number; body: string }[] })
      .comments;
    expect(comments).toContainEqual(expect.objectContaining({ path: "apps/pod.yaml", line: 5 }));
    expect(comments.find((c) => c.line === 5)!.body).toContain("```suggestion");
  });

  it("on push: the check only, nothing posted", async () => {
    const before = standIn.requests.length;
    const r = await runAction("push", { ref: "refs/heads/main" }, standIn.url);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=apps\/pod\.yaml/m);
    expect(standIn.requests.length).toBe(before);
  });

  it("review: false keeps a pull request's run to the check", async () => {
    const before = standIn.requests.length;
    const r = await runAction("pull_request", payload, standIn.url, {
      INPUT_REVIEW: "false",
      INPUT_FAIL_ON: "never",
    });
    expect(r.code).toBe(0);
    expect(standIn.requests.length).toBe(before);
  });
});

describe("action.yml", () => {
  const action = parseYaml(readFileSync(join(ROOT, "action.yml"), "utf8")) as {
    inputs: Record<string, unknown>;
    runs: { using: string; steps: { env: Record<string, string>; run: string }[] };
  };
  const step = action.runs.steps[0]!;

  it("passes every input to the entry point, under the name it reads", () => {
    for (const name of Object.keys(action.inputs)) {
      const variable = `INPUT_${name.toUpperCase().replace(/-/g, "_")}`;
      expect(step.env[variable]).toBe(`\${{ inputs.${name} }}`);
      expect(step.run).toContain(`--env ${variable}`);
    }
    for (const variable of [
      "GITHUB_WORKSPACE",
      "GITHUB_EVENT_NAME",
      "GITHUB_EVENT_PATH",
      "GITHUB_API_URL",
      "GITHUB_STEP_SUMMARY",
      "GITHUB_OUTPUT",
    ])
      expect(step.run).toContain(`--env ${variable}`);
    expect(step.run).toMatch(/--entrypoint \/app\/bin\/portcullis "\$PORTCULLIS_IMAGE" action$/m);
  });

  it("runs the image of this version, as the runner's user", () => {
    const version = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }
    ).version;
    expect(step.env.PORTCULLIS_IMAGE).toBe(`ghcr.io/portcullis-dev/portcullis:${version}`);
    expect(step.run).toContain('--user "$(id -u):$(id -g)"');
  });
});

describe("action.yml's step, run by bash with a docker that prints its arguments", () => {
  const action = parseYaml(readFileSync(join(ROOT, "action.yml"), "utf8")) as {
    runs: { steps: { env: Record<string, string>; run: string }[] };
  };
  const step = action.runs.steps[0]!;

  /** The step run with `env` (and a docker that prints its arguments): those, and the --env names. */
  const runStep = (env: Record<string, string>) => {
    const bin = mkdtempSync(join(tmpdir(), "portcullis-docker-"));
    writeFileSync(join(bin, "docker"), '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
    const r = spawnSync("bash", ["-e", "-c", step.run], {
      encoding: "utf8",
      env: {
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        PORTCULLIS_IMAGE: "ghcr.io/portcullis-dev/portcullis:test",
        ...env,
      },
    });
    expect(r.status).toBe(0);
    const args = r.stdout.split("\n");
    return {
      stdout: r.stdout,
      args,
      passed: args.flatMap((a, i) => (args[i - 1] === "--env" ? [a] : [])),
    };
  };

  it("passes the step's PORTCULLIS_* settings into the container, by name only", () => {
    const { stdout, args, passed } = runStep({
      PORTCULLIS_REGISTRY_AUTHS: '{"auths": {}}',
      PORTCULLIS_CHART_MAX_BYTES: "1048576",
      OTHER_SECRET: "not-for-the-container",
    });
    expect(passed).toEqual(
      expect.arrayContaining(["PORTCULLIS_REGISTRY_AUTHS", "PORTCULLIS_CHART_MAX_BYTES"]),
    );
    expect(passed.filter((a) => a.startsWith("PORTCULLIS_IMAGE"))).toEqual([]);
    expect(stdout).not.toMatch(/not-for-the-container|OTHER_SECRET|"auths"/);
    expect(args).toContain("ghcr.io/portcullis-dev/portcullis:test");
  });

  // A job that also runs portcullis on the runner sets where its tools are (PORTCULLIS_OPA...):
  // passed in, they named runner paths the container does not have, and its schema validation,
  // say, did not run ("kube-schema could not start: spawn ... ENOENT").
  it("keeps the image's own tools: the variables naming a tool or cache are not passed", () => {
    const tools = [
      "PORTCULLIS_OPA",
      "PORTCULLIS_KUBE_SCHEMA",
      "PORTCULLIS_YAML_ORACLE",
      "PORTCULLIS_KYVERNO",
      "PORTCULLIS_KUSTOMIZE",
      "PORTCULLIS_HELM",
      "PORTCULLIS_CEL",
      "PORTCULLIS_CODE_CACHE",
    ];
    const { passed } = runStep({
      PORTCULLIS_CHART_TIMEOUT_MS: "60000",
      ...Object.fromEntries(tools.map((t) => [t, "/opt/runner/tool"])),
    });
    expect(passed.filter((a) => a.startsWith("PORTCULLIS_"))).toEqual([
      "PORTCULLIS_CHART_TIMEOUT_MS",
    ]);
  });
});
