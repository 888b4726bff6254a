import { suggestionsFor } from "../../src/review/suggestions.js";
import { evaluate } from "../support/engine.js";

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: web
      image: ghcr.io/acme/web:1.0.0
      securityContext:
        privileged: true # keep this comment
`;

const podReport = await evaluate({ "pod.yaml": POD });

describe("suggestionsFor", () => {
  const report = podReport;
  const suggestions = suggestionsFor(report.findings, new Map([["pod.yaml", POD]]));
  const of = (rule: string) =>
    suggestions.get(report.findings.find((f) => f.rule === rule)!.fingerprint);

  it("replaces a bad value in place, keeping the line's comment", () => {
    const s = of("PCK001")!;
    expect(s.startLine).toBe(11);
    expect(s.endLine).toBe(11);
    expect(s.lines[0]).toBe("        privileged: false # keep this comment");
  });

  it("folds an insertion after that line into the same suggestion (no two suggestions on one line)", () => {
    expect(of("PCK007")).toBeUndefined();
    expect(of("PCK001")!.lines.slice(1).join("\n")).toContain("readOnlyRootFilesystem: true");
  });

  it("offers nothing for findings without a fix", () => {
    expect(of("PCK021")).toBeUndefined();
  });
});

const sameLines = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers:
    - name: a
      image: ghcr.io/acme/a:1.0.0
      securityContext: {privileged: true}
`;
const sameLinesReport = await evaluate({ "p.yaml": sameLines });

describe("suggestionsFor with fixes on the same lines", () => {
  const text = sameLines;
  const report = sameLinesReport;
  const suggestions = suggestionsFor(report.findings, new Map([["p.yaml", text]]));

  it("merges them into one suggestion that carries every fix", () => {
    const onLine8 = [...suggestions.values()].filter((s) => s.startLine === 8);
    expect(onLine8).toHaveLength(1);
    const line = onLine8[0]!.lines.join("\n");
    expect(line).toContain("privileged: false");
    expect(line).toContain("readOnlyRootFilesystem: true");
  });
});
