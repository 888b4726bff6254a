// Policies that call builtins only the pinned opa supplies, through `portcullis check`: the
// conftest-style ones give conftest's messages, the Gatekeeper template gives opa eval's.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runCommand } from "../support/cli.js";
import {
  conftestMessages,
  gatekeeperMessages,
  opaEvalRepository,
} from "../support/opa-eval-fixtures.js";

interface Report {
  findings: {
    rule: string;
    severity: string;
    file: string;
    message: string;
    lines: { start: number };
  }[];
  errors: unknown[];
}

function repository(): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-opa-eval-"));
  for (const [path, text] of Object.entries(opaEvalRepository())) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function check(...flags: string[]): Promise<Report> {
  const { stdout, code } = await runCommand(
    ["check", "apps", "--format", "json", ...flags],
    repository(),
  );
  expect(code).toBe(1);
  return JSON.parse(stdout) as Report;
}

describe("portcullis check with builtins only the pinned opa supplies", () => {
  it("--policy: conftest's messages, at each object's line", async () => {
    const report = await check("--policy", "policy");
    const ours = report.findings.filter((f) => f.rule.startsWith("main."));
    expect(report.errors).toEqual([]);
    expect(ours.map((f) => [f.rule, f.severity, f.lines.start, f.message])).toEqual([
      [
        "main.deny",
        "error",
        2,
        "ConfigMap shop-tls: config.json port: Must be greater than or equal to 1024",
      ],
      [
        "main.deny",
        "error",
        2,
        'ConfigMap shop-tls: the certificate for ["portcullis.test", "*.portcullis.test"] does not cover shop.example.com',
      ],
      [
        "main.warn",
        "warning",
        2,
        "ConfigMap shop-tls: docs at docs.example.com are served over http",
      ],
    ]);
    const conftest = conftestMessages();
    if (conftest) expect(ours.map((f) => f.message).sort()).toEqual(conftest);
    else
      process.stderr.write(
        "conftest is not built (.tools/bin/conftest): its messages not compared\n",
      );
  }, 60_000);

  it("--admission: the template's violations as opa eval gives them", async () => {
    const report = await check("--admission", "gatekeeper");
    const ours = report.findings.filter((f) => f.rule.startsWith("K8s"));
    expect(report.errors).toEqual([]);
    expect(ours.map((f) => [f.rule, f.file, f.lines.start])).toEqual([
      ["K8sAllowedSourceRanges/office-only", "apps/shop.yaml", 66],
    ]);
    expect(ours.map((f) => f.message)).toEqual(gatekeeperMessages());
    expect(ours[0]!.message).toBe(
      'Service shop: source range 172.16.0.0/24 (of {"10.1.0.0/23", "172.16.0.0/24"}) is outside ["10.0.0.0/8", "192.168.0.0/16"]',
    );
  }, 60_000);
});
