// The policies' own tests, as their engines define them: Rego `test_` rules as `opa test` runs
// them (the pinned opa, sandboxed, time-limited) and gator suites as `gator verify` judges them;
// each result at its test's file and line.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { parseConfig, type Config } from "../../src/config/config.js";
import { runRegoTests } from "../../src/engines/conftest/tests.js";
import { runGatekeeperSuites } from "../../src/engines/gatekeeper/tests.js";
import type { PolicyTestContext } from "../../src/engines/engine.js";
import { OpaPolicyCompiler, parsePolicyData } from "../../src/engines/opa/user-policies.js";
import { workingTreeFiles } from "../../src/engines/repository-files.js";

const POLICY = `package main
import rego.v1

deny contains msg if {
  input.kind == "Deployment"
  not input.spec.template.spec.securityContext.runAsNonRoot
  msg := "containers must not run as root"
}
`;
const TESTS = `package main
import rego.v1

test_root_denied if {
  deny["containers must not run as root"] with input as {"kind": "Deployment", "spec": {"template": {"spec": {}}}}
}

test_non_root_allowed if {
  count(deny) == 0 with input as {"kind": "Deployment", "spec": {"template": {"spec": {"securityContext": {"runAsNonRoot": true}}}}}
}

test_services_denied if {
  deny["containers must not run as root"] with input as {"kind": "Service"}
}
`;

function configOf(yaml: string): Config {
  return parseConfig(yaml, { settingDefaults: {}, ruleIds: new Set() }).config;
}

function write(root: string, files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

function contextOf(root: string, config: Config, timeLimitMs = 60_000): PolicyTestContext {
  return {
    config,
    configFile: ".github/portcullis.yml",
    files: workingTreeFiles(root),
    opa: { compiler: new OpaPolicyCompiler(), parseData: parsePolicyData },
    env: process.env,
    timeLimitMs,
  };
}

describe("Rego tests (opa test)", () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), "portcullis-rego-tests-"))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const config = configOf("policies:\n  paths: [policy]\n");

  it("reports each test rule at its file and line: passing ones pass, a false one fails", async () => {
    write(root, { "policy/main.rego": POLICY, "policy/main_test.rego": TESTS });
    const run = await runRegoTests(contextOf(root, config));
    expect(run.problems).toEqual([]);
    expect(run.results).toEqual([
      {
        engine: "conftest",
        file: "policy/main_test.rego",
        line: 4,
        name: "data.main.test_root_denied",
        outcome: "pass",
      },
      {
        engine: "conftest",
        file: "policy/main_test.rego",
        line: 8,
        name: "data.main.test_non_root_allowed",
        outcome: "pass",
      },
      {
        engine: "conftest",
        file: "policy/main_test.rego",
        line: 12,
        name: "data.main.test_services_denied",
        outcome: "fail",
        message: "the test rule is false or undefined",
      },
    ]);
  }, 60_000);

  it("runs nothing when no module holds a test rule", async () => {
    write(root, { "policy/main.rego": POLICY });
    expect(await runRegoTests(contextOf(root, config))).toEqual({ results: [], problems: [] });
  });

  it("reads v0 Rego under regoVersion auto, as the policies themselves are read", async () => {
    write(root, {
      "policy/old.rego": 'package old\ndeny[msg] { input.kind == "Pod"; msg := "no pods" }\n',
      "policy/old_test.rego":
        'package old\ntest_pod { deny["no pods"] with input as {"kind": "Pod"} }\n',
    });
    const run = await runRegoTests(contextOf(root, config));
    expect(run.results.map((r) => [r.name, r.outcome, r.line])).toEqual([
      ["data.old.test_pod", "pass", 2],
    ]);
  }, 60_000);

  it("gives the tests data.portcullis.pull_request as null, and each test its own with `with`", async () => {
    const needsApproval = `package main
import rego.v1

deny contains "needs an approval" if {
  input.kind == "Deployment"
  count(data.portcullis.pull_request.approvals) == 0
}
`;
    const tests = `package main
import rego.v1

test_no_pull_request if data.portcullis.pull_request == null

test_denied_without_approvals if {
  deny["needs an approval"] with input as {"kind": "Deployment"}
    with data.portcullis.pull_request as {"approvals": []}
}

test_allowed_with_an_approval if {
  count(deny) == 0 with input as {"kind": "Deployment"}
    with data.portcullis.pull_request.approvals as [{"login": "ann", "teams": [], "stale": false}]
}

test_a_data_file_does_not_stand_in if data.portcullis.pull_request == null
`;
    write(root, {
      "policy/main.rego": needsApproval,
      "policy/main_test.rego": tests,
      // policies.data cannot give a pull request: the app's policies never see one from a file
      "data/portcullis.yaml": "portcullis:\n  pull_request:\n    approvals: [x]\n",
    });
    const withData = configOf("policies:\n  paths: [policy]\n  data: [data]\n");
    const run = await runRegoTests(contextOf(root, withData));
    expect(run.problems).toEqual([]);
    expect(run.results.map((r) => [r.name, r.outcome, r.line])).toEqual([
      ["data.main.test_no_pull_request", "pass", 4],
      ["data.main.test_denied_without_approvals", "pass", 6],
      ["data.main.test_allowed_with_an_approval", "pass", 11],
      ["data.main.test_a_data_file_does_not_stand_in", "pass", 16],
    ]);
  }, 60_000);

  it("gives the data of policies.data to the tests, as the policies see it", async () => {
    write(root, {
      "policy/reg.rego":
        "package main\nimport rego.v1\nallowed contains r if some r in data.registries\n",
      "policy/reg_test.rego": 'package main\nimport rego.v1\ntest_acme if "acme.io" in allowed\n',
      "data/registries.yaml": "registries: [acme.io]\n",
    });
    const run = await runRegoTests(
      contextOf(root, configOf("policies:\n  paths: [policy]\n  data: [data]\n")),
    );
    expect(run.results.map((r) => r.outcome)).toEqual(["pass"]);
  }, 60_000);

  it.each(["v1", "auto"])(
    "reports a test module that does not parse at its file and line, and fails (regoVersion %s)",
    async (version) => {
      write(root, {
        "policy/main.rego": POLICY,
        "policy/broken_test.rego": "package main\nimport rego.v1\n\ntest_x if { 1 = }\n",
      });
      const run = await runRegoTests(
        contextOf(root, configOf(`policies:\n  paths: [policy]\n  regoVersion: ${version}\n`)),
      );
      expect(run.results).toEqual([]);
      expect(run.problems).toEqual([
        expect.objectContaining({
          file: "policy/broken_test.rego",
          line: 4,
          message: expect.stringMatching(/rego_parse_error/),
        }),
      ]);
    },
    60_000,
  );

  it("refuses network builtins in tests, as in the policies (the same capabilities)", async () => {
    write(root, {
      "policy/net_test.rego":
        'package main\nimport rego.v1\ntest_net if http.send({"method": "GET", "url": "http://127.0.0.1:9"})\n',
    });
    const run = await runRegoTests(contextOf(root, config));
    expect(run.results).toEqual([]);
    expect(run.problems).toEqual([
      expect.objectContaining({
        file: "policy/net_test.rego",
        line: 3,
        message: expect.stringMatching(/http\.send/),
      }),
    ]);
  }, 60_000);

  it("stops tests that run past the time limit and says so (a failure, never a pass)", async () => {
    write(root, { "policy/main.rego": POLICY, "policy/main_test.rego": TESTS });
    const run = await runRegoTests(contextOf(root, config, 1));
    expect(run.results).toEqual([]);
    expect(run.problems).toEqual([
      expect.objectContaining({
        file: ".github/portcullis.yml",
        message: expect.stringMatching(/took longer than/),
      }),
    ]);
  }, 60_000);
});

