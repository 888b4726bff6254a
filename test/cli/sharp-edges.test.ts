// The CLI at its edges: one-line errors with exit 2, did-you-mean, --help everywhere, closed pipes,
// refused combinations, standard input, and a --fix-dry-run diff git applies to a file without a
// final newline.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { runCli } from "../../src/cli/main.js";
import { renderText } from "../../src/render/text.js";
import { finding } from "../support/findings.js";
import { bundle } from "../support/engine.js";
import { runCommand } from "../support/cli.js";
import { removeWorkspaces, workspace } from "../support/workspace.js";

const ROOT = packageRoot();
const BIN = join(ROOT, "bin", "portcullis");
const FLEET = "examples/fleet";
const LEGACY = `${FLEET}/apps/legacy/payments.yaml`;

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: registry.example.com/web:1.0
      securityContext:
        privileged: true
`;

/** One line on stderr, no stack frame, exit 2. */
function expectOneLineError(r: { code: number; stderr: string }, text: RegExp) {
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(text);
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

afterAll(removeWorkspaces);

describe("process-boundary errors", () => {
  it("unknown options get a did-you-mean on one line", async () => {
    expectOneLineError(
      await runCommand(["check", "--fixx"], ROOT),
      /unknown option --fixx \(did you mean --fix\?\)/,
    );
    expectOneLineError(
      await runCommand(["check", "--bogus"], ROOT),
      /^portcullis check: unknown option --bogus \(portcullis check --help/,
    );
    expectOneLineError(await runCommand(["rules", "--jsn"], ROOT), /did you mean --json\?/);
    expectOneLineError(
      await runCommand(["review", "--bsae", "main"], ROOT),
      /did you mean --base\?/,
    );
    expectOneLineError(
      await runCommand(["chek"], ROOT),
      /unknown command "chek" \(did you mean "check"\?\)/,
    );
    expectOneLineError(await runCommand(["check", "--output"], ROOT), /--output needs a value/);
  });

  it.each([["check"], ["review"], ["rules"], ["version"]])(
    "%s --help prints its usage and exits 0",
    async (command) => {
      const r = await runCommand([command, "--help"], ROOT);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: portcullis ${command}`));
      expect(r.stderr).toBe("");
    },
  );

  it("--config pointing at a folder is one line, not an EISDIR trace", async () => {
    expectOneLineError(
      await runCommand(["check", FLEET, "--config", "."], ROOT),
      /--config \. is a directory, not a file/,
    );
  });

  it("--output into a missing folder is refused before anything is checked", async () => {
    const dir = workspace({ "pod.yaml": POD });
    const r = await runCommand(["check", "pod.yaml", "--output", "nowhere/report.json"], dir);
    expectOneLineError(r, /--output nowhere\/report\.json: the folder nowhere does not exist/);
    expect(r.stdout).toBe("");
    expectOneLineError(
      await runCommand(["check", "pod.yaml", "--output", "."], dir),
      /is a directory/,
    );
  });

  it.each([
    [["--fix", "--fix-dry-run"], /--fix and --fix-dry-run cannot be used together/],
    [["--namespace", "x"], /--namespace needs --policy/],
    [["--all-namespaces"], /--all-namespaces needs --policy/],
    [["--rego-version", "v1"], /--rego-version needs --policy/],
    [["--data", "x.json"], /--data needs --policy/],
    [
      ["--policy", "p", "--namespace", "a", "--all-namespaces"],
      /--namespace and --all-namespaces cannot be used together/,
    ],
    [["--fix=some"], /unknown --fix=some/],
    [["--stdin-filename", "a.yaml"], /--stdin-filename needs - among the paths/],
  ])("refuses %j", async (args, message) => {
    expectOneLineError(await runCommand(["check", LEGACY, ...args], ROOT), message);
  });

  it("an unexpected failure is one line (the stack only with PORTCULLIS_DEBUG)", async () => {
    let stderr = "";
    const io = {
      cwd: ROOT,
      env: {},
      stdout: { write: () => true },
      stderr: { write: (s: string) => (stderr += s) },
      version: "0",
      get bundle(): never {
        throw new Error("disk on fire\nsecond line");
      },
    };
    expect(await runCli(["rules"], io)).toBe(2);
    expect(stderr).toBe(
      "portcullis: internal error: disk on fire (PORTCULLIS_DEBUG=1 prints the stack)\n",
    );
  });

  it("review outside a git repository says so instead of naming a missing commit", async () => {
    const dir = workspace({ "pod.yaml": POD });
    expectOneLineError(
      await runCommand(["review", "--base", "main"], dir),
      /is not in a git repository/,
    );
  });
});

