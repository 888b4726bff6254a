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

/**
 * Whether an allow-list entry (a registry or repository prefix: `oci://ghcr.io/acme/charts`,
 * `https://charts.example.com`) covers the chart. A prefix matches at a path boundary only, so
 * `oci://ghcr.io/acme` never allows `oci://ghcr.io/acme-evil`.
 */
export function isAllowed(chart: RemoteChart, allow: readonly string[]): boolean {
  const where =
    chart.kind === "oci" ? normalise(chart.url) : `${normalise(chart.repository)}/${chart.chart}`;
  return allow.some((entry) => {
    const e = normalise(entry);
    return e !== "" && (where === e || where.startsWith(`${e}/`));
  });
}

/** Why a remote chart is not fetched (not pinned, not allowed), or undefined when it may be. */
export function remoteRefusal(chart: RemoteChart, allow: readonly string[]): string | undefined {
  if (chart.kind === "http" && !isExactVersion(chart.version))
    return `its chart ${chart.chart} from ${chart.repository} is not pinned to an exact version (${chart.version || "none"})`;
  if (chart.kind === "oci" && !isDigest(chart.digest) && !isExactVersion(chart.tag))
    return `its chart ${chart.url} is not pinned to an exact version or digest`;
  if (!isAllowed(chart, allow))
    return `its chart ${chartAddress(chart)} is remote and not on the allow-list (allow its registry or repository with render.remoteCharts in the base configuration)`;
  return undefined;
}
