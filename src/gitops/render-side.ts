// One commit's side of a rendering review: its files, read once and parsed once.
import { isYamlOrJson } from "../core/file-role.js";
import { parseKustomization, type KustomizationNode, type RepoTree } from "./kustomize-tree.js";
import { assembleFindings } from "../core/findings.js";
import {
  DEFAULT_PARSE_LIMITS,
  parseManifest,
  type ParsedDocument,
  type ParsedFile,
} from "../yaml/index.js";
import { isPlainObject } from "../core/plain-data.js";
import type { Finding, JsonPath, ResourceRef } from "../core/types.js";
import type { Config } from "../config/config.js";
import type { ChangedFile, PullRequestSource } from "../ports/pull-request-source.js";
import { rulePolicyOf, type EvaluationDeps } from "../review/evaluate-files.js";
import { resolveLinks } from "../review/symbolic-links.js";

/** The rule a kustomization or Helm release that does not render is reported under. */
export const RENDER_FAILURE_RULE = "PCS004";

/** One commit's view: its files, kustomizations, controllers, and parsed files read so far. */
export class Side {
  readonly parsed = new Map<string, ParsedFile>();
  readonly bytes = new Map<string, Uint8Array | undefined>();
  nodes = new Map<string, KustomizationNode>();

  constructor(
    readonly commit: string,
    readonly tree: RepoTree,
    private readonly source: PullRequestSource,
    private readonly config: Config,
  ) {}

  async read(paths: readonly string[]): Promise<void> {
    const missing = [...new Set(paths)].filter((p) => !this.bytes.has(p));
    if (missing.length === 0) return;
    const contents = await this.source.readFiles(
      missing.map((path) => ({ commit: this.commit, path })),
    );
    // A symbolic link is its target inside the repository; one that is refused reads as absent.
    const read = missing.flatMap((path, i) => {
      const content = contents[i];
      return content ? [{ path, content }] : [];
    });
    const resolved = await resolveLinks(this.source, this.commit, read, (f) => f.path);
    missing.forEach((p) => this.bytes.set(p, undefined));
    for (const f of resolved) if (f.refused === undefined) this.bytes.set(f.path, f.content);
  }

  /** The contents of those files that exist at this side, read, and their total size. */
  async contents(
    paths: Iterable<string>,
  ): Promise<{ files: Map<string, Uint8Array>; bytes: number }> {
    const list = [...paths].filter((p) => this.tree.hasFile(p));
    await this.read(list);
    const files = new Map<string, Uint8Array>();
    let bytes = 0;
    for (const f of list) {
      const content = this.bytes.get(f);
      if (!content) continue;
      bytes += content.byteLength;
      files.set(f, content);
    }
    return { files, bytes };
  }

  file(path: string): ParsedFile | undefined {
    let parsed = this.parsed.get(path);
    if (parsed) return parsed;
    const content = this.bytes.get(path);
    if (!content || !isYamlOrJson(path)) return undefined;
    parsed = parseManifest(path, content, {
      ...DEFAULT_PARSE_LIMITS,
      maxFileBytes: this.config.limits.maxFileBytes,
      maxDocuments: this.config.limits.maxDocuments,
    });
    this.parsed.set(path, parsed);
    return parsed;
  }

  async loadKustomizations(): Promise<void> {
    const files = this.tree.kustomizationFiles();
    await this.read(files);
    for (const file of files) {
      const doc = this.file(file)?.documents[0];
      if (!doc) continue;
      const node = parseKustomization(file, doc, this.tree);
      this.nodes.set(node.dir, node);
    }
  }
}

export function show(dir: string): string {
  return dir === "" ? "." : dir;
}

/** The changed paths as each side names them (a rename is a change of both paths). */
export function changedPaths(files: readonly ChangedFile[]): {
  head: Set<string>;
  base: Set<string>;
} {
  const head = new Set<string>();
  const base = new Set<string>();
  for (const f of files) {
    if (f.status !== "removed") head.add(f.path);
    if (f.status !== "added") base.add(f.previousPath ?? f.path);
    if (f.previousPath) head.add(f.previousPath);
  }
  return { head, base };
}

export function resourceRef(value: Record<string, unknown>): ResourceRef {
  const meta = isPlainObject(value.metadata) ? value.metadata : {};
  const s = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    apiVersion: s(value.apiVersion),
    kind: s(value.kind),
    namespace: s(meta.namespace),
    name: s(meta.name),
  };
}

/** PCS004 at a render's line, through the pipeline's assembly (severity, waivers, fingerprint). */
export function renderFailureFindings(
  place: { readonly file: ParsedFile; readonly doc: ParsedDocument; readonly path: JsonPath },
  message: string,
  affects: string[],
  config: Config,
  evaluation: EvaluationDeps,
): Finding[] {
  const context = {
    rules: evaluation.rules,
    policy: rulePolicyOf(config),
    today: evaluation.today,
  };
  const raw = [{ rule: RENDER_FAILURE_RULE, msg: message, path: place.path }];
  return assembleFindings(place.file, place.doc, raw, false, context).map((f) => ({
    ...f,
    affects,
  }));
}

/** Kinds that have no namespace (Argo CD gives the destination namespace to the others). */
export const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PersistentVolume",
  "StorageClass",
  "PriorityClass",
  "ValidatingWebhookConfiguration",
  "MutatingWebhookConfiguration",
  "APIService",
  "IngressClass",
  "RuntimeClass",
  "CSIDriver",
  "ClusterIssuer",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ConstraintTemplate",
  "ClusterPolicy",
  "GatewayClass",
]);