describe("the built command", () => {
  it("`rules --json | head -1` ends quietly on the closed pipe", () => {
    const out = execFileSync(
      "sh",
      ["-c", `"${process.execPath}" "${BIN}" rules --json | head -1; echo "rc=\${PIPESTATUS:-0}"`],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    expect(out.split("\n")[0]).toBe("[");
    const r = spawnSync(
      "sh",
      ["-c", `"${process.execPath}" "${BIN}" rules --json | head -c 1 >/dev/null`],
      {
        encoding: "utf8",
      },
    );
    expect(r.stderr).toBe("");
  });

  it("reads standard input with `check -`, at the name --stdin-filename gives", () => {
    const r = spawnSync(
      process.execPath,
      [BIN, "check", "-", "--stdin-filename", "apps/pod.yaml", "--format", "json"],
      {
        input: POD,
        encoding: "utf8",
        cwd: mkdtempSync(join(tmpdir(), "pcs-stdin-")),
      },
    );
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as {
      findings: { rule: string; file: string; lines: { start: number } }[];
    };
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        rule: "PCK001",
        file: "apps/pod.yaml",
        lines: expect.objectContaining({ start: 10 }),
      }),
    );
  });

  it("keeps the yaml library's warnings off stderr on templated files", () => {
    const dir = workspace({
      "cm.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  {{ .Values.a }}: b\n",
    });
    const r = spawnSync(process.execPath, [BIN, "check", "cm.yaml"], {
      encoding: "utf8",
      cwd: dir,
    });
    expect(r.stderr).not.toMatch(/Warning|JS Object restrictions/);
  });
});

describe("--fix-dry-run on a file without a final newline", () => {
  it("marks the missing newline so git apply takes the diff", async () => {
    const dir = workspace({
      "pod.yaml": POD.trimEnd()
        .replace("privileged: true", "privileged: true\n        allowPrivilegeEscalation: true")
        .replace(/\n$/, ""),
    });
    execFileSync("git", ["init", "-q"], { cwd: dir });
    const r = await runCommand(["check", "pod.yaml", "--fix-dry-run=all", "--format", "json"], dir);
    const diff = r.stdout.slice(0, r.stdout.indexOf("{"));
    expect(diff).toContain("\\ No newline at end of file");
    writeFileSync(join(dir, "fix.diff"), diff);
    execFileSync("git", ["apply", "--check", "fix.diff"], { cwd: dir });
    execFileSync("git", ["apply", "fix.diff"], { cwd: dir });
    expect(readFileSync(join(dir, "pod.yaml"), "utf8").endsWith("\n")).toBe(false);
  });
});

describe("text output", () => {
  it("puts what could not be evaluated after the rule links and counts it on the verdict line", () => {
    const out = renderText(
      {
        findings: [finding()],
        skipped: [],
        errors: [
          {
            file: "policy/deny.rego",
            line: 3,
            message: "repository policy could not be loaded: rego_parse_error",
          },
        ],
        filesEvaluated: 1,
        documentsEvaluated: 1,
      },
      { failOn: "error", color: false, sourceLine: () => undefined },
    )
      .trimEnd()
      .split("\n");
    const error = out.findIndex((l) => l.startsWith("policy/deny.rego:3: could not evaluate"));
    const link = out.findIndex((l) => l.startsWith("PCK001: https://"));
    expect(link).toBeGreaterThan(-1);
    expect(error).toBe(out.length - 2); // after the links, right above the verdict
    expect(out.at(-1)).toMatch(/ · 1 could not be evaluated · /);
  });
});

describe("runCli in-process", () => {
  it("uses the given bundle", () => {
    expect(bundle().rules.size).toBeGreaterThan(10);
  });
});