describe("gator suites (gator verify)", () => {
  let root: string;
  const FIXTURE = join(packageRoot(), "test", "fixtures", "gatekeeper", "hostnetwork");
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "portcullis-gator-tests-"));
    cpSync(FIXTURE, join(root, "admission", "hostnetwork"), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const config = configOf("policies:\n  admission: [admission]\n");

  it("judges every case as gator does, at the line of the case's name", async () => {
    const run = await runGatekeeperSuites(contextOf(root, config));
    expect(run.problems).toEqual([]);
    expect(run.results.map((r) => [r.file, r.line, r.name, r.outcome])).toEqual([
      [
        "admission/hostnetwork/suite.yaml",
        10,
        "no-host-network / exporter-on-host-network",
        "pass",
      ],
      ["admission/hostnetwork/suite.yaml", 16, "no-host-network / exporter-on-pod-network", "pass"],
      ["admission/hostnetwork/suite.yaml", 20, "no-host-network / name-outside-the-glob", "pass"],
    ]);
  }, 60_000);

  it("fails a case whose assertion the template no longer meets, with gator's reason", async () => {
    const template = join(root, "admission", "hostnetwork", "template.yaml");
    // The change breaks the template: the message of its CEL code (what gator runs first) changes.
    writeFileSync(
      template,
      readFileSync(template, "utf8").replace(/must not use hostNetwork/g, "is on the host"),
    );
    const run = await runGatekeeperSuites(contextOf(root, config));
    const failed = run.results.filter((r) => r.outcome !== "pass");
    expect(failed).toEqual([
      expect.objectContaining({
        file: "admission/hostnetwork/suite.yaml",
        line: 10,
        outcome: "fail",
        message: expect.stringMatching(
          /expected violations: 1 matching \/Pods must not use hostNetwork\/, got 0/,
        ),
      }),
    ]);
  }, 60_000);

  it("refuses a case path that leaves the repository, as undecided", async () => {
    const suite = join(root, "admission", "hostnetwork", "suite.yaml");
    writeFileSync(
      suite,
      readFileSync(suite, "utf8").replace(
        "samples/no-host-network/example_allowed.yaml",
        "../../../../etc/passwd",
      ),
    );
    const run = await runGatekeeperSuites(contextOf(root, config));
    expect(run.results.find((r) => r.line === 16)).toMatchObject({
      outcome: "error",
      message: "a path of this case is not inside the repository",
    });
  }, 60_000);
});
