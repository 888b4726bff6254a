// Done when: a new engine is one folder plus one registry line, and then runs in both `check`
// and the app (the real server on loopback, talking to the GitHub stand-in).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import { ENGINES } from "../../src/engines/registry.js";
import { POLICY_CHECK_NAME } from "../../src/render/check-run.js";
import { startE2eServer, type E2eServer } from "../support/e2e-server.js";
import { bundle } from "../support/engine.js";
import { bannedNamesEngine } from "../support/engines/banned-names/index.js";
import {
  lastCompletedCheck,
  startGitHubStandIn,
  type GitHubStandIn,
} from "../support/github-stand-in.js";
import { webhookExample } from "../support/webhooks.js";

// The one registry line.
const REGISTRY = [...ENGINES, bannedNamesEngine];

const CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: forbidden\ndata: {a: b}\n";

async function check(dir: string, engines = REGISTRY) {
  let stdout = "";
  const code = await runCli(["check", "app.yaml", "--format", "json", "--fail-on", "never"], {
    cwd: dir,
    env: { PORTCULLIS_TODAY: "2026-06-01" },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: () => true },
    version: "0.0.0-test",
    bundle: bundle(),
    engines,
  });
  const report = JSON.parse(stdout) as {
    findings: { rule: string; line: number; message: string }[];
  };
  return { code, banned: report.findings.filter((f) => f.rule === "BANNED001") };
}

describe("an engine added by one folder and one registry line", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "portcullis-plug-in-"));
    mkdirSync(join(dir, "banned-names"));
    writeFileSync(join(dir, "banned-names", "names.txt"), "forbidden\n");
    writeFileSync(join(dir, "app.yaml"), CONFIG_MAP);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs in `portcullis check`, on the files of the working tree, next to the catalogue", async () => {
    const { code, banned } = await check(dir);
    expect(code).toBe(0);
    expect(banned).toEqual([
      expect.objectContaining({
        lines: { start: 4, end: 4 },
        message: "the name forbidden is banned",
      }),
    ]);
    // Without its registry line it is not there: the line is what plugs it in.
    expect((await check(dir, [...ENGINES])).banned).toEqual([]);
  });

  describe("in the app", () => {
    const opened = webhookExample("pull_request", "opened", 92);
    const { number, base, head } = opened.pull_request;
    let standIn: GitHubStandIn | undefined;
    let server: E2eServer | undefined;
    afterEach(async () => {
      await server?.close();
      await standIn?.close();
    });

    async function policyCheck(engines: typeof REGISTRY) {
      standIn = await startGitHubStandIn({
        owner: "Codertocat",
        repo: "Hello-World",
        number,
        files: {
          // Read at the base: a change never brings its own policies.
          [base.sha]: { "banned-names/names.txt": "forbidden\n" },
          [head.sha]: { "banned-names/names.txt": "forbidden\n", "app.yaml": CONFIG_MAP },
        },
        changed: [{ filename: "app.yaml", status: "added", patch: "@@ -0,0 +1,5 @@\n+a" }],
      });
      server = await startE2eServer(standIn.url, { engines });
      expect(await server.send("pull_request", opened)).toBe(200);
      await server.queue.idle();
      return lastCompletedCheck<{ conclusion?: string }>(standIn.requests, POLICY_CHECK_NAME)!;
    }

    it("runs in a review through the real server, and fails the policy check with its finding", async () => {
      const body = await policyCheck(REGISTRY);
      expect(body.conclusion).toBe("failure");
      expect(JSON.stringify(body)).toContain("the name forbidden is banned");
      await server!.close();
      await standIn!.close();
      server = undefined;
      standIn = undefined;
      const without = await policyCheck([...ENGINES]);
      expect(without.conclusion).toBe("success");
      expect(JSON.stringify(without)).not.toContain("BANNED001");
    }, 60_000);
  });
});
