// docs/waivers.md: "an unknown id such as `privileged` makes the waiver invalid", and a waiver that
// does not apply leaves a note saying why. A waiver naming no rule id matched no finding, so its
// note reached no one and the typo went unseen: the findings it covers now carry the note.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../src/cli/main.js";
import { bundle } from "../support/engine.js";

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels: { app.kubernetes.io/name: web }
  annotations:
    portcullis.dev/ignore: "latest-tag -- pinned by automation"
spec:
  containers:
    - name: web
      image: ghcr.io/acme/web:1.0
      securityContext:
        privileged: true # portcullis:ignore privileged -- the CNI agent needs it
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "portcullis-waiver-ids-"));
  writeFileSync(join(dir, "pod.yaml"), POD);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Finding = { rule: string; line: number; status: string; note?: string };

it("says on the findings a waiver covers that it names no rule id", async () => {
  let stdout = "";
  await runCli(["check", "--format", "json", "pod.yaml"], {
    cwd: dir,
    env: { PORTCULLIS_KUBE_SCHEMA: "", PORTCULLIS_TODAY: "2026-06-01" },
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: () => undefined },
    version: "0.0.0-test",
    bundle: bundle(),
  });
  const findings = (JSON.parse(stdout) as { findings: Finding[] }).findings;
  const pck001 = findings.find((f) => f.rule === "PCK001")!;
  expect(pck001.status).toBe("open");
  expect(pck001.note).toBe('waiver not applied: waiver names "PRIVILEGED", which is not a rule id');
  const pck012 = findings.find((f) => f.rule === "PCK012")!;
  expect(pck012.status).toBe("open");
  expect(pck012.note).toBe('waiver not applied: waiver names "LATEST-TAG", which is not a rule id');
});
