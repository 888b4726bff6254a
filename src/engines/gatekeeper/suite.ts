// gator's `Suite` (test.gatekeeper.sh/v1alpha1): its shape and its assertion, as `gator verify`
// judges a case. Shared by the suites run on a pull request and the Gatekeeper conformance tests.

export interface SuiteAssertion {
  violations?: "yes" | "no" | number | boolean;
  message?: string;
}
export interface SuiteCase {
  name: string;
  object: string;
  inventory?: string[];
  assertions: SuiteAssertion[];
  skip?: boolean;
}
export interface SuiteTest {
  name: string;
  template: string;
  constraint: string;
  cases: SuiteCase[];
  skip?: boolean;
}

/** Whether a document is a gator Suite. */
export function isSuite(value: unknown): value is { tests?: unknown } {
  const v = value as { kind?: unknown; apiVersion?: unknown } | null;
  return (
    typeof v === "object" &&
    v !== null &&
    v.kind === "Suite" &&
    typeof v.apiVersion === "string" &&
    v.apiVersion.startsWith("test.gatekeeper.sh/")
  );
}

/**
 * gator's assertion: how many violations match `message` (a regular expression), against yes/no/n.
 * Undefined when it holds, else why not.
 */
export function checkAssertion(
  assertion: SuiteAssertion,
  messages: readonly string[],
): string | undefined {
  let pattern: RegExp | undefined;
  try {
    pattern = assertion.message ? new RegExp(assertion.message) : undefined;
  } catch {
    return `assertion message ${JSON.stringify(assertion.message)} is not a regular expression`;
  }
  const matching = messages.filter((m) => !pattern || pattern.test(m)).length;
  // A YAML 1.1 reader turns an unquoted yes/no into a boolean: take both spellings.
  const want = assertion.violations ?? "yes";
  const ok =
    want === "yes" || want === true
      ? matching > 0
      : want === "no" || want === false
        ? matching === 0
        : matching === want;
  return ok
    ? undefined
    : `expected violations: ${String(want)}${pattern ? ` matching /${assertion.message}/` : ""}, got ${matching} of ${JSON.stringify(messages)}`;
}
