// conftest's own Kubernetes examples (examples/kubernetes and examples/exceptions of the pinned
// conftest module, read from the Go module cache) through `portcullis check --policy`: the results
// conftest documents for them (its acceptance.bats and policy/engine_test.go) and, when the pinned
// conftest binary is built (`npm run build:conftest`), the same messages per file as conftest.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
// @ts-expect-error: a plain ES module script without types
import * as tools from "../../scripts/tools.mjs";
// @ts-expect-error: a plain ES module script without types
import * as peer from "../../scripts/conftest-peer.mjs";
import { bundle } from "../support/engine.js";

/** file -> sorted `error <ns>: <msg>` / `warning <ns>: <msg>` / `excepted <ns>: <rule>`. */
type Messages = Map<string, string[]>;
const { conftestModuleDir, ensureConftest, findConftest } = tools as {
  conftestModuleDir(): { dir?: string; version?: string; reason?: string };
  ensureConftest(options: { quiet: boolean }): string;
  findConftest(): string | undefined;
};
const { catalogueOffConfig, conftestMessages, diffMessages, portcullisMessages } = peer as {
  catalogueOffConfig(ruleIds: Iterable<string>): string;
  conftestMessages(json: string): Messages;
  portcullisMessages(json: string): Messages;
  diffMessages(ours: Messages, theirs: Messages): { file: string; entry: string; only: string }[];
};

const BIN = join(packageRoot(), "bin", "portcullis");
const FILES = ["deployment.yaml", "service.yaml", "deployment+service.yaml"];
const conftestModule = conftestModuleDir();
const EXAMPLES = conftestModule.dir && join(conftestModule.dir, "examples");
const describeExamples = EXAMPLES ? describe : describe.skip;
if (!EXAMPLES) {
  process.stderr.write(
    `conftest conformance: skipped, conftest's examples could not be had from the Go module cache: ${conftestModule.reason}\n`,
  );
}

// Building conftest takes about 2 minutes, so `npm test` compares with it only when it is already
// built, or when PORTCULLIS_BUILD_CONFTEST=1 asks for the build.
const conftest =
  process.env.PORTCULLIS_BUILD_CONFTEST === "1" ? ensureConftest({ quiet: true }) : findConftest();
const describeWithConftest = EXAMPLES && conftest ? describe : describe.skip;
if (EXAMPLES && !conftest) {
  process.stderr.write(
    "conftest conformance: the comparison with the conftest binary is skipped (run `npm run build:conftest` first, or set PORTCULLIS_BUILD_CONFTEST=1)\n",
  );
}

/** Every built-in rule off, so the exit status answers for the repository policies alone, as conftest's does. */
const CONFIG = join(mkdtempSync(join(tmpdir(), "portcullis-conftest-")), "catalogue-off.yml");
writeFileSync(CONFIG, catalogueOffConfig(bundle().rules.keys()));

/** `portcullis check --policy policy` in one of conftest's example folders. */
function portcullis(args: string[], example = "kubernetes") {
  const check = ["check", "--policy", "policy", "--config", CONFIG, "--format", "json"];
  const r = spawnSync(process.execPath, [BIN, ...check, ...args], {
    cwd: join(EXAMPLES!, example),
    encoding: "utf8",
  });
  const report = JSON.parse(r.stdout) as { errors: { message: string }[] };
  return {
    code: r.status,
    messages: portcullisMessages(r.stdout),
    errors: report.errors.map((e) => e.message),
  };
}

/** conftest's flags for the same run (`--fail-on warning` is conftest's `--fail-on-warn`). */
function conftestRun(args: string[], example = "kubernetes") {
  const flags = args
    .map((a) => (a === "--fail-on" ? "--fail-on-warn" : a))
    .filter((a) => a !== "warning");
  const r = spawnSync(conftest!, ["test", "--no-color", "-o", "json", "-p", "policy", ...flags], {
    cwd: join(EXAMPLES!, example),
    encoding: "utf8",
  });
  return { code: r.status, messages: conftestMessages(r.stdout) };
}

