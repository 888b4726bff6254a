import { resolveConfig, type ConfigLocation } from "../../src/config/extends.js";

const context = {
  settingDefaults: { requiredLabels: ["app.kubernetes.io/name"], allowedRegistries: [] },
  ruleIds: new Set(["PCK001", "PCK007", "PCK012"]),
};
const own = { owner: "acme", repo: "fleet" };

/** Other repositories' configs by "owner/repo:path"; records what was read. */
function store(files: Record<string, string>) {
  const reads: string[] = [];
  const read = async (l: ConfigLocation) => {
    const key = `${l.owner}/${l.repo}:${l.path}`;
    reads.push(key);
    return files[key];
  };
  return { read, reads };
}

describe("resolveConfig (_extends)", () => {
  it("merges the organisation defaults under the repository's own settings", async () => {
    const { read, reads } = store({
      "acme/.github:.github/portcullis.yml":
        "failOn: warning\nrules:\n  PCK012: off\n  PCK007: error\nsettings:\n  allowedRegistries: [ghcr.io/acme]\n",
    });
    const { config, errors } = await resolveConfig(
      "_extends: .github\nrules:\n  PCK007: warning\n",
      own,
      read,
      context,
    );
    expect(errors).toEqual([]);
    expect(reads).toEqual(["acme/.github:.github/portcullis.yml"]);
    expect(config.failOn).toBe("warning");
    expect(config.rules).toEqual({
      PCK012: { enabled: false },
      PCK007: { enabled: true, severity: "warning" },
    });
    expect(config.settings.allowedRegistries).toEqual(["ghcr.io/acme"]);
  });

  it("refuses another owner's repository", async () => {
    const { read, reads } = store({});
    const { config, errors } = await resolveConfig(
      "_extends: evil/.github\nfailOn: notice\n",
      own,
      read,
      context,
    );
    expect(errors).toEqual([
      { path: "_extends", message: "_extends may only name repositories of acme, not evil" },
    ]);
    expect(reads).toEqual([]);
    expect(config.failOn).toBe("notice");
  });

  it("refuses loops and chains deeper than three levels", async () => {
    const loop = store({
      "acme/a:.github/portcullis.yml": "_extends: b\n",
      "acme/b:.github/portcullis.yml": "_extends: a\n",
    });
    expect((await resolveConfig("_extends: a\n", own, loop.read, context)).errors).toEqual([
      { path: "_extends", message: "_extends loops back to acme/a:.github/portcullis.yml" },
    ]);
    const deep = store({
      "acme/a:.github/portcullis.yml": "_extends: b\n",
      "acme/b:.github/portcullis.yml": "_extends: c\n",
      "acme/c:.github/portcullis.yml": "_extends: d\n",
      "acme/d:.github/portcullis.yml": "failOn: notice\n",
    });
    expect((await resolveConfig("_extends: a\n", own, deep.read, context)).errors).toEqual([
      { path: "_extends", message: "_extends goes deeper than 3 levels" },
    ]);
  });

  it("names the file of an error in an extended config, and a missing one", async () => {
    const { read } = store({ "acme/policies:org.yml": "failOn: loud\n" });
    const bad = await resolveConfig("_extends: policies:org.yml\n", own, read, context);
    expect(bad.errors).toEqual([
      {
        path: "acme/policies:org.yml: failOn",
        message: 'must be one of error, warning, notice, never, found "loud"',
        line: 1,
      },
    ]);
    const missing = await resolveConfig("_extends: nowhere\n", own, read, context);
    expect(missing.errors).toEqual([
      {
        path: "_extends",
        message: "acme/nowhere:.github/portcullis.yml does not exist or cannot be read",
      },
    ]);
  });

  it("does not let __proto__ in an extended config pollute objects", async () => {
    const { read } = store({
      "acme/.github:.github/portcullis.yml":
        "__proto__:\n  polluted: true\nsettings:\n  __proto__: {polluted: true}\n",
    });
    await resolveConfig("_extends: .github\n", own, read, context);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
