// The chart a Helm release renders: the repository's chart folder, or an allow-listed remote
// chart fetched (outside the sandbox) and unpacked into the build's copy; or why it is not.
import { posix } from "node:path";
import { missingDependency, type HelmReleaseTarget } from "./helm-releases.js";
import { type ParsedDocument, type ParsedFile } from "../yaml/index.js";
import { chartAddress, type RemoteChart } from "./remote-charts.js";
import { MAX_RENDER_FILES, MAX_RENDER_INPUT_BYTES } from "../core/render-limits.js";
import type { Finding, JsonPath, ResourceRef } from "../core/types.js";
import { type EvaluationError } from "../review/evaluate-files.js";
import { type Side } from "./render-side.js";
import type { HelmContext } from "./render-helm.js";

export interface Place {
  readonly file: ParsedFile;
  readonly doc: ParsedDocument;
  readonly path: JsonPath;
  /**
   * Where a field of the object is set, when the object is not text of `file` (an Application a
   * chart rendered: its fields' values lines or template); else the document's own lines.
   */
  readonly at?: FieldPlace;
}

/** The file and line that set a field (a path) of an object. */
export type FieldPlace = (path: JsonPath) => { file: ParsedFile; line: number };

/** The line that sets a field of the object at the place. */
export function fieldAt(place: Place, path: JsonPath): { file: ParsedFile; line: number } {
  return place.at ? place.at(path) : { file: place.file, line: place.doc.locate(path).lines.start };
}

export interface ReleaseSide {
  readonly status: "rendered" | "failed" | "not-evaluated" | "absent";
  readonly reason?: string;
  /** `at`: where each field of a rendered object was set (values line, else template). */
  readonly resources: { resource: ResourceRef; value: unknown; at?: FieldPlace }[];
  readonly findings: Finding[];
  readonly errors: EvaluationError[];
  readonly files: readonly string[];
  readonly durationMs: number;
  /** Left out: the review's render budget was used up. */
  readonly overBudget?: boolean;
}

export const NONE = { resources: [], findings: [], errors: [], files: [], durationMs: 0 };

export function lineOf(place: Place): number {
  return place.doc.locate(place.path).lines.start;
}

/** The chart folder of the repository a release renders, read; or why it is not rendered. */
export async function repositoryChart(
  side: Side,
  release: HelmReleaseTarget,
): Promise<{ dir: string; files: Map<string, Uint8Array> } | ReleaseSide> {
  const chartDir = release.chartDir;
  if (chartDir === undefined || !side.tree.hasFile(posix.join(chartDir, "Chart.yaml")))
    return { ...NONE, status: "absent" };
  if (release.refusal) return { ...NONE, status: "not-evaluated", reason: release.refusal };
  const chartFiles = side.tree.filesUnder(chartDir);
  if (chartFiles.length > MAX_RENDER_FILES)
    return {
      ...NONE,
      status: "not-evaluated",
      reason: `its chart has ${chartFiles.length} files, above the limit of ${MAX_RENDER_FILES}`,
    };
  await side.read(chartFiles);
  const chartYaml = side.file(posix.join(chartDir, "Chart.yaml"))?.documents[0]?.value;
  const missing = missingDependency(chartDir, chartYaml, side.tree);
  if (missing) return { ...NONE, status: "not-evaluated", reason: missing };
  const { files, bytes } = await side.contents(chartFiles);
  if (bytes > MAX_RENDER_INPUT_BYTES)
    return {
      ...NONE,
      status: "not-evaluated",
      reason: `its chart has ${bytes} bytes, above the limit of ${MAX_RENDER_INPUT_BYTES}`,
    };
  return { dir: chartDir, files };
}

/** Where a fetched chart goes in the build's copy (never a path of the repository). */
const REMOTE_DIR = ".portcullis-chart";

/**
 * An allow-listed remote chart, fetched outside the sandbox (by digest, from the cache when it
 * is there). A chart that cannot be fetched (unreachable, too large, a digest that does not
 * match) is an evaluation error at the release's chart line: the check cannot pass without it.
 */
export async function remoteChart(
  release: HelmReleaseTarget,
  remote: RemoteChart,
  ctx: HelmContext,
  place: Place,
): Promise<{ dir: string; files: Map<string, Uint8Array> } | ReleaseSide> {
  if (release.refusal) return { ...NONE, status: "not-evaluated", reason: release.refusal };
  if (!ctx.renderer.fetchChart)
    return { ...NONE, status: "not-evaluated", reason: "remote charts are not fetched here" };
  const fetched = await ctx.renderer.fetchChart(remote, ctx.remoteCharts, ctx.plainHttp);
  if (!fetched.ok)
    return {
      ...NONE,
      status: "failed",
      reason: fetched.reason,
      errors: [{ file: place.file.file, line: lineOf(place), message: fetched.reason }],
    };
  const top = [...fetched.files.keys()]
    .filter((p) => posix.basename(p) === "Chart.yaml")
    .sort((a, b) => a.split("/").length - b.split("/").length)[0];
  if (top === undefined)
    return {
      ...NONE,
      status: "failed",
      reason: `${chartAddress(remote)} holds no Chart.yaml`,
      errors: [
        {
          file: place.file.file,
          line: lineOf(place),
          message: `${chartAddress(remote)} holds no Chart.yaml`,
        },
      ],
    };
  const files = new Map<string, Uint8Array>();
  for (const [p, b] of fetched.files) files.set(`${REMOTE_DIR}/${p}`, b);
  const dir = posix.dirname(`${REMOTE_DIR}/${top}`);
  return { dir, files };
}
