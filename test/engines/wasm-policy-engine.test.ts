import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { parseBatchResult, WasmPolicyEngine } from "../../src/engines/opa/wasm-policy-engine.js";
// @ts-expect-error: a plain ES module script without types
import { ensureOpa } from "../../scripts/tools.mjs";
import { bundle } from "../support/engine.js";

const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  document: {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { containers: [{ name: "a", image: "x:1", ...extra }] },
  },
  file: { path: `${name}.yaml`, partial: false },
});

const opa = ensureOpa({ quiet: true }) as string;

describe("WasmPolicyEngine", () => {
  it("evaluates many documents in batches and keeps each result with its document", () => {
    const engine = new WasmPolicyEngine(bundle().wasm, { maxBatchBytes: 2048 });
    const inputs = Array.from({ length: 50 }, (_, i) =>
      pod(`p${i}`, i % 2 ? { securityContext: { privileged: true } } : {}),
    );
    const results = engine.evaluate(inputs);
    expect(results).toHaveLength(50);
    results.forEach((r, i) => {
      expect(r.ok).toBe(true);
      const privileged = r.ok && r.findings.some((f) => f.rule === "PCK001");
      expect(privileged).toBe(i % 2 === 1);
    });
  });

  it("gives the same results in one batch as one document at a time", () => {
    const inputs = [pod("a", { securityContext: { privileged: true } }), pod("b")];
    const together = new WasmPolicyEngine(bundle().wasm).evaluate(inputs);
    const alone = inputs.map(
      (i) => new WasmPolicyEngine(bundle().wasm, { maxBatchBytes: 1 }).evaluate([i])[0],
    );
    expect(together).toEqual(alone);
  });

  it("reports a document that exhausts the memory ceiling and keeps evaluating the others", () => {
    const engine = new WasmPolicyEngine(bundle().wasm, { maxMemoryPages: 64, maxBatchBytes: 1 });
    const huge = pod("huge", {
      env: Array.from({ length: 20000 }, (_, i) => ({ name: `V${i}`, value: "x".repeat(100) })),
    });
    const [small1, big, small2] = engine.evaluate([pod("s1"), huge, pod("s2")]);
    expect(small1!.ok).toBe(true);
    expect(big).toEqual({ ok: false, error: expect.stringMatching(/^policy evaluation failed: /) });
    expect(small2!.ok).toBe(true);
  });

  it("treats a malformed result as a policy error, never as no findings", () => {
    expect(parseBatchResult([], 1)).toEqual([
      { ok: false, error: "policy returned no result set" },
    ]);
    expect(parseBatchResult([{ result: [[{ rule: "X", msg: "m", path: "spec" }]] }], 1)).toEqual([
      { ok: false, error: 'rule X returned an invalid path "spec"' },
    ]);
    expect(
      parseBatchResult(
        [{ result: [[{ rule: "X", msg: "m", path: [], fix: { op: "explode", path: [] } }]] }],
        1,
      ),
    ).toEqual([{ ok: false, error: 'rule X returned a fix with unknown op "explode"' }]);
  });

  it("refuses, at load, a module that needs a builtin the host does not provide", () => {
    // Built without our capabilities file, so that the module imports the missing builtin.
    const dir = mkdtempSync(join(tmpdir(), "builtin-"));
    writeFileSync(
      join(dir, "p.rego"),
      'package portcullis.main\n\nbatch := [time.parse_ns("2006", input.a)]\n',
    );
    execFileSync(opa, [
      "build",
      "-t",
      "wasm",
      "-e",
      "portcullis/main/batch",
      "-o",
      join(dir, "b.tar.gz"),
      join(dir, "p.rego"),
    ]);
    execFileSync("tar", ["-xzf", join(dir, "b.tar.gz"), "-C", dir, "/policy.wasm"]);
    expect(() => new WasmPolicyEngine(readFileSync(join(dir, "policy.wasm")))).toThrow(
      "policy bundle calls builtins the host does not provide: time.parse_ns",
    );
  });

  it.each(["http.send", "time.now_ns", "rand.intn"])(
    "makes the policy build fail on %s (capabilities file), not a review",
    (builtin) => {
      const dir = mkdtempSync(join(tmpdir(), "caps-"));
      const call =
        builtin === "http.send"
          ? 'http.send({"method": "get", "url": "http://x"})'
          : builtin === "time.now_ns"
            ? "time.now_ns()"
            : 'rand.intn("a", 2)';
      writeFileSync(join(dir, "p.rego"), `package p\n\nx := ${call}\n`);
      const caps = join(packageRoot(), "dist", "policies", "capabilities.json");
      const r = spawnSync(
        opa,
        [
          "build",
          "-t",
          "wasm",
          "--capabilities",
          caps,
          "-e",
          "p/x",
          "-o",
          join(dir, "b.tar.gz"),
          join(dir, "p.rego"),
        ],
        { encoding: "utf8" },
      );
      expect(r.status).not.toBe(0);
      expect(r.stderr + r.stdout).toContain(`undefined function ${builtin}`);
    },
  );
});
