// PORTCULLIS_TODAY fixes the day waivers expire against, for reproducible CI (README, docs/waivers.md).
// A value that is not a calendar day is refused in one line (exit 2), as PORTCULLIS_WORKERS is:
// it used to fall back to the real date in silence, so a typo made a pinned CI run drift.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import { bundle } from "../support/engine.js";

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  annotations:
    portcullis.dev/ignore: "PCK012 until=2026-06-30 -- pinned by image automation"
spec:
  containers:
    - name: web
      image: ghcr.io/acme/web:1.0
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-today-"));
  mkdirSync(join(dir, "apps"));
  writeFileSync(join(dir, "apps", "pod.yaml"), POD);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], today: string) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    cwd: dir,
    env: { PORTCULLIS_TODAY: today, PORTCULLIS_KUBE_SCHEMA: "" },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    version: "0.0.0-test",
    bundle: bundle(),
  });
  return { code, stdout, stderr };
}

const pck012 = (json: string) =>
  (JSON.parse(json) as { findings: { rule: string; status: string }[] }).findings.find(
    (f) => f.rule === "PCK012",
  )?.status;

describe("PORTCULLIS_TODAY", () => {
  it("fixes the day a waiver's until= is compared with", async () => {
    const before = await run(["check", "--format", "json", "apps"], "2026-06-30");
    const after = await run(["check", "--format", "json", "apps"], "2026-07-01");
    expect(pck012(before.stdout)).toBe("waived");
    expect(pck012(after.stdout)).not.toBe("waived");
  });

  it.each(["tomorrow", "2026-13-45", "2026-02-30", "2026-6-1"])(
    "refuses %s in one line, exit 2, for check and review",
    async (bad) => {
      for (const args of [
        ["check", "apps"],
        ["review", ".", "--base", "HEAD"],
      ]) {
        const r = await run(args, bad);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toBe(
          `portcullis: PORTCULLIS_TODAY must be a day as YYYY-MM-DD, not "${bad}"\n`,
        );
      }
    },
  );
});
