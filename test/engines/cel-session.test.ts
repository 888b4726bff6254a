// The CEL session's process boundary: a CEL engine that hangs, crashes or prints nonsense fails the
// requests it was asked with a one-line reason (never a pass), and the next request starts afresh
// (sending its load again); the real engine answers in order and ends when idle.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CelSession, celPath } from "../../src/engines/cel/cel-session.js";

function script(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-cel-"));
  const file = join(dir, "fake-cel");
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("CelSession", () => {
  it("fails a request the engine does not answer in time, with the limit in the reason", async () => {
    // Reads its requests and never answers.
    const session = new CelSession(script("while read line; do :; done"), {}, 300);
    await expect(session.request({ op: "vap" })).rejects.toThrow(
      "the CEL engine gave no answer within 0.3 s",
    );
    session.close();
  });

  it("fails the requests of an engine that crashes, with its first line of stderr", async () => {
    const session = new CelSession(script('read line; echo "boom: out of memory" >&2; exit 3'), {});
    await expect(session.request({ op: "vap" })).rejects.toThrow(
      "the CEL engine stopped: boom: out of memory",
    );
  });

  it("refuses an answer that is not a JSON object", async () => {
    const session = new CelSession(script('while read line; do echo "[1]"; done'), {});
    await expect(session.request({ op: "vap" })).rejects.toThrow(
      "the CEL engine printed an answer that is not an object",
    );
    session.close();
  });

  it("restarts after a crash and sends its load again", async () => {
    // Answers the load, then dies on the next request; a fresh process answers both again.
    const marker = join(mkdtempSync(join(tmpdir(), "portcullis-cel-")), "started");
    const session = new CelSession(
      script(
        `if [ -e ${marker} ]; then while read line; do echo '{"ok":true}'; done; fi\n: > ${marker}\nread line; echo '{"problems":[]}'; read line; exit 1`,
      ),
      { policies: [] },
    );
    await expect(session.request({ op: "vap" })).rejects.toThrow(/the CEL engine stopped/);
    await expect(session.request({ op: "vap" })).resolves.toEqual({ ok: true });
    session.close();
  });

  const binary = celPath();
  (binary ? it : it.skip)("answers the real engine's requests in order", async () => {
    const session = new CelSession(binary!, { policies: [], bindings: [] });
    expect(await session.load()).toEqual({ problems: [] });
    const answers = await Promise.all([
      session.request({ op: "version" }),
      session.request({ op: "nonsense" }),
      session.request({ op: "vap", object: { apiVersion: "v1", kind: "ConfigMap" } }),
    ]);
    expect(answers).toEqual([
      { version: "k8s.io/apiserver v0.37.2" },
      { error: 'unknown op "nonsense"' },
      { results: [], unknown: [] },
    ]);
    session.close();
  });
});
