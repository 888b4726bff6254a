// Hostile input, case by case: every parser, size-limit and output case of the reliability list
// (E4.21-32, E5.33-37, E10.63-65) with the behaviour it must have, driven end to end where the
// case allows (`portcullis check`, the evaluation pipeline, the renderers, the GitHub adapters).
import nock from "nock";
import type { Octokit, PullRequestRef } from "../../src/adapters/github/github-source.js";
import {
  GitHubPullRequestSource,
  readRepositoryFile,
} from "../../src/adapters/github/github-source.js";
import { loadPullRequestContext } from "../../src/adapters/github/github-pr-context.js";
import { GitHubReviewPublisher } from "../../src/adapters/github/github-publisher.js";
import { WasmPolicyEngine } from "../../src/engines/opa/wasm-policy-engine.js";
import {
  DEFAULT_CODE_OWNERS,
  DEFAULT_SIGNED_COMMITS,
  parseConfig,
  type ConfigContext,
} from "../../src/config/config.js";
import { resolveConfig } from "../../src/config/extends.js";
import { MAX_CODEOWNERS_BYTES, parseCodeowners } from "../../src/owners/codeowners.js";
import { canComment, parsePatch, sameHunk, type Hunk } from "../../src/core/diff.js";
import { MAX_DOCUMENTS_PER_FILE, MAX_FILE_BYTES } from "../../src/core/limits.js";
import { parseManifest } from "../../src/yaml/index.js";
import type { PullRequestSource } from "../../src/ports/pull-request-source.js";
import {
  ANNOTATIONS_PER_REQUEST,
  MAX_ANNOTATION_FIELD_BYTES,
  MAX_ANNOTATION_TITLE_BYTES,
  MAX_ANNOTATIONS,
  MAX_OUTPUT_BYTES,
  renderPolicyCheck,
} from "../../src/render/check-run.js";
import { ZWJ } from "../../src/render/markdown.js";
import { MAX_COMMENT_BODY_BYTES, renderReviewComments } from "../../src/render/review-comments.js";
import type { EvaluationReport } from "../../src/review/evaluate-files.js";
import { codeOwnersCheck, signedCommitsCheck } from "../../src/owners/git-checks.js";
import { reviewChanges } from "../../src/review/review-changes.js";
import { buildReviewOutput } from "../../src/review/review-output.js";
import { runCommand } from "../support/cli.js";
import { bundle, evaluate, testConfig } from "../support/engine.js";
import { TestOctokit } from "../support/octokit.js";
import { requestBodyErrors } from "../support/openapi.js";
import { checkFiles, removeWorkspaces, ruleLines, workspace } from "../support/workspace.js";

/**
 * "Bounded time" for the denial-of-service cases: generous, so that a loaded CI machine never
 * fails them, and still far below what the bugs they guard against took (a quadratic
 * duplicate-key check: 155 s; an unbounded alias expansion: never ends).
 */
const BOUNDED_MS = 15_000;
const MB = 1024 * 1024;
const HEAD = "h".repeat(40);
const DIGEST = `sha256:${"a".repeat(64)}`;
const encode = (text: string) => new TextEncoder().encode(text);
const bytes = (text: string) => Buffer.byteLength(text, "utf8");

/** A Pod whose container is privileged; PCK001 belongs on line 8. */
const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
    - name: app
      image: ghcr.io/acme/app@${DIGEST}
      securityContext: {privileged: true}
