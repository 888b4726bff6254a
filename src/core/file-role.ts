// Decides what a YAML file is in a GitOps repository: whole resources, a patch, a kustomization, a chart template.
import { posix } from "node:path";
import type { FileRole } from "./types.js";

const KUSTOMIZATION_NAMES = new Set(["kustomization.yaml", "kustomization.yml", "Kustomization"]);

export function isKustomizationFile(file: string): boolean {
  return KUSTOMIZATION_NAMES.has(posix.basename(file));
}

export function isYamlOrJson(file: string): boolean {
  return /\.(ya?ml|json)$/i.test(file) || isKustomizationFile(file);
}

/** A Rego policy module (tests, `*_test.rego`, are not policies: `opa test` runs those). */
export function isPolicyModule(path: string): boolean {
  return path.endsWith(".rego") && !path.endsWith("_test.rego");
}

/** A data file policies can read (conftest's --data takes JSON and YAML). */
export function isDataFile(path: string): boolean {
  return /\.(json|ya?ml)$/i.test(path);
}

/** The folders of `file` below the data root `root`: OPA's loader puts the file's data under them. */
export function dataKeysOf(root: string, file: string): string[] {
  const slash = file.lastIndexOf("/");
  const dir = slash < 0 ? "" : file.slice(0, slash);
  const base = root.replace(/\/+$/, "");
  if (dir === base || !dir.startsWith(`${base}/`)) return [];
  return dir
    .slice(base.length + 1)
    .split("/")
    .filter((s) => s !== "" && s !== ".");
}

/** The chart root of a file under `<chart>/templates/`, when `<chart>/Chart.yaml` is known. */
export function chartOf(file: string, chartRoots: ReadonlySet<string>): string | undefined {
  const parts = file.split("/");
  for (let i = parts.length - 2; i >= 0; i--) {
    if (parts[i] !== "templates") continue;
    const root = parts.slice(0, i).join("/");
    if (chartRoots.has(root)) return root;
  }
  return undefined;
}

export interface RepositoryLayout {
  /** Directories holding a Chart.yaml (repository-relative, "" for the root). */
  readonly chartRoots: ReadonlySet<string>;
  /** Files that some kustomization uses as a patch (repository-relative). */
  readonly patchFiles: ReadonlySet<string>;
}

/**
 * The role of a file from its path and the repository layout; `not-manifest` is decided later,
 * once the file is parsed and holds no Kubernetes object. A file under `templates/` is a chart
 * template only when a Chart.yaml above it makes it one: anything else is evaluated (a guess from
 * its text would let `{{` hide a manifest).
 */
export function roleOf(file: string, layout: RepositoryLayout): FileRole {
  if (isKustomizationFile(file)) return "kustomization";
  if (chartOf(file, layout.chartRoots) !== undefined) return "helm-template";
  if (layout.patchFiles.has(file)) return "patch";
  return "manifest";
}

/** Patch files named by a kustomization (paths resolved against its directory). */
export function patchFilesOf(kustomizationFile: string, kustomization: unknown): string[] {
  if (kustomization === null || typeof kustomization !== "object") return [];
  const k = kustomization as Record<string, unknown>;
  const dir = posix.dirname(kustomizationFile);
  const out: string[] = [];
  const add = (p: unknown) => {
    if (typeof p !== "string" || p.includes("\n") || /^[a-z]+:\/\//i.test(p)) return;
    out.push(posix.normalize(posix.join(dir, p)));
  };
  for (const entry of asArray(k.patchesStrategicMerge)) add(entry);
  for (const entry of [...asArray(k.patches), ...asArray(k.patchesJson6902)]) {
    if (entry && typeof entry === "object") add((entry as Record<string, unknown>).path);
    // `patches: [patch.yaml]`: kustomize refuses the entry (PCS004 when rendered), but the file is
    // still a patch, never a whole resource.
    else add(entry);
  }
  // Paths are relative to where the command runs: a patch above it is "../x.yaml", still a patch.
  return out;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
