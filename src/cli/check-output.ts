// `check`'s report: written in its format (text, json, sarif, github) to --output or standard
// output, and what was not rendered said on stderr.
import type { PolicyBundle } from "../adapters/fs/policy-bundle.js";
import type { FailLevel } from "../config/config.js";
import type { EvaluationReport, SourceFile } from "../review/evaluate-files.js";
import { renderGithub } from "../render/github.js";
import { writeJsonReport } from "../render/json.js";
import { writeSarif } from "../render/sarif.js";
import { renderText } from "../render/text.js";
import { outputSink } from "./check-io.js";
import type { CliIo } from "./check-command.js";
import type { CheckValues } from "./check-options.js";

/**
 * `check` reads files as they are: kustomizations and chart templates given to it are not rendered
 * (review renders them). Said on stderr on every run, never only under --verbose.
 */
export function warnNotRendered(report: EvaluationReport, io: CliIo, rendering: boolean): void {
  const kustomizations = report.skipped.filter((s) => s.reason.startsWith("kustomization:")).length;
  const templates = report.skipped.filter((s) => s.reason.startsWith("Helm chart template")).length;
  if (kustomizations + templates === 0) return;
  const what = [
    kustomizations > 0 ? `${kustomizations} kustomization(s)` : "",
    templates > 0 ? `${templates} Helm chart template(s)` : "",
  ].filter(Boolean);
  io.stderr.write(
    `portcullis: not evaluated: ${what.join(" and ")} (${
      rendering
        ? "no render built them: a chart renders through a Flux HelmRelease or Argo CD Application that names it, a kustomization when a file it reads is checked"
        : "check reads files as they are; --render builds them as review does"
    })\n`,
  );
}

/** Writes the report in its format, to --output or standard output. */
export function writeReport(
  report: EvaluationReport,
  how: {
    format: string;
    failOn: FailLevel;
    bundle: PolicyBundle;
    files: readonly SourceFile[];
    values: CheckValues;
    outputAbs: string | undefined;
  },
  io: CliIo,
): void {
  const { format, failOn, bundle, values } = how;
  const sink = outputSink(io, how.outputAbs);
  switch (format) {
    case "json":
      writeJsonReport(report, failOn, sink);
      break;
    case "sarif":
      writeSarif(report, { version: io.version, rules: bundle.rules }, sink);
      break;
    case "github":
      sink.write(renderGithub(report, new Map([...bundle.rules].map(([id, r]) => [id, r.title]))));
      sink.end();
      break;
    default:
      sink.write(
        renderText(report, {
          failOn,
          color:
            !values.flag("no-color") &&
            !values.text("output") &&
            io.stdout.isTTY === true &&
            !io.env.NO_COLOR,
          verbose: values.flag("verbose"),
          sourceLine: sourceLines(how.files),
        }),
      );
      sink.end();
  }
}

/** A file's source line (the text format shows them for files with findings): split on demand. */
function sourceLines(files: readonly SourceFile[]) {
  const sources = new Map(files.map((f) => [f.path, f]));
  const lines = new Map<string, string[]>();
  return (file: string, line: number): string | undefined => {
    const source = sources.get(file);
    if (source === undefined) return undefined;
    if (!lines.has(file))
      lines.set(file, Buffer.from(source.content).toString("utf8").split(/\r?\n/));
    return lines.get(file)![line - 1];
  };
}