`;

/** A ConfigMap head whose `data:` mapping is left open on line 4. */
const CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\ndata:\n";

/** Nine anchors, each a list of nine aliases of the previous one: 9^9 strings once expanded. */
function billionLaughs(): string {
  const name = (i: number) => String.fromCharCode(97 + i);
  const lines = [`  ${name(0)}: &${name(0)} [${Array(9).fill("lol").join(", ")}]`];
  for (let i = 1; i < 9; i++)
    lines.push(
      `  ${name(i)}: &${name(i)} [${Array(9)
        .fill(`*${name(i - 1)}`)
        .join(", ")}]`,
    );
  return `${CONFIG_MAP}${lines.join("\n")}\n`;
}

/** `file:line:rule` of each finding of the in-memory pipeline. */
const at = (report: EvaluationReport) => ruleLines(report.findings);
const rulesOf = (report: EvaluationReport, file: string) =>
  report.findings.filter((f) => f.file === file).map((f) => f.rule);

async function timedAsync<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

const github = () => new TestOctokit({ auth: "test-token" }) as Octokit;
const REF: PullRequestRef = {
  owner: "acme",
  repo: "fleet",
  number: 3,
  baseSha: "b".repeat(40),
  headSha: HEAD,
  changedFiles: 1,
  headBranch: "feature",
  sameRepository: true,
  author: "dev",
  commitCount: 1,
};
const API = "https://api.github.com";
const nextPage = (path: string, page: number) => ({
  link: `<${API}${path}?per_page=100&page=${page}>; rel="next"`,
});

function configContext(): ConfigContext {
  return { settingDefaults: bundle().settingDefaults, ruleIds: new Set(bundle().rules.keys()) };
}

/** The Git-layer facts of a one-file pull request whose base has `text` as CODEOWNERS. */
function codeownersContext(text: string) {
  return {
    author: "dev",
    headSha: HEAD,
    changedPaths: ["apps/web.yaml"],
    reviews: [],
    codeowners: { path: ".github/CODEOWNERS", text },
    teamMembers: new Map(),
    emailLogins: new Map(),
    commits: [],
    commitsComplete: true,
    commitCount: 1,
  };
}

beforeEach(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});
afterAll(removeWorkspaces);

describe("E4 parser hardening", () => {
  it("E4.21 an alias bomb (billion laughs) is refused as PCS002 at its document's line, in bounded time and memory; other files are still evaluated", async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const { code, report } = await checkFiles({
      "bomb.yaml": `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n${billionLaughs()}`,
      "pod.yaml": PRIVILEGED_POD,
    });
    expect(performance.now() - started).toBeLessThan(BOUNDED_MS);
    // Expanded, the bomb would hold 387,420,489 strings: gigabytes, not megabytes.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * MB);
    expect(code).toBe(1);
    const bomb = report.findings.filter((f) => f.file === "bomb.yaml");
    // Document 1 starts on its `---` line; nothing of it reached the policies.
    expect(ruleLines(bomb.filter((f) => f.lines.start >= 4))).toEqual(["bomb.yaml:4:PCS002"]);
    expect(bomb.find((f) => f.rule === "PCS002")!.message).toMatch(/aliases/);
    expect(ruleLines(report.findings)).toContain("pod.yaml:8:PCK001");
  });

  it("E4.22 aliases under the count limit that copy a 1 MiB scalar 99 times are refused as PCS002 by the size budget, before the policy engine sees them", async () => {
    const scalar = "x".repeat(MB);
    const text = `${CONFIG_MAP}  seed: &big "${scalar}"\n  copies: [${Array(99).fill("*big").join(", ")}]\n`;
    expect(bytes(text)).toBeLessThan(MAX_FILE_BYTES);
    const given: string[] = [];
    const { value: report, ms } = await timedAsync(() =>
      evaluate(
        { "amplified.yaml": text, "pod.yaml": PRIVILEGED_POD },
        { observe: (inputs) => given.push(...inputs.map((i) => i.file.path)) },
      ),
    );
    expect(ms).toBeLessThan(BOUNDED_MS);
    expect(at(report).filter((f) => f.startsWith("amplified.yaml"))).toEqual([
      "amplified.yaml:1:PCS002",
    ]);
    expect(report.findings.find((f) => f.rule === "PCS002")!.message).toMatch(
      /expands to more than \d+ bytes through aliases/,
    );
    expect(given).toEqual(["pod.yaml"]);
  });

  it("E4.23 5,000-deep flow nesting and 3,000-deep block mappings are refused (an error-level PCS finding, never a crash) even with the size cap raised; other files are still evaluated", async () => {
    const flow = `${CONFIG_MAP}  x: ${"[".repeat(5_000)}${"]".repeat(5_000)}\n`;
    const block = `${CONFIG_MAP}${Array.from({ length: 3_000 }, (_, i) => `${" ".repeat(i + 1)}k${i}:`).join("\n")}\n`;
    // 4.5 MB of indentation: the configured cap lets it reach the parser.
    expect(bytes(block)).toBeGreaterThan(MAX_FILE_BYTES);
    const { code, report } = await checkFiles({
      ".github/portcullis.yml": `limits:\n  maxFileBytes: ${8 * MB}\n`,
      "deep-flow.yaml": flow,
      "deep-block.yaml": block,
      "pod.yaml": PRIVILEGED_POD,
    });
    expect(code).toBe(1);
    for (const file of ["deep-flow.yaml", "deep-block.yaml"]) {
      const found = report.findings.filter((f) => f.file === file);
      expect(found.length).toBeGreaterThan(0);
      // PCS002 with yaml 2.9 (RESOURCE_EXHAUSTION); a RangeError thrown by an older yaml is PCS001.
      for (const f of found) {
        expect(["PCS001", "PCS002"]).toContain(f.rule);
        expect(f.severity).toBe("error");
      }
    }
    expect(ruleLines(report.findings)).toContain("pod.yaml:8:PCK001");
    expect(report.summary.documentsEvaluated).toBe(1);
  });

  it("E4.24 unknown tags (local, python/object, verbatim) are read as kubectl and kustomize both read them, as the tagged text: the document is evaluated", async () => {
    const tagged = (tag: string) => `${PRIVILEGED_POD}      command: [sh]\n      args: ${tag}\n`;
    const { code, report } = await checkFiles({
      "local.yaml": tagged("!foo bar"),
      "python.yaml": tagged("!!python/object:os.system ls"),
      "verbatim.yaml": tagged("!<tag:example.com,2000:app/x> y"),
    });
    expect(code).toBe(1);
    const found = ruleLines(report.findings);
    for (const file of ["local.yaml", "python.yaml", "verbatim.yaml"])
      expect(found).toContain(`${file}:8:PCK001`);
    expect(report.findings.filter((f) => f.rule.startsWith("PCS"))).toEqual([]);
    const args = (tag: string) =>
      (
        parseManifest("t.yaml", tagged(tag)).documents[0]!.value as {
          spec: { containers: { args: unknown }[] };
        }
      ).spec.containers[0]!.args;
    expect([args("!foo bar"), args("!!python/object:os.system ls"), args("!<tag:x> y")]).toEqual([
      "bar",
      "ls",
      "y",
    ]);
  });

  it("E4.25 !!binary, !!omap and !!timestamp are read as kubectl and kustomize both read them (never a Buffer, Map or Date); !!set, which they read differently, is PCS005; untagged dates and 1:30 stay strings", async () => {
    const tags = ["!!binary aGk=", "!!set {a, b}", "!!omap [{a: 1}]", "!!timestamp 2026-01-01"];
    const files = Object.fromEntries(
      tags.map((tag, i) => [`t${i}.yaml`, `${PRIVILEGED_POD}      args: ${tag}\n`]),
    );
    const report = await evaluate(files);
    expect(
      at(report)
        .filter((f) => f.includes("PCS"))
        .sort(),
    ).toEqual(["t1.yaml:9:PCS005"]);
    const args = (tag: string) =>
      (
        parseManifest("t.yaml", `${PRIVILEGED_POD}      args: ${tag}\n`).documents[0]!.value as {
          spec: { containers: { args: unknown }[] };
        }
      ).spec.containers[0]!.args;
    expect([args(tags[0]!), args(tags[2]!), args(tags[3]!)]).toEqual([
      "hi",
      [{ a: 1 }],
      "2026-01-01",
    ]);
    const plain = parseManifest(
      "p.yaml",
      `${CONFIG_MAP}  since: 2026-01-01\n  at: 2001-12-14t21:59:43.10-05:00\n  window: 1:30\n`,
    );
    expect(plain.problems).toEqual([]);
    expect((plain.documents[0]!.value as { data: unknown }).data).toEqual({
      since: "2026-01-01",
      at: "2001-12-14t21:59:43.10-05:00",
      window: "1:30",
    });
  });

  it("E4.26 `<<` merge keys merge as in go-yaml, so a privileged flag carried by an anchor is found on the anchor's line; a local key overrides the merged one", async () => {
    const pod = (context: string, anchors: string) => `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
