// gator's `Suite` files (suite.yaml) read as `gator verify` reads them: shared by the committed
// Gatekeeper conformance test and the run over the public gatekeeper-library when it is present.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseManifest } from "../../src/yaml/index.js";

export type {
  SuiteAssertion as Assertion,
  SuiteCase as Case,
  SuiteTest,
} from "../../src/engines/gatekeeper/suite.js";
export { checkAssertion as check } from "../../src/engines/gatekeeper/suite.js";

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
