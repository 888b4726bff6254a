// Renders a kustomization from repository files, offline: what a GitOps controller would apply.
import type { RemoteChart } from "../gitops/remote-charts.js";

/** Why a build produced nothing: each is reported at the kustomization's line, never a pass. */
export type RenderFailure = "failed" | "timeout" | "output-too-large" | "unavailable";

export type RenderOutcome =
  | {
      readonly ok: true;
      /** The rendered multi-document YAML, with kustomize's origin annotations on every resource. */
      readonly yaml: string;
      /**
       * The repository-relative directory that origin annotation paths are relative to (the
       * generated wrapper kustomization's; "" when the root kustomization is built directly):
       * `posix.join(originRoot, path)` is the source file.
       */
      readonly originRoot: string;
      readonly durationMs: number;
    }
  | {
      readonly ok: false;
      readonly reason: RenderFailure;
      readonly message: string;
      readonly durationMs: number;
    };

export interface KustomizeBuild {
  /**
   * Every repository file the build may read (repository-relative, `/`-separated), already
   * checked: no remote resource, no plugin that runs code, no path outside the repository.
   */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The kustomization directory to build, repository-relative ("" for the root). */
  readonly dir: string;
}

export interface HelmBuild {
  /** The chart's files and the values files (repository-relative), already checked and read. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The chart directory, repository-relative. */
  readonly chartDir: string;
  readonly release: string;
  readonly namespace: string;
  /** Values files among `files`, in the order helm reads them (`-f`; the last wins). */
  readonly valuesFiles: readonly string[];
  /** `--set name=value` (`--set-string` when `string`), after the values files, in order. */
  readonly set?: readonly { name: string; value: string; string: boolean }[];
}

export interface ManifestRenderer {
  /** The renderer's name and version, for the summary ("kustomize v5.8.2"). */
  describe(): Promise<string>;
  renderKustomization(build: KustomizeBuild): Promise<RenderOutcome>;
  /**
   * `helm template` of a chart of the repository (no dependency update, no tests); each document
   * carries helm's `# Source: <chart>/templates/x.yaml` comment. Absent: Helm is not rendered.
   */
  renderHelmChart?(build: HelmBuild): Promise<RenderOutcome>;
  /** Fetches an allow-listed, pinned remote chart (outside the sandbox). Absent: never fetched. */
  fetchChart?: ChartFetch["fetchChart"];
}

/** A remote chart's files (its archive unpacked, the top folder kept) and its archive's digest. */
export type FetchedChart =
  | { readonly ok: true; readonly files: ReadonlyMap<string, Uint8Array>; readonly digest: string }
  | { readonly ok: false; readonly reason: string };

export interface ChartFetch {
  /** `allow`: the base configuration's allow-list; `plainHttp`: registries reached without TLS. */
  fetchChart(
    chart: RemoteChart,
    allow: readonly string[],
    plainHttp?: readonly string[],
  ): Promise<FetchedChart>;
}
