// Runs the pinned Kyverno CLI in the renderers' lock (src/gitops/adapters/sandbox.ts): no PATH, a
// home of its own, proxies on a closed port, no network where the system allows it, a time limit,
// a temporary folder holding only what it is given. Its report is read as it arrives.
import { StringDecoder } from "node:string_decoder";
import {
  findRenderTool,
  sandboxEnvironment,
  SandboxedTool,
  withoutTempDir,
  type RenderToolOptions,
} from "../../gitops/adapters/sandbox.js";
import { ReportStream } from "./report-stream.js";

/** What `npm run build:kyverno` builds; the message when it is missing. */
export const KYVERNO_INSTALL_HINT =
  "run `npm run build:kyverno` (the pinned Kyverno CLI, tools/kyverno/go.mod), put kyverno on PATH, or set PORTCULLIS_KYVERNO";

/** $PORTCULLIS_KYVERNO, then the one `npm run build:kyverno` made (.tools/bin/kyverno), then PATH. */
export function findKyverno(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  return findRenderTool("kyverno", env.PORTCULLIS_KYVERNO);
}

export type KyvernoOptions = RenderToolOptions;

/** Bytes of report one `kyverno apply` may print (about 320 bytes a result). */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

/** The files of one run, by their name in the temporary folder. */
export type RunFiles = ReadonlyMap<string, string>;

export type RunOutcome = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** A run's outcome, with the policies Kyverno refused (left out of the report). */
export type ApplyOutcome =
  | { readonly ok: true; readonly skipped: readonly SkippedPolicy[] }
  | { readonly ok: false; readonly message: string };

/** A policy Kyverno refused to load, and its reason. */
export interface SkippedPolicy {
  readonly name: string;
  readonly reason: string;
}

/** The pinned Kyverno CLI and its lock. */
export class KyvernoCli {
  private readonly tool: SandboxedTool;

  constructor(options: KyvernoOptions = {}, env = process.env) {
    // The report is read as it arrives, never held whole: a larger cap than a render's.
    const limits = { maxOutputBytes: MAX_REPORT_BYTES, ...options };
    this.tool = new SandboxedTool("kyverno", ["version"], KYVERNO_INSTALL_HINT, limits, () =>
      findKyverno(env),
    );
  }

  get available(): boolean {
    return this.tool.binary !== undefined;
  }

  describe(): string {
    return this.tool.describe().replace(/Version: (\S+)[^,]*/, "$1");
  }

  /**
   * `kyverno <args>` in a temporary folder holding `files`; stdout goes to `onStdout` as it
   * arrives. Fails with Kyverno's own message (the temporary folder's name taken out).
   */
  async run(
    args: readonly string[],
    files: RunFiles,
    onStdout: (chunk: string) => void,
  ): Promise<RunOutcome> {
    if (!this.available)
      return { ok: false, message: `kyverno is not installed: ${KYVERNO_INSTALL_HINT}` };
    const decoder = new StringDecoder("utf8");
    const bytes = new Map([...files].map(([k, v]) => [k, Buffer.from(v, "utf8")]));
    return this.tool.inTemporaryCopy(bytes, async (repo, home) => {
      const result = await this.tool.run(
        args,
        repo,
        sandboxEnvironment(home),
        (stderr) => firstLines(withoutTempDir(stderr, repo)),
        (chunk) => onStdout(decoder.write(chunk)),
      );
      return result.ok ? { ok: true } : { ok: false, message: result.message };
    });
  }

  /**
   * `kyverno apply` of `policies` (and `exceptions`) on `resources`, each result handed to
   * `onResult`; fails when the run fails or its report is not whole.
   */
  async apply(
    files: { policies: string; exceptions: string; resources: string; values: string },
    onResult: (result: Record<string, unknown>) => void,
  ): Promise<ApplyOutcome> {
    let loaded = false;
    const stream = new ReportStream((result) => {
      if (isCanary(result)) loaded ||= result.policy === CANARY_NAME;
      else onResult(result);
    });
    const args = ["apply", "policies.yaml", "--resource", "resources.yaml"];
    const inputs = new Map([
      ["policies.yaml", `${files.policies}\n---\n${CANARY_POLICY}`],
      ["resources.yaml", `${files.resources}\n---\n${CANARY_RESOURCE}`],
      ["mutated/.keep", ""],
    ]);
    if (files.values !== "") {
      args.push("--values-file", "values.yaml");
      inputs.set("values.yaml", files.values);
    }
    if (files.exceptions !== "") {
      args.push("--exception", "exceptions.yaml");
      inputs.set("exceptions.yaml", files.exceptions);
    }
    // Mutated resources go to files (-o): stdout then holds nothing of the resources but the report.
    // A resource Kyverno cannot load fails the run (its default skips it: a silent pass).
    args.push(
      "--policy-report",
      "--output-format",
      "json",
      "--remove-color",
      "-o",
      "mutated/",
      "--continue-on-error=false",
    );
    let parseError: string | undefined;
    const ran = await this.run(args, inputs, (chunk) => {
      if (parseError !== undefined) return;
      try {
        stream.push(chunk);
      } catch (err) {
        parseError = `kyverno's report could not be read: ${String(err)}`;
      }
    });
    // `kyverno apply` exits 1 when a policy fails: that is a report, not a failed run.
    const cut = parseError ?? stream.end(ran.ok);
    const skipped = stream.skippedPolicies();
    if (cut === undefined && !loaded)
      return {
        ok: false,
        message:
          "Kyverno did not load the policies: it leaves out, in silence, a file holding a document it cannot read (an unknown field, a wrong type); `kyverno apply <policy file> --resource <file> -v 3` names it",
      };
    if (cut === undefined) return { ok: true, skipped };
    const refused = skipped.map((p) => `Kyverno refused the policy ${p.name}: ${p.reason}`);
    return {
      ok: false,
      message: refused.length > 0 ? refused.join("; ") : ran.ok ? cut : ran.message,
    };
  }
}

// Kyverno skips a policy file holding a document it cannot load (an unknown field, a wrong type)
// with a log line at -v 3 and exit 0: every policy of the run would pass in silence. A canary
// policy in the same file, failing a canary resource, proves the file was loaded.
const CANARY_NAME = "portcullis-canary";
const CANARY_KIND = "PortcullisCanary";
const CANARY_POLICY = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: ${CANARY_NAME}
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: loaded
      match:
        any:
          - resources:
              kinds: [portcullis.invalid/v1/${CANARY_KIND}]
      validate:
        message: loaded
        deny: {}
`;
const CANARY_RESOURCE = `apiVersion: portcullis.invalid/v1
kind: ${CANARY_KIND}
metadata:
  name: ${CANARY_NAME}
`;

/** A result of the canary policy, or of any policy on the canary resource (kinds: ["*"]). */
function isCanary(result: Record<string, unknown>): boolean {
  const res = Array.isArray(result.resources) ? (result.resources[0] as unknown) : undefined;
  const kind = typeof res === "object" && res !== null ? (res as { kind?: unknown }).kind : "";
  return result.policy === CANARY_NAME || kind === CANARY_KIND;
}

/** A panic's first line, not its goroutine dump: one-line messages at the boundary. */
function firstLines(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("Warning:"));
  const panic = lines.find((l) => l.startsWith("panic:"));
  return (panic ?? lines.slice(0, 3).join("; ")).slice(0, 500) || "kyverno failed";
}
