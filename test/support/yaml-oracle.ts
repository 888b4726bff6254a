// The YAML oracle (tools/yaml-oracle) for tests: built with Go from the module proxy when missing.
// @ts-expect-error: a plain ES module script without types
import { ensureYamlOracle } from "../../scripts/tools.mjs";

/** The path of the built oracle; parseManifest finds the same one in .tools/bin. */
export function yamlOracle(): string {
  return (ensureYamlOracle as (o: { quiet: boolean }) => string)({ quiet: true });
}
