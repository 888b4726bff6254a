import type { PolicyEngine } from "../../src/ports/policy-engine.js";
import { WasmPolicyEngine } from "../../src/engines/opa/wasm-policy-engine.js";
import { engineOf } from "../../src/engines/engine.js";
import { evaluateFiles, evaluateFilesWhenReady } from "../../src/review/evaluate-files.js";
import { bundle, EMPTY_LAYOUT, evaluate, testConfig } from "../support/engine.js";

const PRIVILEGED_PATCH = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          securityContext:
            privileged: true
`;

const at = (report: Awaited<ReturnType<typeof evaluate>>) =>
  report.findings.map((f) => `${f.file}:${f.lines.start}:${f.rule}:${f.status.kind}`);

describe("evaluateFiles", () => {
  it("reports what a kustomize patch sets, and nothing it merely leaves out", async () => {
    const layout = { chartRoots: new Set<string>(), patchFiles: new Set(["overlay/patch.yaml"]) };
    const patch = await evaluate({ "overlay/patch.yaml": PRIVILEGED_PATCH }, { layout });
    expect(at(patch)).toEqual(["overlay/patch.yaml:11:PCK001:open"]);
    // The same text as a whole manifest is missing many fields.
    const whole = await evaluate({ "deploy.yaml": PRIVILEGED_PATCH });
    expect(whole.findings.length).toBeGreaterThan(5);
  });

  it("finds privileged: true hidden behind a merge key, on the anchor's line", async () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: p}
x-base: &base
  privileged: true
spec:
  containers:
    - name: a
      image: ghcr.io/acme/a:1.0.0
      securityContext:
        <<: *base
`;
    expect(at(await evaluate({ "p.yaml": text })).filter((f) => f.includes("PCK001"))).toEqual([
      "p.yaml:5:PCK001:open",
    ]);
  });

  it("waives by inline comment and by annotation, and explains waivers that do not apply", async () => {
    const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    portcullis.dev/ignore: "PCK012 -- pinned by image automation; PCK021 until=2020-01-01 -- old; PCK016"
spec:
  hostPID: true # portcullis:ignore PCK004 -- node debugging pod, removed after incident INC-7
  containers:
    - name: a
      image: ghcr.io/acme/a:1.0.0
`;
    const report = await evaluate({ "p.yaml": text }, { today: "2026-06-01" });
    const byRule = (rule: string) => report.findings.filter((f) => f.rule === rule);
    expect(byRule("PCK004").map((f) => f.status)).toEqual([
      {
        kind: "waived",
        waiver: {
          rules: ["PCK004"],
          reason: "node debugging pod, removed after incident INC-7",
          expires: undefined,
          source: "comment",
          line: 8,
        },
      },
    ]);
    expect(byRule("PCK012").map((f) => f.status.kind)).toEqual(["waived"]);
    expect(
      byRule("PCK021").every(
        (f) => f.status.kind === "open" && f.note === "waiver expired on 2020-01-01: old",
      ),
    ).toBe(true);
    expect(byRule("PCK016").map((f) => [f.status.kind, f.note])).toEqual([
      ["open", "waiver not applied: waiver has no reason (write it after `--`)"],
    ]);
  });

  it("reports a document without apiVersion/kind among objects (PCS003) and skips files with no object", async () => {
    const report = await evaluate({
      "mixed.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n---\nfoo: bar\n",
      "values.yaml": "replicaCount: 2\nimage: {tag: latest}\n",
    });
    expect(at(report)).toEqual(["mixed.yaml:5:PCS003:open"]);
    expect(report.skipped).toEqual([{ file: "values.yaml", reason: "holds no Kubernetes object" }]);
  });

  it("refuses every file over the cap with PCS002, even one that shows no apiVersion/kind", async () => {
    const config = testConfig({ limits: { maxFileBytes: 1000, maxDocuments: 100 } });
    const big =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n" + "  k: v\n".repeat(400);
    const report = await evaluate(
      { "big.yaml": big, "lock.json": `{"x": "${"a".repeat(5000)}"}` },
      { config },
    );
    // Escaped keys ("\x61piVersion") can hide a manifest from a byte search: fail closed.
    expect(at(report)).toEqual(["big.yaml:1:PCS002:open", "lock.json:1:PCS002:open"]);
    expect(report.skipped).toEqual([]);
  });

  it("honours rules switched off and re-graded in the config", async () => {
    const config = testConfig({
      rules: { PCK001: { enabled: true, severity: "notice" }, PCK004: { enabled: false } },
    });
    const report = await evaluate(
      {
        "p.yaml":
          "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers:\n    - {name: a, image: 'x:1', securityContext: {privileged: true}}\n",
      },
      { config },
    );
    expect(report.findings.find((f) => f.rule === "PCK001")?.severity).toBe("notice");
    expect(report.findings.some((f) => f.rule === "PCK004")).toBe(false);
  });

  it("turns an engine failure into an error for that document, never into a pass", async () => {
    const failing: PolicyEngine = {
      setSettings: () => undefined,
      evaluate: (inputs) =>
        inputs.map(() => ({ ok: false, error: "policy evaluation failed: opa_abort" })),
    };
    const report = await evaluateFiles(
      [
        {
          path: "p.yaml",
          content: new TextEncoder().encode("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"),
        },
      ],
      EMPTY_LAYOUT,
      testConfig(),
      { engines: [engineOf("failing", failing)], rules: bundle().rules, today: "2026-06-01" },
    );
    expect(report.errors).toEqual([
      { file: "p.yaml", line: 2, message: "policy evaluation failed: opa_abort" },
    ]);
  });

  it("reads files while its engines are still being made, and reports as evaluateFiles does", async () => {
    const files = Array.from({ length: 40 }, (_, i) => ({
      path: `apps/p${i}.yaml`,
      content: new TextEncoder().encode(
        i === 7
          ? "a: [\n"
          : `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}}\nspec:\n  hostPID: true\n`,
      ),
    }));
    const deps = () => ({
      engines: [engineOf("catalogue", new WasmPolicyEngine(bundle().wasm))],
      rules: bundle().rules,
      today: "2026-06-01",
    });
    const expected = await evaluateFiles(files, EMPTY_LAYOUT, testConfig(), deps());
    // Ready after ten turns of the event loop: some files are read ahead, the rest afterwards.
    const late = new Promise<ReturnType<typeof deps>>((resolve) => {
      let turns = 0;
      const turn = () => (++turns === 10 ? resolve(deps()) : setImmediate(turn));
      setImmediate(turn);
    });
    const report = await evaluateFilesWhenReady(files, EMPTY_LAYOUT, testConfig(), late);
    expect(report).toEqual(expected);
    expect(report.findings.some((f) => f.file === "apps/p7.yaml" && f.rule === "PCS001")).toBe(
      true,
    );
    // Engines that cannot be made: the caller hears why, nothing is reported as passing.
    await expect(
      evaluateFilesWhenReady(
        files,
        EMPTY_LAYOUT,
        testConfig(),
        Promise.reject(new Error("no opa")),
      ),
    ).rejects.toThrow("no opa");
  });
});
