// The files Gatekeeper reads outside a review: the inventory of a working tree, and the folders
// of `check --admission` (which may also hold ValidatingAdmissionPolicies and Kyverno policies).
import { isYamlOrJson, roleOf, type RepositoryLayout } from "../../core/file-role.js";
import { isKubernetesObject } from "../../core/findings.js";
import { readDirectorySources } from "../../adapters/fs/directory-source.js";
import { parseManifest } from "../../yaml/index.js";
import { loadGatekeeper, type GatekeeperLoad } from "../opa/gatekeeper.js";
import type { OpaTools } from "../opa/opa-build.js";

/** Admission policies of the other engines (ValidatingAdmissionPolicy, Kyverno) in a text. */
export function holdsOtherAdmissionPolicies(text: string): boolean {
  return /^\s*apiVersion:\s*["']?(admissionregistration\.k8s\.io|kyverno\.io|policies\.kyverno\.io)\//m.test(
    text,
  );
}

/** The Kubernetes objects of whole-manifest files (not patches, kustomizations or chart templates). */
export function gatekeeperInventory(
  files: readonly { readonly path: string; readonly content: Uint8Array }[],
  layout: RepositoryLayout,
): unknown[] {
  const objects: unknown[] = [];
  for (const f of files) {
    const text = Buffer.from(f.content).toString("utf8");
    if (roleOf(f.path, layout) !== "manifest") continue;
    for (const d of parseManifest(f.path, text).documents)
      if (isKubernetesObject(d.value)) objects.push(d.value);
  }
  return objects;
}

/** `portcullis check --gatekeeper DIR`: every YAML/JSON file under `dir` (relative to `root`). */
export async function loadGatekeeperDirectory(
  dir: string,
  root: string,
  inventory: readonly unknown[],
  tools: () => OpaTools,
): Promise<GatekeeperLoad> {
  const none = (message: string): GatekeeperLoad => ({
    errors: [{ file: dir, line: 1, message }],
    notEvaluated: [],
    constraints: [],
  });
  const selection = readDirectorySources([dir], root, { include: ["**"], exclude: [] });
  if (selection.missing.length > 0) return none(`Gatekeeper directory ${dir} does not exist`);
  // What the walk refused (a link out, a name that is not UTF-8, a folder that cannot be read) was
  // not read: an error at its path, for every admission engine (they share these folders).
  const refused = selection.files.flatMap((f) =>
    f.refused
      ? [{ file: f.path, line: 1, message: `admission policies not read: ${f.refused}` }]
      : [],
  );
  const sources = selection.files
    .filter((f) => isYamlOrJson(f.path) && !f.refused)
    .map((f) => ({ path: f.path, text: Buffer.from(f.content).toString("utf8") }));
  const loaded = withErrors(await loadGatekeeper(sources, inventory, tools), refused);
  if (
    loaded.constraints.length === 0 &&
    loaded.errors.length === 0 &&
    loaded.notEvaluated.length === 0
  )
    return sources.some((s) => holdsOtherAdmissionPolicies(s.text))
      ? loaded
      : none(`Gatekeeper directory ${dir} holds no ConstraintTemplate with a Constraint`);
  return loaded;
}

function withErrors(loaded: GatekeeperLoad, errors: GatekeeperLoad["errors"]): GatekeeperLoad {
  return errors.length === 0 ? loaded : { ...loaded, errors: [...errors, ...loaded.errors] };
}
