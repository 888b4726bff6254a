// `render.vendoredCharts`, `render.remoteCharts` and `render.plainHttpRegistries` as
// docs/configuration.md and docs/rendering.md write them: an entry that can never match (a
// vendored copy without its folder, a registry without its scheme) is a configuration error at its
// line, not an entry silently skipped while the release it was meant for stays unrendered.
import { parseConfig } from "../../src/config/config.js";

const context = { settingDefaults: {}, ruleIds: new Set<string>() };

const errorsOf = (yaml: string) =>
  parseConfig(yaml, context).errors.map((e) => `${e.path}: ${e.message}`);

describe("render's chart lists", () => {
  it("take the documented forms", () => {
    const { config, errors } = parseConfig(
      `render:
  vendoredCharts: [podinfo=vendor/podinfo, "oci://ghcr.io/stefanprodan/charts/podinfo=vendor/podinfo"]
  remoteCharts: [oci://ghcr.io/acme/charts, https://charts.example.com, http://charts.local/stable]
  plainHttpRegistries: ["registry.local:5000", "10.0.0.7:5000"]
`,
      context,
    );
    expect(errors).toEqual([]);
    expect(config.render.vendoredCharts).toHaveLength(2);
    expect(config.render.remoteCharts).toHaveLength(3);
    expect(config.render.plainHttpRegistries).toEqual(["registry.local:5000", "10.0.0.7:5000"]);
  });

  it("refuses a vendored copy that is not <chart>=<folder inside the repository>", () => {
    const errors = errorsOf(
      "render:\n  vendoredCharts: [grafana, =vendor/x, podinfo=, podinfo=../outside, podinfo=/abs]\n",
    );
    expect(errors).toHaveLength(5);
    expect(errors[0]).toBe(
      'render.vendoredCharts[0]: must be <chart>=<folder inside the repository>, found "grafana"',
    );
    expect(errors[3]).toMatch(/^render\.vendoredCharts\[3\]: .*"podinfo=\.\.\/outside"$/);
  });

  it("refuses a remote chart source without its scheme, and a plain-HTTP registry with one", () => {
    expect(errorsOf("render:\n  remoteCharts: [ghcr.io/acme/charts]\n")).toEqual([
      'render.remoteCharts[0]: must be an oci://, https:// or http:// address, found "ghcr.io/acme/charts"',
    ]);
    expect(errorsOf('render:\n  plainHttpRegistries: ["http://registry.local:5000"]\n')).toEqual([
      'render.plainHttpRegistries[0]: must be a registry as host:port, found "http://registry.local:5000"',
    ]);
  });

  it("leaves a refused entry out and keeps the rest in force", () => {
    const { config } = parseConfig(
      "render:\n  remoteCharts: [ghcr.io/x, oci://ghcr.io/y]\n",
      context,
    );
    expect(config.render.remoteCharts).toEqual(["oci://ghcr.io/y"]);
  });
});
