// PCV005 in a review also sees the head's unchanged files of the changed files' folders: which
// files are read, and that past INVENTORY_MAX_FILES the folder is named as not compared.
import { defaultConfig, type Config } from "../../src/config/config.js";
import { INVENTORY_MAX_FILES, MAX_FILE_BYTES } from "../../src/core/limits.js";
import type { Engine } from "../../src/engines/engine.js";
import type { PullRequestSource } from "../../src/ports/pull-request-source.js";
import { appliedAlongside, givePass } from "../../src/review/applied-alongside.js";

const config: Config = defaultConfig({ settingDefaults: {}, ruleIds: new Set(["PCV005"]) });
const configMap = (name: string) =>
  new TextEncoder().encode(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`);

function sourceOf(paths: readonly string[]) {
  const read: string[] = [];
  const source = {
    base: "b",
    head: "h",
    listPaths: () => Promise.resolve(paths),
    readFiles: (asked: readonly { path: string }[]) => {
      read.push(...asked.map((a) => a.path));
      return Promise.resolve(asked.map((a) => configMap(a.path.replace(/\W/g, "-"))));
    },
  } as unknown as PullRequestSource;
  return { source, read };
}

const comparing: Engine = {
  id: "schema",
  evaluate: () => Promise.resolve([]),
  alsoApplied: () => {},
};
const change = (keep: (p: string) => boolean = () => true) => ({
  changed: [
    { path: "apps/new.yaml", status: "added" as const },
    { path: "apps/moved.yaml", previousPath: "apps/old.yaml", status: "renamed" as const },
  ],
  evaluated: ["apps/new.yaml", "apps/moved.yaml"],
  keep,
});

describe("the unchanged files a review's PCV005 compares with", () => {
  it("reads the YAML and JSON files of the changed files' folders the change leaves alone, in scope", async () => {
    const { source, read } = sourceOf([
      "apps/new.yaml",
      "apps/moved.yaml",
      "apps/old.yaml",
      "apps/same.yaml",
      "apps/same.json",
      "apps/kustomization.yaml",
      "apps/README.md",
      "apps/skipped.yaml",
      "apps/sub/deeper.yaml",
      "other/elsewhere.yaml",
    ]);
    const applied = await appliedAlongside(
      source,
      [comparing],
      config,
      change((p) => p !== "apps/skipped.yaml"),
    );
    expect(read).toEqual(["apps/same.yaml", "apps/same.json"]);
    expect(applied.objects.map((o) => [o.path, o.line()])).toEqual([
      ["apps/same.yaml", 4],
      ["apps/same.json", 4],
    ]);
    expect(applied.skipped).toEqual([]);
  });

  it(`reads at most ${INVENTORY_MAX_FILES} and names the folder whose other files it did not compare`, async () => {
    const many = Array.from({ length: INVENTORY_MAX_FILES + 2 }, (_, i) => `apps/f${i}.yaml`);
    const { source, read } = sourceOf(many);
    const applied = await appliedAlongside(source, [comparing], config, change());
    expect(read).toHaveLength(INVENTORY_MAX_FILES);
    expect(applied.objects).toHaveLength(INVENTORY_MAX_FILES);
    expect(applied.skipped).toEqual([
      {
        file: "apps",
        reason: expect.stringMatching(
          /^PCV005 did not compare .* 2 unchanged files of this folder/,
        ),
      },
    ]);
  });

  it("reads nothing when PCV005 is off or no engine compares", async () => {
    const { source, read } = sourceOf(["apps/same.yaml"]);
    const off = { ...config, rules: { PCV005: { enabled: false } } } as Config;
    const plain: Engine = { id: "x", evaluate: () => Promise.resolve([]) };
    expect((await appliedAlongside(source, [comparing], off, change())).objects).toEqual([]);
    expect((await appliedAlongside(source, [plain], config, change())).objects).toEqual([]);
    expect(read).toEqual([]);
  });

  it("gives each pass the objects, the base's after the head's are forgotten", async () => {
    const calls: string[] = [];
    const engine: Engine = {
      id: "schema",
      evaluate: () => Promise.resolve([]),
      newPass: () => calls.push("newPass"),
      alsoApplied: (o) => calls.push(`applied ${o.length}`),
    };
    const { source } = sourceOf(["apps/same.yaml"]);
    const applied = await appliedAlongside(source, [engine], config, change());
    givePass([engine], applied, { newPass: false });
    givePass([engine], applied, { newPass: true });
    expect(calls).toEqual(["applied 1", "newPass", "applied 1"]);
  });

  it("takes a list's items as kubectl applies them, item by item", async () => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: in-list
`;
    const source = {
      base: "b",
      head: "h",
      listPaths: () => Promise.resolve(["apps/new.yaml", "apps/list.yaml"]),
      readFiles: (asked: readonly { path: string }[]) =>
        Promise.resolve(asked.map(() => new TextEncoder().encode(list))),
    } as unknown as PullRequestSource;
    const applied = await appliedAlongside(source, [comparing], config, change());
    expect(
      applied.objects.map((o) => [
        o.path,
        (o.document as { kind: string; metadata?: { name: string } }).metadata?.name,
        o.line(),
      ]),
    ).toEqual([
      ["apps/list.yaml", undefined, 1],
      ["apps/list.yaml", "in-list", 7],
    ]);
  });

  it("names an unchanged file it could read only in part (too large, broken) as maybe not compared", async () => {
    const text: Record<string, string> = {
      "apps/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n  bad: [\n",
      "apps/huge.yaml": `# ${"x".repeat(MAX_FILE_BYTES)}\n`,
      "apps/fine.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\n",
    };
    const source = {
      base: "b",
      head: "h",
      listPaths: () => Promise.resolve(["apps/new.yaml", ...Object.keys(text)]),
      readFiles: (asked: readonly { path: string }[]) =>
        Promise.resolve(asked.map((a) => new TextEncoder().encode(text[a.path]))),
    } as unknown as PullRequestSource;
    const applied = await appliedAlongside(source, [comparing], config, change());
    expect(applied.skipped.map((s) => s.file)).toEqual(["apps/broken.yaml", "apps/huge.yaml"]);
    expect(applied.skipped[1]!.reason).toMatch(/^PCV005 may not have compared .*byte limit/);
    expect(applied.objects.map((o) => o.path)).toEqual(["apps/fine.yaml"]);
  });

  it("reads a link inside the repository as its target, and not one that leaves it", async () => {
    const text: Record<string, string> = {
      "apps/link.yaml": "../base/cm.yaml",
      "apps/out.yaml": "../../etc/passwd",
    };
    const source = {
      base: "b",
      head: "h",
      listPaths: () => Promise.resolve(["apps/new.yaml", "apps/link.yaml", "apps/out.yaml"]),
      readFiles: (asked: readonly { path: string }[]) =>
        Promise.resolve(asked.map((a) => new TextEncoder().encode(text[a.path]))),
      readFile: (_: string, path: string) =>
        Promise.resolve(path === "base/cm.yaml" ? configMap("shared") : undefined),
      symbolicLinks: () => Promise.resolve(new Set(["apps/link.yaml", "apps/out.yaml"])),
    } as unknown as PullRequestSource;
    const applied = await appliedAlongside(source, [comparing], config, change());
    expect(
      applied.objects.map((o) => [
        o.path,
        (o.document as { metadata: { name: string } }).metadata.name,
      ]),
    ).toEqual([["apps/link.yaml", "shared"]]);
  });
});
