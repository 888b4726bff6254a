// What a change to the repository's policies shows besides the verdict: the policies' own tests run
// at the head, and the impact of the head's policies on the repository's manifests (base vs head).
import type { Problem } from "./problem.js";
import type { PolicyLocation, ResourceRef } from "./types.js";

/** One unit test of a policy, as its engine ran it (`opa test`, `gator verify`, `kyverno test`). */
export interface PolicyTestResult {
  /** The engine that defines and ran it (`conftest`, `gatekeeper`, `kyverno`). */
  readonly engine: string;
  /** Repository-relative file of the test (a `_test.rego` module, a `suite.yaml`...). */
  readonly file: string;
  /** 1-based line of the test in that file. */
  readonly line: number;
  /** The test's name as its engine prints it (`data.main.test_denied`, `suite / test / case`). */
  readonly name: string;
  /** `error`: the test could not be decided (an evaluation error, a missing file). */
  readonly outcome: "pass" | "fail" | "error" | "skip";
  readonly message?: string;
}

/** An engine's tests: each result, and why tests could not run at all (at a file and line). */
export interface PolicyTestRun {
  readonly results: readonly PolicyTestResult[];
  readonly problems: readonly Problem[];
}

export const NO_TESTS: PolicyTestRun = { results: [], problems: [] };

/** Whether a test run holds a failure: a failing or undecided test, or tests that could not run. */
export function testsFail(run: PolicyTestRun): boolean {
  return (
    run.problems.length > 0 ||
    run.results.some((r) => r.outcome === "fail" || r.outcome === "error")
  );
}

/** One finding that differs between the base's and the head's policies. */
export interface ImpactItem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
  readonly resource?: ResourceRef;
}

/** What one policy (rule id) does differently at the head. */
export interface PolicyImpactEntry {
  readonly rule: string;
  /** Where the head (or, for a removed policy, the base) defines it, when known. */
  readonly policy?: PolicyLocation;
  /** Findings only the head's policies give. */
  readonly newlyFlagged: readonly ImpactItem[];
  /** Findings only the base's policies gave. */
  readonly noLongerFlagged: readonly ImpactItem[];
  /** Documents the head's policy cannot evaluate (that the base's could). */
  readonly failsToEvaluate: readonly ImpactItem[];
}

export interface PolicyImpact {
  readonly entries: readonly PolicyImpactEntry[];
  /** Repository files and Kubernetes documents evaluated under both. */
  readonly filesEvaluated: number;
  readonly documentsEvaluated: number;
  /** Why the comparison is partial (files over the cap, the time limit), when it is. */
  readonly partial?: string;
  /** The head's policies that do not load (they are not compared). */
  readonly problems: readonly Problem[];
}

/** What a review shows about a change to the repository's policies. */
export interface PolicyChangeReport {
  /** The changed files under the policy folders that made this run. */
  readonly changedPolicyFiles: readonly string[];
  readonly tests: PolicyTestRun;
  /** Absent when the impact could not be computed (no OPA toolchain). */
  readonly impact?: PolicyImpact;
  /** `https://<host>/<owner>/<repo>/blob/<head sha>/`, for links to lines. */
  readonly headBlobUrl?: string;
}

/** One engine's tests may run this long (all of them), as long as one render; then they are stopped. */
export const POLICY_TESTS_TIME_LIMIT_MS = 60_000;
/** Bytes of output one test run may print. */
export const MAX_POLICY_TEST_OUTPUT_BYTES = 8 * 1024 * 1024;
/** Repository files evaluated under both policies, at most (as many as Gatekeeper's inventory). */
export const IMPACT_MAX_FILES = 1_000;
/** The impact comparison stops after this long and says it is partial. */
export const IMPACT_TIME_LIMIT_MS = 120_000;
/** Kustomizations and Helm releases of the head rendered for the comparison (each twice), at most. */
export const IMPACT_MAX_RENDER_TARGETS = 50;
