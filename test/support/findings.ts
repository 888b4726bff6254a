// Findings for renderer tests, built with the real domain types.
import type {
  Finding,
  FindingStatus,
  RuleMetadata,
  Severity,
  Waiver,
} from "../../src/core/types.js";

let counter = 0;

export function finding(overrides: Partial<Finding> = {}): Finding {
  counter++;
  return {
    rule: "PCK001",
    severity: "error",
    message: "container web is privileged",
    file: "apps/web/deployment.yaml",
    lines: { start: 14, end: 14 },
    documentIndex: 0,
    resource: { apiVersion: "apps/v1", kind: "Deployment", namespace: "prod", name: "web" },
    path: ["spec", "template", "spec", "containers", 0, "securityContext", "privileged"],
    fingerprint: `fp${String(counter).padStart(6, "0")}`,
    status: { kind: "open" },
    ...overrides,
  };
}

export function waiver(overrides: Partial<Waiver> = {}): Waiver {
  return {
    rules: ["PCK001"],
    reason: "node-local DNS cache needs the host network",
    source: "comment",
    line: 14,
    ...overrides,
  };
}

export const WAIVED = (w: Partial<Waiver> = {}): FindingStatus => ({
  kind: "waived",
  waiver: waiver(w),
});
export const EXISTING: FindingStatus = { kind: "existing" };

export function rule(id: string, title: string, severity: Severity = "error"): RuleMetadata {
  return {
    id,
    title,
    severity,
    category: "pod-security",
    summary: title,
    description: title,
    rationale: "",
    remediation: "",
    references: [],
    engine: "rego",
  };
}