${anchors}spec:
  containers:
    - name: app
      image: ghcr.io/acme/app@${DIGEST}
      securityContext:
${context}`;
    const { report } = await checkFiles({
      "single.yaml": pod("        <<: *insecure\n", "x-insecure: &insecure\n  privileged: true\n"),
      "list.yaml": pod(
        "        <<: [*quiet, *insecure]\n",
        "x-quiet: &quiet {readOnlyRootFilesystem: true}\nx-insecure: &insecure {privileged: true}\n",
      ),
      "override.yaml": pod(
        "        <<: *insecure\n        privileged: false\n",
        "x-insecure: &insecure\n  privileged: true\n",
      ),
    });
    const privileged = ruleLines(report.findings.filter((f) => f.rule === "PCK001")).sort();
    expect(privileged).toEqual(["list.yaml:5:PCK001", "single.yaml:5:PCK001"]);
  });

  it("E4.27 YAML 1.1 scalars are read as Kubernetes reads them: 0644 is 420, yes/on are true, a `y` key is `true`, 0o20 is 16, and e1 is a string (so its image is still checked)", async () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {y: tier}}
spec:
  securityContext: {runAsNonRoot: yes}
  volumes:
    - {name: cfg, configMap: {name: cfg, defaultMode: 0644}}
  containers:
    - name: app
      image: e1
      env: [{name: DEBUG, value: on}]
      ports: [{containerPort: 80, hostPort: 0o20}]
`;
    const doc = parseManifest("pod.yaml", text).documents[0]!;
    const value = doc.value as {
      metadata: { labels: Record<string, unknown> };
      spec: {
        securityContext: { runAsNonRoot: unknown };
        volumes: { configMap: { defaultMode: unknown } }[];
        containers: {
          image: unknown;
          env: { value: unknown }[];
          ports: { hostPort: unknown }[];
        }[];
      };
    };
    expect(value.metadata.labels).toEqual({ true: "tier" });
    expect(value.spec.securityContext.runAsNonRoot).toBe(true);
    expect(value.spec.volumes[0]!.configMap.defaultMode).toBe(0o644);
    const container = value.spec.containers[0]!;
    expect([container.image, container.env[0]!.value, container.ports[0]!.hostPort]).toEqual([
      "e1",
      true,
      16,
    ]);
    const report = await evaluate({ "pod.yaml": text });
    // docker.io/library/e1:latest for Kubernetes: no tag, no digest; port 16 is published on the node.
    expect(at(report)).toEqual(
      expect.arrayContaining(["pod.yaml:10:PCK011", "pod.yaml:10:PCK012", "pod.yaml:12:PCK014"]),
    );
    // runAsNonRoot: yes forces non-root, as it does for Kubernetes.
    expect(report.findings.filter((f) => f.rule === "PCK002")).toEqual([]);
  });

  it("E4.28 a duplicate key (privileged: false, then true) is refused as PCS005 at the second key, in block, flow and JSON mappings: kubectl keeps the last, kustomize refuses", async () => {
    const { code, report } = await checkFiles({
      "block.yaml": PRIVILEGED_POD.replace(
        "securityContext: {privileged: true}",
        "securityContext:\n        privileged: false\n        privileged: true",
      ),
      "flow.yaml": PRIVILEGED_POD.replace(
        "{privileged: true}",
        "{privileged: false, privileged: true}",
      ),
      "pod.json": `{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "web", "namespace": "shop"},
  "spec": {"containers": [{"name": "app", "image": "ghcr.io/acme/app@${DIGEST}",
    "securityContext": {"privileged": false,
      "privileged": true}}]}
}
`,
    });
    expect(code).toBe(1);
    expect(ruleLines(report.findings).sort()).toEqual([
      "block.yaml:10:PCS005",
      "flow.yaml:8:PCS005",
      "pod.json:7:PCS005",
    ]);
    for (const f of report.findings) expect(f.message).toMatch(/kustomize and Flux refuse it/);
  });

  it("E4.29 a malformed document between two good ones fails the run with PCS001 inside it; the good documents keep their own line numbers, and other files are still evaluated", async () => {
    const broken = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: broken\n namespace: shop\n";
    const { code, report } = await checkFiles({
      "multi.yaml": `${PRIVILEGED_POD}---\n${broken}---\n${PRIVILEGED_POD}`,
      "pod.yaml": PRIVILEGED_POD,
    });
    expect(code).toBe(1);
    const syntax = report.findings.filter((f) => f.rule === "PCS001");
    // Document 1 (lines 9-14) is broken on its last line, where ` namespace` is mis-indented.
    expect(ruleLines(syntax)).toEqual(["multi.yaml:14:PCS001"]);
    expect(syntax[0]!.failing).toBe(true);
    expect(ruleLines(report.findings.filter((f) => f.rule === "PCK001"))).toEqual([
      "multi.yaml:8:PCK001",
      "multi.yaml:23:PCK001",
      "pod.yaml:8:PCK001",
    ]);
  });

  it("E4.30 tab indentation, non-UTF-8 bytes, NUL bytes and binary files named .yaml each get a PCS001 at the right line; a BOM with CRLF line endings reads normally", async () => {
    const { code, report } = await checkFiles({
      "tabs.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: web\n",
      "bom-crlf.yaml": `\uFEFF${PRIVILEGED_POD.replace(/\n/g, "\r\n")}`,
      "latin1.yaml": new Uint8Array([
        ...encode("apiVersion: v1\nkind: Pod\nmetadata: {name: caf"),
        0xe9,
        ...encode("}\n"),
      ]),
      "nul.yaml": "apiVersion: v1\nkind: Pod\u0000\nmetadata: {name: web}\n",
      "logo.yaml": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
    });
    expect(code).toBe(1);
    const messages = Object.fromEntries(
      report.findings.filter((f) => f.rule === "PCS001").map((f) => [f.file, f.message]),
    );
    expect(ruleLines(report.findings.filter((f) => f.rule.startsWith("PCS"))).sort()).toEqual([
      "latin1.yaml:3:PCS001",
      "logo.yaml:3:PCS001",
      "nul.yaml:2:PCS001",
      "tabs.yaml:4:PCS001",
    ]);
    expect(messages["tabs.yaml"]).toMatch(/[Tt]abs/);
    expect(messages["latin1.yaml"]).toMatch(/not valid UTF-8/);
    expect(messages["nul.yaml"]).toMatch(/NUL bytes/);
    expect(messages["logo.yaml"]).toMatch(/binary/);
    expect(ruleLines(report.findings)).toContain("bom-crlf.yaml:8:PCK001");
  });

  it("E4.31 __proto__ and constructor.prototype keys in manifests, the config and an extended config stay plain data: nothing is polluted", async () => {
    const polluting = "__proto__: {polluted: true}\nconstructor: {prototype: {polluted: true}}\n";
    const labels = `  labels:\n${polluting.replace(/^(?=.)/gm, "    ")}`;
    const manifest = PRIVILEGED_POD.replace(
      "metadata: {name: web, namespace: shop}\n",
      `metadata:\n  name: web\n  namespace: shop\n${labels}`,
    );
    const { report } = await checkFiles({ "pod.yaml": `${polluting}${manifest}` });
    expect(ruleLines(report.findings)).toContain("pod.yaml:15:PCK001");

    const context = configContext();
    const own = `_extends: .github\n${polluting}settings:\n  __proto__: {polluted: true}\n`;
    const result = await resolveConfig(
      own,
      { owner: "acme", repo: "fleet" },
      async () => polluting,
      context,
    );
    expect(result.errors.length).toBeGreaterThan(0);
    expect(parseConfig(polluting, context).errors.length).toBeGreaterThan(0);

    const probe = {} as Record<string, unknown>;
    expect(probe.polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted")).toBe(false);
    // The config is a structured clone, made in Node's own realm: check that prototype too.
    expect(Object.getPrototypeOf(result.config.settings).polluted).toBeUndefined();
    expect(JSON.stringify(result.config)).not.toContain("polluted");
  });

  it("E4.32 integers beyond 2^53 are read as the nearest double, as kubectl and kustomize read them: the document is evaluated; .inf and .nan, which neither can turn into JSON, are PCS001", async () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 12345678901234567890
  template:
    spec:
      securityContext: {runAsUser: 9007199254740993}
      containers:
        - name: app
          image: ghcr.io/acme/app@${DIGEST}
          securityContext: {privileged: true}
`;
    const value = parseManifest("deploy.yaml", text).documents[0]!.value as {
      spec: { replicas: number };
    };
    expect(value.spec.replicas).toBe(Number("12345678901234567890"));
    const infinite = text.replace("  template:", "  progressDeadlineSeconds: .inf\n  template:");
    const { code, report } = await checkFiles({ "deploy.yaml": text, "inf.yaml": infinite });
    expect(code).toBe(1);
    expect(report.errors).toEqual([]);
    expect(report.summary.documentsEvaluated).toBe(1);
    expect(ruleLines(report.findings)).toContain("deploy.yaml:12:PCK001");
    const pcs = report.findings.filter((f) => f.rule.startsWith("PCS"));
    expect(pcs.map((f) => `${f.file}:${f.rule}`)).toEqual(["inf.yaml:PCS001"]);
    expect(pcs[0]!.message).toMatch(/unsupported value: \+Inf/);
  });
});

describe("E5 size and count limits", () => {
  it("E5.33 a pull request of 3,001 files, of which GitHub lists 3,000, fails as incomplete even though every listed file is clean: never success", async () => {
    const path = "/repos/acme/fleet/pulls/3/files";
    const api = nock(API);
    for (let page = 1; page <= 30; page++) {
      const files = Array.from({ length: 100 }, (_, i) => ({
        filename: `docs/page-${page}-${i}.md`,
        status: "modified",
      }));
      api
        .get(path)
        .query(page === 1 ? { per_page: 100 } : { per_page: 100, page })
        .reply(200, files, page < 30 ? nextPage(path, page + 1) : {});
    }
    const listed = new GitHubPullRequestSource(github(), { ...REF, changedFiles: 3_001 });
    // The rest of the pull request, in memory: no config, no manifests among the listed files.
    const source: PullRequestSource = {
      base: REF.baseSha,
      head: HEAD,
      changedFiles: () => listed.changedFiles(),
      readFile: async () => undefined,
      readFiles: async (requests) => requests.map(() => undefined),
      listPaths: async () => [],
    };
    const review = await reviewChanges(source, {
      engine: new WasmPolicyEngine(bundle().wasm),
      rules: bundle().rules,
      configContext: configContext(),
      today: "2026-06-01",
    });
    expect(api.pendingMocks()).toEqual([]);
    expect(review.changedFiles).toHaveLength(3_000);
    expect(review.report.findings).toEqual([]);
    const { check } = buildReviewOutput(review, bundle().rules, HEAD);
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("Incomplete: 3001 files changed, too many to review");
    expect(check.summary).toContain("**Not reviewed completely:**");
  });

  it("E5.34 a pull request of 300 commits, of which GitHub lists 250, fails the signed-commits check as incomplete even though every listed commit is verified", async () => {
    const path = "/repos/acme/fleet/pulls/3/commits";
    const commit = (i: number) => ({
      sha: i.toString(16).padStart(40, "0"),
      commit: {
        verification: {
          verified: true,
          reason: "valid",
          signature: "-----BEGIN PGP SIGNATURE-----\n...\n-----END PGP SIGNATURE-----",
          payload: "tree",
        },
      },
      author: { login: "dev", type: "User" },
      parents: [{ sha: "p".repeat(40) }],
    });
    const api = nock(API);
    [100, 100, 50].forEach((count, index) => {
      const page = index + 1;
      api
        .get(path)
        .query(page === 1 ? { per_page: 100 } : { per_page: 100, page })
        .reply(
          200,
          Array.from({ length: count }, (_, i) => commit(index * 100 + i)),
          page < 3 ? nextPage(path, page + 1) : {},
        );
    });
    const context = await loadPullRequestContext(
      github(),
      { ...REF, commitCount: 300 },
      ["apps/web.yaml"],
      { codeOwners: false, signedCommits: true },
    );
    expect(api.pendingMocks()).toEqual([]);
    expect(context.commits).toHaveLength(250);
    expect(context.commits.every((c) => c.verified)).toBe(true);
    expect(context.commitsComplete).toBe(false);
    const check = signedCommitsCheck(context, DEFAULT_SIGNED_COMMITS);
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("Incomplete: 300 commits, GitHub lists at most 250");
  });

  /** A privileged Pod (PCK001 on line 8) padded to `size` bytes by one long argument. */
  const paddedPod = (size: number) => {
    const out = new Uint8Array(size).fill(0x61);
    out.set(encode(`${PRIVILEGED_POD}      args: ["`));
    out.set(encode(`"]\n`), size - 3);
    return out;
  };

  it("E5.35 a 5 MB, 50 MB or 101 MB manifest is refused as PCS002 at line 1 before it is parsed, in bounded time; other files are still evaluated", async () => {
    for (const size of [5 * MB, 50 * MB, 101 * MB]) {
      const { value: report, ms } = await timedAsync(() =>
        evaluate({ "big.yaml": paddedPod(size), "pod.yaml": PRIVILEGED_POD }),
      );
      expect(ms).toBeLessThan(BOUNDED_MS);
      expect(ruleLines(report.findings.filter((f) => f.file === "big.yaml"))).toEqual([
        "big.yaml:1:PCS002",
      ]);
      expect(report.findings[0]!.message).toContain(`above the ${MAX_FILE_BYTES}-byte limit`);
      expect(at(report)).toContain("pod.yaml:8:PCK001");
    }
  });

  /** `apps/big.yaml` read through the contents API (no content over 1 MB), then its blob. */
  const readBlobThroughMocks = async (bytes: Uint8Array) => {
    nock.cleanAll();
    const api = nock(API)
      .get("/repos/acme/fleet/contents/apps%2Fbig.yaml")
      .query({ ref: HEAD })
      .reply(200, { type: "file", encoding: "none", content: "", sha: "b1", size: bytes.length })
      .get("/repos/acme/fleet/git/blobs/b1")
      .reply(200, { encoding: "base64", content: Buffer.from(bytes).toString("base64") });
    const read = await readRepositoryFile(github(), {
      owner: "acme",
      repo: "fleet",
      path: "apps/big.yaml",
      ref: HEAD,
    });
    expect(api.pendingMocks()).toEqual([]);
    expect(read).toBeDefined();
    return read!;
  };

  it("E5.35 a 20 MB blob is read exactly: Octokit's own JSON reader overflows its regular expression's stack on it and hands back text", async () => {
    const twenty = paddedPod(20 * MB);
    const read = await readBlobThroughMocks(twenty);
    expect(Buffer.from(read).equals(Buffer.from(twenty))).toBe(true);
  });

  it("E5.35 the size cap is configurable, and a file over 1 MB (no content from the contents API) is read exactly through the blob API", async () => {
    const five = paddedPod(5 * MB);
    const read = await readBlobThroughMocks(five);
    expect(Buffer.from(read).equals(Buffer.from(five))).toBe(true);
    const raised = await evaluate(
      { "apps/big.yaml": read },
      { config: testConfig({ limits: { maxFileBytes: 8 * MB, maxDocuments: 100 } }) },
    );
    expect(at(raised)).toContain("apps/big.yaml:8:PCK001");
    expect(rulesOf(raised, "apps/big.yaml")).not.toContain("PCS002");
  });

  it("E5.35 a manifest over the cap whose keys are escaped (\\x61piVersion) still fails closed instead of being skipped as 'no apiVersion/kind'", async () => {
    // Each object stays small enough for the API server; only the file is over the cap.
    const hidden = PRIVILEGED_POD.replace("apiVersion:", '"\\x61piVersion":').replace(
      "kind:",
      '"\\x6bind":',
    );
    const filler = `---\n"\\x61piVersion": v1\n"\\x6bind": ConfigMap\nmetadata: {name: f}\ndata: {x: "${"a".repeat(MB)}"}\n`;
    const text = `${hidden}${filler.repeat(5)}`;
    expect(text).not.toContain("apiVersion");
    const report = await evaluate({ "hidden.yaml": text });
    expect(report.skipped).toEqual([]);
    expect(rulesOf(report, "hidden.yaml")).toContain("PCS002");
  });

  const tinyKeys = (n: number) =>
    `${CONFIG_MAP}${Array.from({ length: n }, (_, i) => `  k${i}: v`).join("\n")}\n`;

  it("E5.36 a file of 10,000 documents is refused as PCS002 by the document cap, in bounded time", async () => {
    const docs = Array.from({ length: 10_000 }, async (_, i) => `${CONFIG_MAP}  k: v${i}`).join(
      "\n---\n",
    );
    const { value: report, ms } = await timedAsync(() => evaluate({ "docs.yaml": docs }));
    expect(ms).toBeLessThan(BOUNDED_MS);
    expect(at(report)).toEqual(["docs.yaml:1:PCS002"]);
    expect(report.findings[0]!.message).toContain(`limit of ${MAX_DOCUMENTS_PER_FILE}`);
  });

  it("E5.36 a file of 1,000,000 tiny keys is refused as PCS002 by the size cap; 50,000 keys within the caps are evaluated in linear time", async () => {
    const million = await timedAsync(() => evaluate({ "million.yaml": tinyKeys(1_000_000) }));
    expect(million.ms).toBeLessThan(BOUNDED_MS);
    expect(at(million.value)).toEqual(["million.yaml:1:PCS002"]);
    expect(million.value.findings[0]!.message).toMatch(/above the \d+-byte limit/);

    // The yaml package's own duplicate-key check is quadratic: with it this took about 40 s.
    const wide = await timedAsync(() => evaluate({ "wide.yaml": tinyKeys(50_000) }));
    expect(wide.ms).toBeLessThan(BOUNDED_MS);
    expect(wide.value.findings).toEqual([]);
    expect(wide.value.documentsEvaluated).toBe(1);
  });

  it("E5.37 a CODEOWNERS of 3 MB or more is reported as not loaded, as GitHub treats it, on line 1 of the file", () => {
    const line = "/apps/ @acme/platform\n";
    const text = line.repeat(Math.ceil(MAX_CODEOWNERS_BYTES / line.length));
    expect(parseCodeowners(text)).toEqual({
      rules: [],
      errors: [{ line: 1, message: "CODEOWNERS is 3 MB or larger, so GitHub does not load it" }],
    });
    const check = codeOwnersCheck(codeownersContext(text), DEFAULT_CODE_OWNERS);
    expect(check.annotations).toEqual([
      expect.objectContaining({
        path: ".github/CODEOWNERS",
        start_line: 1,
        title: "CODEOWNERS problem",
      }),
    ]);
    expect(check.summary).toContain("- line 1: CODEOWNERS is 3 MB or larger");
  });

  it("E5.37 a CODEOWNERS of 3 MB or more fails the code-owners check as a configuration error, never 'no owners required, success'", () => {
    const line = "/apps/ @acme/platform\n";
    const text = line.repeat(Math.ceil(MAX_CODEOWNERS_BYTES / line.length));
    expect(codeOwnersCheck(codeownersContext(text), DEFAULT_CODE_OWNERS).conclusion).not.toBe(
      "success",
    );
  });
});

