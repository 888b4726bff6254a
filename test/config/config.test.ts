import { DEFAULT_EXCLUDE, defaultConfig, parseConfig } from "../../src/config/config.js";

const context = {
  settingDefaults: {
    requiredLabels: ["app.kubernetes.io/name"],
    allowedRegistries: [],
    internalLoadBalancerAnnotations: [{ key: "a" }],
    resourceDefaults: {},
  },
  ruleIds: new Set(["PCK001", "PCK007", "PCK012"]),
};

describe("parseConfig", () => {
  it("gives safe defaults for an empty file", () => {
    const { config, errors } = parseConfig("", context);
    expect(errors).toEqual([]);
    expect(config).toEqual(defaultConfig(context));
    expect(config.failOn).toBe("error");
  });

  it("reads rules on/off, severities, globs, settings and limits", () => {
    const { config, errors } = parseConfig(
      `failOn: warning
failOnExisting: true
include: ["clusters/**/*.yaml"]
exclude: ["clusters/legacy/**"]
rules:
  PCK012: off
  PCK007: error
  PCK001: { severity: warning }
settings:
  allowedRegistries: [ghcr.io/acme]
  internalLoadBalancerAnnotations: [{ key: corp.example/internal, value: "yes" }]
limits:
  maxFileBytes: 1000
`,
      context,
    );
    expect(errors).toEqual([]);
    expect(config.failOn).toBe("warning");
    expect(config.failOnExisting).toBe(true);
    expect(config.include).toEqual(["clusters/**/*.yaml"]);
    expect(config.exclude).toEqual([...DEFAULT_EXCLUDE, "clusters/legacy/**"]);
    expect(config.rules).toEqual({
      PCK012: { enabled: false },
      PCK007: { enabled: true, severity: "error" },
      PCK001: { enabled: true, severity: "warning" },
    });
    expect(config.settings.allowedRegistries).toEqual(["ghcr.io/acme"]);
    // The built-in internal annotations always count; configured ones are added.
    expect(config.settings.internalLoadBalancerAnnotations).toEqual([
      { key: "a" },
      { key: "corp.example/internal", value: "yes" },
    ]);
    expect(config.settings.requiredLabels).toEqual(["app.kubernetes.io/name"]);
    expect(config.limits.maxFileBytes).toBe(1000);
  });

  it("reports every error with its path and line, and keeps the defaults there", () => {
    const { config, errors } = parseConfig(
      `failOn: critical
rules:
  PCK0O1: off
  PCK007: loud
settings:
  requiredLabels: [app, 3]
  alowedRegistries: []
limits:
  maxFileBytes: -1
extra: true
`,
      context,
    );
    expect(errors).toEqual([
      { path: "extra", message: "unknown key", line: 10 },
      {
        path: "failOn",
        message: 'must be one of error, warning, notice, never, found "critical"',
        line: 1,
      },
      { path: "rules.PCK0O1", message: 'unknown rule (did you mean "PCK001"?)', line: 3 },
      {
        path: "rules.PCK007",
        message: 'must be off, on, a severity (error, warning, notice) or a mapping, found "loud"',
        line: 4,
      },
      {
        path: "settings.requiredLabels[1]",
        message: "must be a non-empty string, found number",
        line: 6,
      },
      {
        path: "settings.alowedRegistries",
        message: 'unknown setting (did you mean "allowedRegistries"?)',
        line: 7,
      },
      { path: "limits.maxFileBytes", message: "must be a positive integer, found -1", line: 9 },
    ]);
    expect(config.failOn).toBe("error");
    expect(config.settings.requiredLabels).toEqual(["app.kubernetes.io/name"]);
  });

  it("validates resourceDefaults and keeps valid ones for the PCK009/PCK010 fixes", () => {
    const ok = parseConfig(
      "settings:\n  resourceDefaults:\n    limits: {cpu: 500m, memory: 256Mi}\n",
      context,
    );
    expect(ok.errors).toEqual([]);
    expect(ok.config.settings.resourceDefaults).toEqual({
      limits: { cpu: "500m", memory: "256Mi" },
    });
    const bad = parseConfig(
      "settings:\n  resourceDefaults:\n    limits: {cpu: lots, gpu: '1'}\n    extra: {}\n",
      context,
    );
    expect(bad.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'settings.resourceDefaults.limits.cpu: must be a quantity such as "500m" or "256Mi", found "lots"',
      "settings.resourceDefaults.limits.gpu: unknown resource (known: cpu, memory)",
      "settings.resourceDefaults.extra: unknown key (known: limits, requests)",
    ]);
  });

  it("reports YAML syntax errors with their line", () => {
    const { errors } = parseConfig("rules:\n  PCK001: [off\n", context);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/^YAML syntax error/);
  });

  it("rejects a config that is not a mapping", () => {
    expect(parseConfig("- a\n- b\n", context).errors).toEqual([
      { path: "", message: "config must be a mapping, found list", line: 1 },
    ]);
  });

  it("does not let __proto__ keys pollute objects", () => {
    const { errors } = parseConfig("settings:\n  __proto__: { polluted: true }\n", context);
    expect(errors.map((e) => e.path)).toEqual(["settings.__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("reads the repository-policies section, keeping valid entries and reporting the rest", () => {
    expect(parseConfig("", context).config.policies).toEqual({
      enabled: true,
      paths: ["policy"],
      namespaces: ["main"],
      allNamespaces: false,
      regoVersion: "auto",
      data: [],
      teams: [],
      admission: [],
      gatekeeper: [],
    });
    const { config, errors } = parseConfig(
      `policies:
  paths: [policies/conftest, ../outside]
  namespaces: [main, k8s]
  data: [policies/data.yaml]
  teams: ["@acme/security", not-a-team]
  alNamespaces: true
`,
      context,
    );
    expect(config.policies).toMatchObject({
      paths: ["policies/conftest"],
      namespaces: ["main", "k8s"],
      data: ["policies/data.yaml"],
      teams: ["@acme/security"],
      allNamespaces: false,
    });
    expect(errors.map((e) => [e.path, e.line])).toEqual([
      ["policies.alNamespaces", 6],
      ["policies.paths[1]", 2],
      ["policies.teams[1]", 5],
    ]);
    expect(errors[0]!.message).toContain('did you mean "allNamespaces"');
  });

  it("reads policies.admission and its older name policies.gatekeeper into one list of admission policy paths", () => {
    const { config, errors } = parseConfig(
      "policies:\n  admission: [platform/gatekeeper, ../x]\n  gatekeeper: [platform/gatekeeper, legacy/gk]\n",
      context,
    );
    expect(config.policies.admission).toEqual(["platform/gatekeeper"]);
    expect(config.policies.gatekeeper).toEqual(["platform/gatekeeper", "legacy/gk"]);
    expect(errors.map((e) => e.path)).toEqual(["policies.admission[1]"]);
  });

  it("reads the policies' Rego version (conftest's --rego-version), auto unless v0 or v1", () => {
    expect(parseConfig("policies:\n  regoVersion: v0\n", context).config.policies.regoVersion).toBe(
      "v0",
    );
    for (const [text, message] of [
      ["policies:\n  regoVersion: v2\n", 'must be auto, v0 or v1, found "v2"'],
      ["policies:\n  regoVersion: [v1]\n", "must be a string, found list"],
    ] as const) {
      const { config, errors } = parseConfig(text, context);
      expect(config.policies.regoVersion).toBe("auto");
      expect(errors.map((e) => [e.path, e.message])).toEqual([["policies.regoVersion", message]]);
    }
  });

  it("refuses a configuration over 256 KiB with an error and the defaults, without parsing it", () => {
    const huge = `rules:\n${Array.from({ length: 30_000 }, (_, i) => `  X${i}: off`).join("\n")}\n`;
    const { config, errors } = parseConfig(huge, context);
    expect(errors).toEqual([
      { path: "", message: "config is larger than 262144 bytes; it was not read", line: 1 },
    ]);
    expect(config.rules).toEqual({});
  });
});
