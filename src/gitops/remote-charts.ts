// Remote Helm charts a review may fetch: what a release names (a Helm repository's chart at an
// exact version, or an OCI artifact at an exact tag or digest), and whether the base
// configuration's allow-list lets it be fetched. Nothing here touches the network.

/** A remote chart, pinned: never a range, never "latest". */
export type RemoteChart =
  | {
      /** A chart in a Helm repository served over HTTP(S) (`index.yaml`). */
      readonly kind: "http";
      readonly repository: string;
      readonly chart: string;
      readonly version: string;
    }
  | {
      /** An OCI artifact: `oci://host/path/chart`, at a tag (a chart version) and/or a digest. */
      readonly kind: "oci";
      readonly url: string;
      readonly tag?: string;
      readonly digest?: string;
    };

/** The chart's full address, as allow-list entries and messages name it. */
export function chartAddress(chart: RemoteChart): string {
  if (chart.kind === "oci")
    return `${chart.url}${chart.digest ? `@${chart.digest}` : `:${chart.tag ?? ""}`}`;
  return `${chart.repository.replace(/\/+$/, "")}/${chart.chart}:${chart.version}`;
}

/** An exact chart version (SemVer 2, an optional leading v), not a range or a wildcard. */
export function isExactVersion(v: string | undefined): v is string {
  return (
    v !== undefined &&
    /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(v)
  );
}

export function isDigest(v: string | undefined): v is string {
  return v !== undefined && /^sha256:[0-9a-f]{64}$/.test(v);
}

function normalise(url: string): string {
  return url
    .trim()
    .replace(/\/+$/, "")
    .replace(/^([a-z]+:\/\/)/i, (m) => m.toLowerCase());
}

/** An OCI repository name as the distribution spec defines it (lower case, no dot segments). */
const OCI_NAME =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const CHART_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Path segments percent-decoded once, `.` and `..` resolved; undefined when that is ambiguous. */
function resolvedPath(path: string): string[] | undefined {
  const out: string[] = [];
  for (const raw of path.split("/")) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    // A segment that still holds an escape, a separator or a control character after one
    // decoding means different things to different readers: refused, never guessed.
    if (/[%/\\?#\s\u0000-\u001f\u007f]/.test(seg)) return undefined;
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out;
}

/**
 * The chart as the fetch reaches it: percent-escapes decoded, `.` and `..` resolved, the scheme
 * and host in lower case; or why its address is refused (what remains ambiguous). The allow-list
 * is matched against this address, never against the text the repository wrote.
 */
export function canonicalChart(chart: RemoteChart): RemoteChart | { refusal: string } {
  const refused = (what: string) => ({
    refusal: `its chart address ${what} is ambiguous (escapes, dot segments or characters a registry does not name charts with)`,
  });
  if (chart.kind === "oci") {
    const m = /^oci:\/\/([^/]+)\/(.*)$/i.exec(chart.url.trim());
    const path = m ? resolvedPath(m[2]!) : undefined;
    const name = path?.join("/");
    if (!m || !HOST.test(m[1]!) || name === undefined || !OCI_NAME.test(name))
      return refused(chart.url);
    return { ...chart, url: `oci://${m[1]!.toLowerCase()}/${name}` };
  }
  const m = /^(https?):\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(chart.repository.trim());
  const path = m ? resolvedPath(m[3] ?? "") : undefined;
  if (!m || !HOST.test(m[2]!) || path === undefined) return refused(chart.repository);
  if (!CHART_NAME.test(chart.chart)) return refused(`${chart.repository} (chart ${chart.chart})`);
  const repository = `${m[1]!.toLowerCase()}://${m[2]!.toLowerCase()}${path.map((s) => `/${encodeURIComponent(s)}`).join("")}`;
  return { ...chart, repository };
}

/**
 * Whether an allow-list entry (a registry or repository prefix: `oci://ghcr.io/acme/charts`,
 * `https://charts.example.com`) covers the chart, by its canonical address. A prefix matches at a
 * path boundary only, so `oci://ghcr.io/acme` never allows `oci://ghcr.io/acme-evil`.
 */
export function isAllowed(chart: RemoteChart, allow: readonly string[]): boolean {
  const c = canonicalChart(chart);
  if ("refusal" in c) return false;
  const where = c.kind === "oci" ? normalise(c.url) : `${normalise(c.repository)}/${c.chart}`;
  return allow.some((entry) => {
    const e = normalise(entry);
    return e !== "" && (where === e || where.startsWith(`${e}/`));
  });
}

/** Why a remote chart is not fetched (ambiguous, not pinned, not allowed), or undefined when it may be. */
export function remoteRefusal(chart: RemoteChart, allow: readonly string[]): string | undefined {
  const c = canonicalChart(chart);
  if ("refusal" in c) return c.refusal;
  if (c.kind === "http" && !isExactVersion(c.version))
    return `its chart ${c.chart} from ${c.repository} is not pinned to an exact version (${c.version || "none"})`;
  if (c.kind === "oci" && !isDigest(c.digest) && !isExactVersion(c.tag))
    return `its chart ${c.url} is not pinned to an exact version or digest`;
  if (!isAllowed(c, allow))
    return `its chart ${chartAddress(c)} is remote and not on the allow-list (allow its registry or repository with render.remoteCharts in the base configuration)`;
  return undefined;
}
