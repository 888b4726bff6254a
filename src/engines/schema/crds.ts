// The repository's CustomResourceDefinitions (at the base commit in a review, the working tree in
// `check`): their schemas validate the custom resources no built-in or bundled schema covers.
import { isKustomizationFile, isYamlOrJson } from "../../core/file-role.js";
import { INVENTORY_MAX_FILES } from "../../core/limits.js";
import { parseManifest } from "../../yaml/index.js";
import type { PolicyFiles } from "../repository-files.js";

function isCRD(v: unknown): boolean {
  const o = v as Record<string, unknown> | null;
  return (
    o !== null &&
    typeof o === "object" &&
    o.kind === "CustomResourceDefinition" &&
    o.apiVersion === "apiextensions.k8s.io/v1"
  );
}

/** Every CRD of the repository's YAML/JSON files (the first INVENTORY_MAX_FILES of them). */
export async function repositoryCRDs(files: PolicyFiles): Promise<unknown[]> {
  const paths = (await files.list(["."]))
    .filter((p) => isYamlOrJson(p) && !isKustomizationFile(p))
    .slice(0, INVENTORY_MAX_FILES);
  const out: unknown[] = [];
  for (const source of await files.read(paths)) {
    if (!source.text.includes("CustomResourceDefinition")) continue;
    for (const d of parseManifest(source.path, source.text).documents)
      if (isCRD(d.value)) out.push(d.value);
  }
  return out;
}
