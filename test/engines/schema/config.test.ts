// kubernetesVersion in .github/portcullis.yml: "1.37", v1.37 and 1.37.2 read as 1.37; a YAML
// number that may have lost a 0 (1.30 -> 1.3) and anything else are configuration errors.
import { normaliseKubernetesVersion, parseConfig } from "../../../src/config/config.js";

const context = { settingDefaults: {}, ruleIds: new Set<string>() };

describe("kubernetesVersion", () => {
  it.each([
    ['"1.37"', "1.37"],
    ["v1.35", "1.35"],
    ['"1.34.4"', "1.34"],
    ["1.36", "1.36"],
  ])("%s reads as %s", (text, version) => {
    const { config, errors } = parseConfig(`kubernetesVersion: ${text}\n`, context);
    expect(errors).toEqual([]);
    expect(config.kubernetesVersion).toBe(version);
  });

  it.each(["1.30", "latest", '"2.1"', "[1.37]"])("%s is an error with its line", (text) => {
    const { config, errors } = parseConfig(`failOn: error\nkubernetesVersion: ${text}\n`, context);
    expect(errors).toEqual([
      expect.objectContaining({
        path: "kubernetesVersion",
        line: 2,
        message: expect.stringMatching(/must be a Kubernetes minor version/),
      }),
    ]);
    expect(config.kubernetesVersion).toBeUndefined();
  });

  it("is absent by default (the newest shipped applies)", () => {
    expect(parseConfig("", context).config.kubernetesVersion).toBeUndefined();
    expect(normaliseKubernetesVersion(undefined)).toBeUndefined();
  });
});
