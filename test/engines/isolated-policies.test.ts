// Repository policies in worker threads: same findings as in this thread, and a runaway policy is
// stopped at the time limit while another evaluation goes on beside it.
import {
  IsolatedPolicyCompiler,
  PolicyWorkerPool,
} from "../../src/engines/opa/isolated-policies.js";
import { OpaPolicyCompiler } from "../../src/engines/opa/user-policies.js";
import type { PolicyEngine, PolicyInput } from "../../src/ports/policy-engine.js";

const FAST =
  'package main\n\nimport rego.v1\n\ndeny contains msg if {\n  input.kind == "Pod"\n  msg := sprintf("pod %q", [input.metadata.name])\n}\n';
// Billions of steps that allocate nothing: only the time limit can stop it (a billion-element range
// raced wasm's memory cap, which a quiet machine reached first).
const RUNAWAY =
  'package main\n\nimport rego.v1\n\ndeny contains "never" if {\n  r := numbers.range(1, 40000)\n  some i in r\n  some j in r\n  i == j\n  i < 0\n}\n';
const inputs: PolicyInput[] = [
  {
    document: { apiVersion: "v1", kind: "Pod", metadata: { name: "a" } },
    file: { path: "a.yaml", partial: false },
  },
  {
    document: { apiVersion: "v1", kind: "Service", metadata: { name: "b" } },
    file: { path: "b.yaml", partial: false },
  },
];
const conftest = (text: string) => ({
  modules: [{ path: "policy/p.rego", text }],
  namespaces: ["main"],
  data: {},
});

describe("repository policies in worker threads", () => {
  const pool = new PolicyWorkerPool({ size: 2, timeLimitMs: 1_500 });
  const compiler = new IsolatedPolicyCompiler(pool);
  afterAll(() => pool.close());

  it("gives the findings the same policy gives in this thread", async () => {
    const isolated = await compiler.conftest(conftest(FAST));
    const inline = (await new OpaPolicyCompiler().conftest(conftest(FAST))) as PolicyEngine;
    expect(await isolated.evaluateIsolated(inputs)).toEqual(inline.evaluate(inputs));
    expect((await isolated.evaluateIsolated(inputs))[0]).toEqual({
      ok: true,
      findings: [{ rule: "main.deny", msg: 'pod "a"', path: [], severity: "error" }],
    });
  });

  it("stops a runaway policy at the time limit and keeps serving the evaluation beside it", async () => {
    const runaway = await compiler.conftest(conftest(RUNAWAY));
    const fast = await compiler.conftest(conftest(FAST));
    const order: string[] = [];
    const slow = runaway.evaluateIsolated(inputs).then((r) => (order.push("runaway"), r));
    const quick = fast.evaluateIsolated(inputs).then((r) => (order.push("fast"), r));
    const [stopped, served] = await Promise.all([slow, quick]);
    expect(order).toEqual(["fast", "runaway"]);
    expect(served[0]).toMatchObject({ ok: true });
    expect(stopped).toEqual(
      inputs.map(() => ({
        ok: false,
        error: "repository policy stopped: it ran longer than 1.5 s",
      })),
    );
    // The stopped worker was replaced: the pool still evaluates.
    expect((await fast.evaluateIsolated(inputs))[0]).toMatchObject({ ok: true });
  }, 20_000);
});
