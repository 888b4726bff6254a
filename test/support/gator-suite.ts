// gator's `Suite` files (suite.yaml) read as `gator verify` reads them: shared by the committed
// Gatekeeper conformance test and the run over the public gatekeeper-library when it is present.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest } from "../../src/yaml/index.js";

export interface Assertion {
  violations?: "yes" | "no" | number | boolean;
  message?: string;
}
export interface Case {
  name: string;
  object: string;
  inventory?: string[];
  assertions: Assertion[];
}
export interface SuiteTest {
  name: string;
  template: string;
  constraint: string;
  cases: Case[];
}

/** Every suite.yaml under `dir`. */
export function suites(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? suites(join(dir, e.name))
      : e.name === "suite.yaml"
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every object of a file, read as the pipeline reads manifests. */
export function objects(file: string): unknown[] {
  return parseManifest(file, readFileSync(file, "utf8")).documents.map((d) => d.value);
}

/** gator's assertion: how many violations match `message` (a regular expression), against yes/no/n. */
export function check(assertion: Assertion, messages: readonly string[]): string | undefined {
  const pattern = assertion.message ? new RegExp(assertion.message) : undefined;
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