describe("E10 output robustness", () => {
  /** 40 Pods of two untagged containers each: several hundred findings. */
  const PODS = Array.from(
    { length: 40 },
    (_, i) =>
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec:\n  containers:\n    - {name: a, image: nginx}\n    - {name: b, image: redis}\n`,
  ).join("---\n");

  it("E10.63 with 500+ findings the check sends at most 50 annotations per request (500 in all), a summary under 65,535 bytes that counts the rest, and bodies GitHub's schema accepts", async () => {
    const report = await evaluate({ "pods.yaml": PODS });
    expect(report.findings.length).toBeGreaterThan(MAX_ANNOTATIONS);
    const check = renderPolicyCheck({
      findings: report.findings,
      skipped: report.skipped,
      errors: report.errors,
      failOn: "error",
      failOnExisting: false,
      rules: bundle().rules,
      configErrors: [],
      headSha: HEAD,
    });
    const bodies: { output: { summary: string; text?: string; annotations: unknown[] } }[] = [];
    const path = "/repos/acme/fleet/check-runs/7";
    const api = nock(API)
      .patch(path, (body) => (bodies.push(body), true))
      .times(MAX_ANNOTATIONS / ANNOTATIONS_PER_REQUEST)
      .reply(200, { id: 7 });
    await new GitHubReviewPublisher(github(), REF).completeCheck({ id: 7 }, check);
    expect(api.pendingMocks()).toEqual([]);
    expect(bodies).toHaveLength(10);
    for (const body of bodies) {
      expect(body.output.annotations.length).toBeLessThanOrEqual(ANNOTATIONS_PER_REQUEST);
      expect(bytes(body.output.summary)).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
      expect(requestBodyErrors("PATCH", path, body)).toEqual([]);
    }
    expect(bodies.reduce((n, b) => n + b.output.annotations.length, 0)).toBe(MAX_ANNOTATIONS);
    const unannotated = report.findings.length - MAX_ANNOTATIONS;
    expect(check.summary).toContain(`${unannotated} more findings have no annotation`);
    expect(bytes(bodies[0]!.output.text!)).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
  });

  it("E10.64 review comments stay inside the diff (a range only within one hunk, start_line always below line); findings outside it fall back to annotations", async () => {
    // A host path (PCK005 spans lines 24-25) and fixes that insert lines (multi-line suggestions).
    const hostPod = PRIVILEGED_POD.replace("name: web", "name: api").replace(
      "securityContext: {privileged: true}\n",
      `securityContext:
        privileged: true
        capabilities:
          add: [NET_ADMIN]
      volumeMounts: [{name: host, mountPath: /host}]
  volumes:
    - name: host
      hostPath:
        path: /
`,
    );
    const text = `${PRIVILEGED_POD}---\n${hostPod}`;
    const lines = text.trimEnd().split("\n");
    // Only the second document (lines 10-25) is in the diff.
    const patch = `@@ -9,0 +10,16 @@\n${lines
      .slice(9)
      .map((l) => `+${l}`)
      .join("\n")}`;
    const report = await evaluate({ "pods.yaml": text });
    const review = {
      config: testConfig(),
      configErrors: [],
      headConfigErrors: [],
      configChanged: false,
      report,
      changedFiles: [{ path: "pods.yaml", status: "modified" as const, patch }],
      headTexts: new Map([["pods.yaml", text]]),
      complete: true,
      totalChanged: 1,
      policyModules: [],
    };
    const { check, comments } = buildReviewOutput(review, bundle().rules, HEAD);
    const hunks: Hunk[] = parsePatch(patch);
    expect(comments.comments.length).toBeGreaterThan(0);
    expect(comments.comments.some((c) => c.body.includes("```suggestion"))).toBe(true);
    expect(comments.comments.some((c) => c.start_line !== undefined)).toBe(true);
    for (const c of comments.comments) {
      expect(canComment(hunks, c.line)).toBe(true);
      if (c.start_line !== undefined) {
        expect(c.start_line).toBeLessThan(c.line);
        expect(sameHunk(hunks, c.start_line, c.line)).toBe(true);
      }
    }
    const outside = report.findings.filter((f) => f.lines.start < 10);
    expect(outside.length).toBeGreaterThan(0);
    expect(comments.outsideDiff).toBe(outside.length);
    const annotated = new Set(check.annotations.map((a) => `${a.path}:${a.start_line}`));
    for (const f of outside) expect(annotated).toContain(`${f.file}:${f.lines.start}`);
    expect(
      requestBodyErrors("POST", "/repos/acme/fleet/pulls/3/reviews", {
        commit_id: HEAD,
        event: "COMMENT",
        body: "Portcullis",
        comments: comments.comments,
      }),
    ).toEqual([]);
  });

  it("E10.65 Markdown, HTML, backticks, @org/team mentions and a 10 KB image name in messages come out escaped in the check summary and review comments (no ping, no live link, no fence) and verbatim in plain-text annotations", async () => {
    const hostile =
      "@acme/admins <img src=x onerror=alert(1)> ``` [pwn](https://evil.example) **b** | #12";
    const image = `ghcr.io/@acme/admins/<b>x</b>/\`y\`/${"a".repeat(10 * 1024)}:latest`;
    const text = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  annotations:
    portcullis.dev/ignore: "PCK012 -- cleared by ${hostile}"
spec:
  containers:
    - name: "${hostile}"
      image: "${image}"
`;
    const report = await evaluate({ "apps/web.yaml": text });
    const carrying = report.findings.filter((f) => f.message.includes("@acme/admins"));
    expect(carrying.map((f) => [f.rule, f.status.kind])).toEqual(
      expect.arrayContaining([
        ["PCK011", "open"],
        ["PCK012", "waived"],
      ]),
    );
    const check = renderPolicyCheck({
      findings: report.findings,
      skipped: [],
      errors: [],
      failOn: "error",
      failOnExisting: false,
      rules: bundle().rules,
      configErrors: [],
      headSha: HEAD,
    });
    const everyLine = parsePatch(
      `@@ -0,0 +1,11 @@\n${text
        .trimEnd()
        .split("\n")
        .map((l) => `+${l}`)
        .join("\n")}`,
    );
    const { comments } = renderReviewComments(
      report.findings,
      new Map([["apps/web.yaml", everyLine]]),
      { max: 100, rules: bundle().rules },
    );
    const bodies = comments
      .filter((c) => c.body.includes("acme/admins"))
      .map((c) => withoutSuggestion(c.body));
    expect(bodies.length).toBeGreaterThan(0);
    expect(check.summary).toContain(`@${ZWJ}acme/admins`);
    expect(check.text).toContain(`@${ZWJ}acme/admins`);
    for (const markdown of [check.summary, check.text!, ...bodies])
      expect(markdownHazards(markdown)).toEqual([]);
    for (const markdown of [check.summary, check.text!])
      expect(bytes(markdown)).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
    for (const c of comments) expect(bytes(c.body)).toBeLessThanOrEqual(MAX_COMMENT_BODY_BYTES);
    // Every table row keeps its cell borders.
    for (const markdown of [check.summary, check.text!])
      for (const row of markdown.split("\n").filter((l) => l.startsWith("| ")))
        expect(row.replace(/\\\|/g, "").split("|").length - 1).toBe(7);

    // Annotations are plain text on GitHub (no Markdown, no mentions): the message stays verbatim.
    for (const f of carrying.filter((x) => x.status.kind === "open")) {
      const annotation = check.annotations.find(
        (a) => a.start_line === f.lines.start && a.message.startsWith(f.message),
      );
      expect(annotation).toBeDefined();
      expect(bytes(annotation!.message)).toBeLessThanOrEqual(MAX_ANNOTATION_FIELD_BYTES);
      expect(bytes(annotation!.title)).toBeLessThanOrEqual(MAX_ANNOTATION_TITLE_BYTES);
      expect(annotation!.title).not.toContain("\n");
    }

    // GitHub workflow commands (`check --format github`): one command per finding, none injected.
    const dir = workspace({ "apps/web.yaml": text });
    const { stdout } = await runCommand(["check", ".", "--format", "github"], dir);
    const commands = stdout.trimEnd().split("\n");
    expect(commands).toHaveLength(report.findings.length);
    for (const command of commands) expect(command).toMatch(/^::(error|warning|notice) file=/);
  });
});

/**
 * The body without its suggestion block (code: nothing in it pings or renders), after checking
 * that no line inside can close the block's fence early.
 */
function withoutSuggestion(body: string): string {
  const block = /^(`{3,})suggestion\n([\s\S]*?)\n\1$/m.exec(body);
  if (!block) return body;
  const fence = block[1]!.length;
  for (const run of block[2]!.match(/`+/g) ?? []) expect(run.length).toBeLessThan(fence);
  return body.replace(block[0], "");
}

/** What in rendered Markdown would ping, link, render HTML or open a code block. */
function markdownHazards(markdown: string): string[] {
  const hazards: string[] = [];
  if (/@(?!\u200d)[A-Za-z0-9]/.test(markdown)) hazards.push("a live @mention");
  if (/#(?!\u200d)[0-9]/.test(markdown)) hazards.push("a live #reference");
  if (/<(img|b|script)\b/i.test(markdown)) hazards.push("raw HTML");
  if (markdown.includes("](https://evil")) hazards.push("a live link");
  if (/(^|[^\\])\*\*b/.test(markdown)) hazards.push("live emphasis");
  // Escaped backticks alternate with backslashes: a run of two or more opens code.
  if (markdown.includes("``")) hazards.push("a backtick run (code span or fence)");
  if (/(^|[^\\])`y/.test(markdown)) hazards.push("an unescaped backtick");
  return hazards;
}
