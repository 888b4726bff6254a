// The kube-schema process bin/portcullis starts for a check is asked which versions it carries at
// once (its first line answers that): the session that takes it uses that answer instead of asking
// again, and a session that asks something else first still gets each answer in its place.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeSchemaSession } from "../../../src/engines/schema/kube-schema.js";

const VERSIONS = `{"versions":["1.37"],"kubernetes":[],"crds":[],"crdRefs":true}`;

/** A stand-in kube-schema that writes each line it reads to `lines` and answers it. */
function standIn(): { file: string; lines: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-early-session-"));
  const file = join(dir, "kube-schema");
  writeFileSync(
    file,
    `#!/bin/sh\nwhile read -r line; do\n  printf '%s\\n' "$line" >> ${dir}/lines\n` +
      `  case "$line" in\n    '{"versions":true}') echo '${VERSIONS}' ;;\n` +
      `    *) echo '{"results":[{"findings":[]}],"crdErrors":null}' ;;\n  esac\ndone\n`,
  );
  chmodSync(file, 0o755);
  return { file, lines: () => readFileSync(join(dir, "lines"), "utf8").trim().split("\n") };
}

const started: ChildProcessWithoutNullStreams[] = [];
afterAll(() => started.forEach((c) => c.kill("SIGKILL")));

/** What bin/portcullis does: start it, ask which versions it carries, leave it for the session. */
function startEarly(file: string, versionsAsked = true): ChildProcessWithoutNullStreams {
  const child = spawn(file, [], { stdio: ["pipe", "pipe", "pipe"] });
  started.push(child);
  if (versionsAsked) child.stdin.write('{"versions":true}\n');
  (globalThis as Record<symbol, unknown>)[Symbol.for("portcullis.kubeSchemaEarly")] = {
    binary: file,
    child,
    versionsAsked,
  };
  return child;
}

const request = { version: "1.37", documents: [{ apiVersion: "v1", kind: "ConfigMap" }] };

describe("the process bin/portcullis started", () => {
  it("is not asked again which versions it carries: the session takes the launcher's answer", async () => {
    const { file, lines } = standIn();
    startEarly(file);
    const session = new KubeSchemaSession(file);
    expect(await session.versions()).toEqual(JSON.parse(VERSIONS));
    expect((await session.request(request)).results).toHaveLength(1);
    expect(lines()).toEqual(['{"versions":true}', expect.stringContaining('"documents":')]);
    // Asked again later, the same process is asked.
    expect(await session.versions()).toEqual(JSON.parse(VERSIONS));
    expect(lines().filter((l) => l === '{"versions":true}')).toHaveLength(2);
  });

  it("answers a session that asks a request first in order: the launcher's answer is not the request's", async () => {
    const { file, lines } = standIn();
    startEarly(file);
    const session = new KubeSchemaSession(file);
    expect(await session.request(request)).toEqual({
      results: [{ findings: [] }],
      crdErrors: null,
    });
    expect(await session.versions()).toEqual(JSON.parse(VERSIONS));
    expect(lines()).toEqual(['{"versions":true}', expect.stringContaining('"documents":')]);
  });

  it("asks itself when the launcher did not ask, or its process has ended", async () => {
    const unasked = standIn();
    startEarly(unasked.file, false);
    expect(await new KubeSchemaSession(unasked.file).versions()).toEqual(JSON.parse(VERSIONS));
    expect(unasked.lines()).toEqual(['{"versions":true}']);
    const ended = standIn();
    const child = startEarly(ended.file);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const session = new KubeSchemaSession(ended.file);
    expect(await session.versions()).toEqual(JSON.parse(VERSIONS));
  });
});
