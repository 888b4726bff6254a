// Plain domain values shared by every front door: documents, findings, fixes, rules.

export type Severity = "error" | "warning" | "notice";

export const SEVERITIES: readonly Severity[] = ["error", "warning", "notice"];

/** Higher is more severe: for "at or above" tests and most-severe-first orders. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  error: 3,
  warning: 2,
  notice: 1,
};

/** A step of a JSON path: a mapping key or a sequence index. */
export type PathStep = string | number;
export type JsonPath = readonly PathStep[];

export interface LineRange {
  /** 1-based, counted from the top of the file across `---` separators. */
  readonly start: number;
  readonly end: number;
}

/** What the engine knows about the role of a file in the repository. */
export type FileRole =
  | "manifest" // whole Kubernetes objects
  | "patch" // a kustomize patch: partial objects, no "missing field" findings
  | "kustomization" // kustomization.yaml: build instructions, not a resource
  | "helm-template" // a chart template: not YAML until rendered
  | "not-manifest"; // YAML that holds no Kubernetes object (values files, CI config)

export interface ResourceRef {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export type FixOperation =
  | { readonly op: "set"; readonly path: JsonPath; readonly value: unknown }
  | { readonly op: "remove"; readonly path: JsonPath }
  | { readonly op: "append"; readonly path: JsonPath; readonly value: unknown };

/** Where a waiver was written: a resource annotation, an inline comment, or a policy's own exception. */
export type WaiverSource = "annotation" | "comment" | "policy-exception";

export interface Waiver {
  readonly rules: readonly string[];
  readonly reason: string;
  readonly expires?: string;
  readonly source: WaiverSource;
  readonly line: number;
}

export type FindingStatus =
  | { readonly kind: "open" }
  | { readonly kind: "waived"; readonly waiver: Waiver }
  | { readonly kind: "existing" };

export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  readonly file: string;
  readonly lines: LineRange;
  readonly documentIndex?: number;
  readonly resource?: ResourceRef;
  readonly path: JsonPath;
  readonly fix?: FixOperation;
  /** rule + resource identity + path: stable across pushes and line moves. */
  readonly fingerprint: string;
  readonly status: FindingStatus;
  /** Why a waiver did not apply (expired, no reason), shown next to the finding. */
  readonly note?: string;
  /**
   * For a finding in rendered output: what renders it (`kustomize apps/prod`) and the controller
   * objects that apply it (`Flux Kustomization flux-system/apps`).
   */
  readonly affects?: readonly string[];
  /** Where the repository defines the policy that found this (a Gatekeeper constraint). */
  readonly policy?: PolicyLocation;
}

/** A policy's file (repository-relative, as read) and the line it starts on. */
export interface PolicyLocation {
  readonly file: string;
  readonly line: number;
}

export interface RuleMetadata {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly category: string;
  readonly summary: string;
  readonly description: string;
  readonly rationale: string;
  readonly remediation: string;
  readonly fix?: string;
  readonly references: readonly { readonly title: string; readonly url: string }[];
  /** "rego" rules run in the wasm bundle; "host" rules (PCS*) are produced by the loader. */
  readonly engine: "rego" | "host";
}

/** A file that was not evaluated, and why: reported, never silently dropped. */
export interface SkippedFile {
  readonly file: string;
  readonly reason: string;
  /** The line that asks for what was not evaluated (a remote base in a kustomization). */
  readonly line?: number;
}
