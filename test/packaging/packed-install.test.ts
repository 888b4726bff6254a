// The npm package with Node alone: `npm pack`, installed as npm installs it for a user (the
// production dependencies of the lock file, no dev ones), run with a PATH that holds node and
// nothing else (no Go, opa, kustomize or helm). Also the command the pre-commit hook runs, on the
// same install (pre-commit-hook.test.ts runs the hook itself through pre-commit). Needs the build (`npm run build`): the package carries dist/ and the compiled policies.
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { HEAVY_DEV_ONLY } from "./dev-only.js";

const ROOT = packageRoot();

let work: string;
let installed: string;
let bin: string;
let nodeOnly: Record<string, string>;

function listTarball(tarball: string): string[] {
  return execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n").filter(Boolean);
}

beforeAll(() => {
  if (
    !existsSync(join(ROOT, "dist/policies/policy.wasm")) ||
    !existsSync(join(ROOT, "dist/cli/main.js"))
  )
    throw new Error("the package is not built: run `npm run build` first");
  work = mkdtempSync(join(tmpdir(), "pcs-packed-"));
  const name = execFileSync(
    "npm",
    ["pack", "--ignore-scripts", "--silent", "--pack-destination", work],
    {
      cwd: ROOT,
      encoding: "utf8",
    },
  )
    .trim()
    .split("\n")
    .pop()!;
  const tarball = join(work, name);
  // As `npm install <tarball>` lays it out: the package, and beside it the production tree.
  const modules = join(work, "project", "node_modules");
  installed = join(modules, "portcullis");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
  const prod = execFileSync("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter((p) => p.startsWith(join(ROOT, "node_modules")))
    .map((p) => relative(join(ROOT, "node_modules"), p))
    .filter((p) => !p.includes("node_modules")); // nested ones come with their parent
  for (const p of prod)
    cpSync(join(ROOT, "node_modules", p), join(modules, p), { recursive: true });
  // npx's shim: node_modules/.bin/portcullis.
  mkdirSync(join(modules, ".bin"));
  symlinkSync(join("..", "portcullis", "bin", "portcullis"), join(modules, ".bin", "portcullis"));
  bin = join(modules, ".bin", "portcullis");
  // A PATH with node alone.
  const onlyNode = join(work, "bin");
  mkdirSync(onlyNode);
  symlinkSync(process.execPath, join(onlyNode, "node"));
  nodeOnly = { PATH: onlyNode, HOME: work, PORTCULLIS_TODAY: "2026-06-01" };
  writeFileSync(join(work, "tarball.txt"), listTarball(tarball).join("\n"));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const run = (args: string[], cwd: string) =>
  spawnSync(process.execPath, [bin, ...args], {
    cwd,
    env: nodeOnly,
    encoding: "utf8",
  });

const SAMPLE = {
  "apps/web/deployment.yaml": readFileSync(
    join(ROOT, "examples/fleet/apps/legacy/payments.yaml"),
    "utf8",
  ),
  "apps/web/notes.md": "not a manifest\n",
};

function sampleRepository(): string {
  const dir = join(work, `sample-${Math.random().toString(36).slice(2)}`);
  for (const [path, text] of Object.entries(SAMPLE)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe("the packed npm package with Node alone", () => {
  it("has no Go, opa, kustomize or helm within reach", () => {
    for (const tool of ["go", "opa", "kustomize", "helm"])
      expect(spawnSync("/bin/sh", ["-c", `command -v ${tool}`], { env: nodeOnly }).status).not.toBe(
        0,
      );
  });

  it("carries the compiled policy bundle and the schemas, not the sources, tests or tools", () => {
    const files = readFileSync(join(work, "tarball.txt"), "utf8").split("\n");
    expect(files).toEqual(
      expect.arrayContaining([
        "package/dist/policies/policy.wasm",
        "package/dist/portcullis.cjs",
        "package/bin/package.json",
        "package/schemas/report.schema.json",
        "package/schemas/config.schema.json",
      ]),
    );
    expect(
      files.filter((f) => /^package\/(src|test|\.tools|tools|node_modules)\//.test(f)),
    ).toEqual([]);
    expect(files.filter((f) => /(^|\/)\.env$|\.pem$/.test(f))).toEqual([]);
  });

  it("installs none of the heavy development-only packages", () => {
    for (const name of HEAVY_DEV_ONLY) expect(existsSync(join(installed, "..", name))).toBe(false);
  });

  it("`npx portcullis check` finds the sample repository's problems on their lines", () => {
    const r = run(["check", ".", "--format", "json"], sampleRepository());
    // Node alone has no schema validator (a Go program): the run says so, once, and goes on.
    expect(r.stderr).toMatch(
      /^(portcullis: \.github\/portcullis\.yml: not evaluated: schema validation \(PCV001-PCV004, PCV006, PCV007\) did not run: kube-schema is not installed[^\n]*\n)?$/,
    );
    expect(r.status).toBe(1);
    const at = (
      JSON.parse(r.stdout) as {
        findings: { rule: string; file: string; lines: { start: number } }[];
      }
    ).findings.map((f) => `${f.file}:${f.lines.start}:${f.rule}`);
    expect(at).toEqual(
      expect.arrayContaining([
        "apps/web/deployment.yaml:24:PCK001",
        "apps/web/deployment.yaml:19:PCK004",
      ]),
    );
  });

  it("the pre-commit hook's command, given the files its pattern selects, finds them too", () => {
    const hooks = parseYaml(readFileSync(join(ROOT, ".pre-commit-hooks.yaml"), "utf8")) as {
      id: string;
      entry: string;
      files: string;
    }[];
    const hook = hooks.find((h) => h.id === "portcullis")!;
    // The entry's script runs `portcullis <the rest of the entry> <files>` from this package.
    const [script, ...args] = hook.entry.split(" ");
    expect(script).toBe("scripts/pre-commit-hook.mjs");
    const pattern = new RegExp(hook.files);
    const files = Object.keys(SAMPLE).filter((f) => pattern.test(f));
    expect(files).toEqual(["apps/web/deployment.yaml"]);
    const r = run([...args, ...files], sampleRepository());
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/PCK001\s+container "payments" is privileged/);
  });

  it("the image hook runs the image of this version", () => {
    const hooks = parseYaml(readFileSync(join(ROOT, ".pre-commit-hooks.yaml"), "utf8")) as {
      id: string;
      entry: string;
      language: string;
    }[];
    const version = (
      JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }
    ).version;
    const docker = hooks.find((h) => h.id === "portcullis-docker")!;
    expect(docker.language).toBe("docker_image");
    expect(docker.entry).toBe(
      `--entrypoint /app/bin/portcullis ghcr.io/portcullis-dev/portcullis:${version} check`,
    );
  });

  it("says in one line what a repository policy needs when opa is missing", () => {
    const dir = sampleRepository();
    mkdirSync(join(dir, "policy"));
    writeFileSync(
      join(dir, "policy", "main.rego"),
      'package main\n\ndeny contains msg if { false; msg := "x" }\n',
    );
    const r = run(["check", ".", "--policy", "policy", "--no-color"], dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(
      /repository policy could not be loaded: repository policies need the opa binary: .*PORTCULLIS_OPA/,
    );
  });
});