const DEPLOYMENT_FAILURES = [
  "error main: Containers must not run as root in Deployment hello-kubernetes",
  "error main: Deployment hello-kubernetes must provide app/release labels for pod selectors",
  "error main: Found deployment hello-kubernetes but deployments are not allowed",
  "error main: hello-kubernetes must include Kubernetes recommended labels: https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/#labels",
];
const SERVICE_WARNING = "warning main: Found service hello-kubernetes but services are not allowed";

describeExamples(`conftest ${conftestModule.version ?? ""} examples`, () => {
  // acceptance.bats "Fail when testing a deployment with root containers" (exit 1) and "Output
  // results only once" (four results and the summary); docs/install.md quotes the first message.
  it("fails deployment.yaml with conftest's four results, each once", () => {
    const { code, messages } = portcullis(["deployment.yaml"]);
    expect(code).toBe(1);
    expect(messages).toEqual(new Map([["deployment.yaml", DEPLOYMENT_FAILURES]]));
  });

  // acceptance.bats "Not fail when testing a service with a warning" and "Test command with
  // multiple input type" (the message); "Fail when testing a service with warnings" (--fail-on-warn).
  it("passes service.yaml with its one warning, and fails it when warnings fail", () => {
    const { code, messages } = portcullis(["service.yaml"]);
    expect(code).toBe(0);
    expect(messages).toEqual(new Map([["service.yaml", [SERVICE_WARNING]]]));
    expect(portcullis(["service.yaml", "--fail-on", "warning"]).code).toBe(1);
  });

  // policy/engine_test.go TestMultifileYaml: 4 failures and 1 warning for the two documents.
  it("evaluates each document of deployment+service.yaml: four failures and one warning", () => {
    const { messages } = portcullis(["deployment+service.yaml"]);
    expect(messages.get("deployment+service.yaml")).toEqual(
      [...DEPLOYMENT_FAILURES, SERVICE_WARNING].sort(),
    );
  });

  it("finds nothing more with --all-namespaces (package kubernetes holds helpers only)", () => {
    const all = portcullis([...FILES, "--all-namespaces"]);
    expect(all.messages).toEqual(portcullis(FILES).messages);
  });

  // Deliberate difference: acceptance.bats "Pass when testing a blank namespace" expects exit 0;
  // Portcullis treats a namespace without policies as a broken setup (a typo must not pass silently).
  it("refuses a namespace that holds no policy (exit 2) where conftest passes", () => {
    const { code, errors } = portcullis(["deployment.yaml", "--namespace", "notpresent"]);
    expect(code).toBe(2);
    expect(errors).toEqual([expect.stringMatching(/no policy in namespace notpresent/)]);
  });

  // acceptance.bats "Exceptions reported correctly" (1 failure, 1 exception, exit 1) and
  // "Exceptions output" (the exception names run_as_root).
  it("excepts deny_run_as_root for the Deployment examples/exceptions names, and fails the other", () => {
    const { code, messages } = portcullis(["deployments.yaml"], "exceptions");
    expect(code).toBe(1);
    expect(messages).toEqual(
      new Map([
        [
          "deployments.yaml",
          [
            "error main: Containers must not run as root in Deployment cannot-run-as-root",
            "excepted main: run_as_root",
          ],
        ],
      ]),
    );
  });

  describeWithConftest("next to the pinned conftest binary", () => {
    it("reports the same for examples/exceptions", () => {
      const ours = portcullis(["deployments.yaml"], "exceptions");
      const theirs = conftestRun(["deployments.yaml"], "exceptions");
      expect(diffMessages(ours.messages, theirs.messages)).toEqual([]);
      expect(ours.code).toBe(theirs.code);
    });

    it.each([[[]], [["--all-namespaces"]], [["--namespace", "main"]], [["--fail-on", "warning"]]])(
      "reports the same messages per file and the same exit status (%j)",
      (args: string[]) => {
        const ours = portcullis([...FILES, ...args]);
        const theirs = conftestRun([...FILES, ...args]);
        expect(diffMessages(ours.messages, theirs.messages)).toEqual([]);
        expect(ours.messages.size).toBe(FILES.length);
        expect(ours.code).toBe(theirs.code === 0 ? 0 : 1);
      },
    );
  });
});
