// Reads `kyverno apply --policy-report --output-format json` as it arrives: each element of the
// report's `results` is handed over once it is complete, so memory holds one result at a time,
// not the whole report. What comes before the report (Kyverno's deprecation warnings, "Mutation has
// been applied successfully.": mutated resources go to files, never here) is skipped; anything after
// it is an error, but for more reports after a `---` line: Kyverno prints a ClusterReport for the
// cluster-wide policies and a PolicyReport per namespace for namespaced ones (`Policy`,
// `NamespacedValidatingPolicy`), each read the same way and each with a summary that must add up.

const REPORT_START = /\{"kind":"(?:Cluster|Policy)Report"/;
const MAX_PREAMBLE = 1 << 20;

export interface ReportSummary {
  readonly pass?: number;
  readonly fail?: number;
  readonly warn?: number;
  readonly error?: number;
  readonly skip?: number;
}

/** An incremental reader of one report; `end()` says whether a whole report was read. */
export class ReportStream {
  private started = false;
  private trailing = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The last string closed at depth 1 (a key of the report, or a string value). */
  private lastKey = "";
  private text = "";
  private arrayKey = "";
  private capture: string | undefined;
  private captureKey = "";
  private finished = false;
  private results = 0;
  private summary: ReportSummary | undefined;
  private preamble = "";
  /** What came after a report: whitespace and `---` lead to the next one. */
  private between = "";
  /** Why a report already read was not whole (its summary missing or miscounted). */
  private wrong: string | undefined;

  constructor(private readonly onResult: (result: Record<string, unknown>) => void) {}

  push(chunk: string): void {
    if (!this.started) {
      this.preamble += chunk;
      const at = this.preamble.search(REPORT_START);
      if (at < 0) {
        if (this.preamble.length > MAX_PREAMBLE) throw new Error("no report in the first MiB");
        return;
      }
      this.started = true;
      chunk = this.preamble.slice(at);
      this.preamble = this.preamble.slice(0, at);
    }
    for (const c of chunk) this.step(c);
  }

  private step(c: string): void {
    if (this.finished) {
      if (this.trailing) return;
      if (c === "{" && /^\s*---\s*$/.test(this.between)) {
        this.finished = false;
        this.between = "";
      } else {
        this.between += c;
        if (!/^\s*-{0,3}\s*$/.test(this.between)) this.trailing = true;
        return;
      }
    }
    if (this.capture !== undefined) this.capture += c;
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (c === "\\") this.escaped = true;
      else if (c === '"') {
        this.inString = false;
        if (this.depth === 1) this.lastKey = this.text;
      } else if (this.depth === 1) this.text += c;
      return;
    }
    if (c === '"') {
      this.inString = true;
      this.text = "";
    } else if (c === "{" || c === "[") this.open(c);
    else if (c === "}" || c === "]") this.close();
  }

  private open(c: string): void {
    if (this.depth === 1 && c === "[") this.arrayKey = this.lastKey;
    const inResults = this.depth === 2 && this.arrayKey === "results";
    const isSummary = this.depth === 1 && c === "{" && this.lastKey === "summary";
    if (c === "{" && (inResults || isSummary)) {
      this.capture = "{";
      this.captureKey = isSummary ? "summary" : "results";
    }
    this.depth++;
  }

  private close(): void {
    this.depth--;
    if (this.depth === 0) this.finishReport();
    if (this.capture === undefined || this.depth !== (this.captureKey === "summary" ? 1 : 2))
      return;
    const value = JSON.parse(this.capture) as Record<string, unknown>;
    this.capture = undefined;
    if (this.captureKey === "summary") this.summary = value as unknown as ReportSummary;
    else {
      this.results++;
      this.onResult(value);
    }
  }

  /** One report read whole: its summary must count the results it listed. */
  private finishReport(): void {
    this.finished = true;
    const s = this.summary;
    const total = [s?.pass, s?.fail, s?.warn, s?.error, s?.skip].reduce(
      (a: number, n) => a + (n ?? 0),
      0,
    );
    if (!s) this.wrong ??= "kyverno's report has no summary";
    else if (total !== this.results)
      this.wrong ??= `kyverno's report lists ${this.results} results but counts ${total}`;
    this.summary = undefined;
    this.results = 0;
  }

  /**
   * The policies Kyverno refused and left out ("Policies Skipped:" before the report): never to be
   * taken for policies that passed.
   */
  skippedPolicies(): { name: string; reason: string }[] {
    const section = /^Policies Skipped:\n([\s\S]*?)^-{10,}/m.exec(this.preamble);
    if (!section) return [];
    return [...section[1]!.matchAll(/^\d+\. ([^:\n]+): (.*)$/gm)].map((m) => ({
      name: m[1]!.trim(),
      reason: m[2]!.trim(),
    }));
  }

  /**
   * Why the output was not one whole report, or undefined. The summary's counts must add up to
   * the results read: a cut report is never taken for fewer failures. No report at all is zero
   * results only when kyverno exited 0 (`exitedCleanly`) without an error.
   */
  end(exitedCleanly = false): string | undefined {
    // `kyverno apply` prints no report at all when no rule matched anything (and exits 0).
    if (!this.started && exitedCleanly && !/^(Error|panic)/m.test(this.preamble)) return undefined;
    if (!this.started) {
      const said = this.preamble.trim().split("\n").slice(-1)[0] ?? "";
      return `kyverno printed no report${said ? `: ${said}` : ""}`;
    }
    if (this.trailing) return "kyverno printed more after its report";
    if (!this.finished || this.between.trim() !== "") return "kyverno's report was cut off";
    if (this.wrong) return this.wrong;
    return undefined;
  }
}
