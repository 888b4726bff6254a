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

describe("suggestionsFor", () => {
  const report = evaluate({ "pod.yaml": POD });
  const suggestions = suggestionsFor(report.findings, new Map([["pod.yaml", POD]]));
  const of = (rule: string) =>
    suggestions.get(report.findings.find((f) => f.rule === rule)!.fingerprint);

  it("replaces a bad value in place, keeping the line's comment", () => {
    expect(of("PCK001")).toEqual({
      startLine: 11,
      endLine: 11,
      lines: ["        privileged: false # keep this comment"],
    });
  });

  it("turns an insertion into a replacement of the line above", () => {
    const s = of("PCK007")!;
    expect(s.startLine).toBe(s.endLine);
    expect(s.lines[0]).toBe(POD.split("\n")[s.startLine - 1]);
    expect(s.lines.slice(1).join("\n")).toContain("readOnlyRootFilesystem: true");
  });

  it("offers nothing for findings without a fix", () => {
    expect(of("PCK021")).toBeUndefined();
  });
});
