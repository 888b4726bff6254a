// The `portcullis` pre-commit hook with Node alone. `language: script`: pre-commit installs nothing
// and scripts/pre-commit-hook.mjs runs the npm package of the rev's version through npx, so a user
// gets the production dependencies only and needs no Go. The end-to-end part runs Debian's
// `pre-commit` (.ci/run installs it) on a sample repository whose .pre-commit-config.yaml points at
// a clone of this repository at HEAD, with npx's package redirected to `npm pack`'s tarball
// (PORTCULLIS_HOOK_PACKAGE); it needs the build (`npm run build`) and the npm registry for the
// package's dependencies, and says so when it is skipped.
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { HEAVY_DEV_ONLY } from "./dev-only.js";

const ROOT = packageRoot();
const HOOK_SCRIPT = join(ROOT, "scripts", "pre-commit-hook.mjs");
const VERSION = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }
).version;

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "pcs-pre-commit-"));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Where a program is on the test's own PATH, or undefined. */
function which(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const path = join(dir, program);
    if (dir && existsSync(path)) return realpathSync(path);
  }
  return undefined;
}

/** A folder of links to the given programs: the whole PATH of a run. */
function pathWith(name: string, programs: string[]): string {
  const dir = join(work, name);
  mkdirSync(dir);
  for (const program of programs) {
    const found = program === "node" ? process.execPath : which(program);
    if (!found) throw new Error(`${program} is not on PATH`);
    symlinkSync(found, join(dir, program));
  }
  return dir;
}

const hooks = () =>
  parseYaml(readFileSync(join(ROOT, ".pre-commit-hooks.yaml"), "utf8")) as {
    id: string;
    entry: string;
    language: string;
  }[];

describe("the pre-commit hook's definition and script", () => {
  it("is a script hook whose entry is this repository's executable script", () => {
    const hook = hooks().find((h) => h.id === "portcullis")!;
    expect(hook.language).toBe("script");
    expect(hook.entry).toBe("scripts/pre-commit-hook.mjs check");
    // pre-commit runs the file from its clone: git must record it as executable.
    const mode = execFileSync("git", ["ls-files", "-s", "scripts/pre-commit-hook.mjs"], {
      cwd: ROOT,
      encoding: "utf8",
    }).split(" ")[0];
    expect(mode).toBe("100755");
    expect(readFileSync(HOOK_SCRIPT, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  });

  it("runs the npm package of this version through npx with the arguments, and its exit code", () => {
    const bin = pathWith("fake-npx", ["node"]);
    writeFileSync(
      join(bin, "npx"),
      `#!${process.execPath}\n` +
        `require("fs").writeFileSync(${JSON.stringify(join(work, "npx-args.json"))}, JSON.stringify(process.argv.slice(2)));\n` +
        `process.exit(7);\n`,
    );
    chmodSync(join(bin, "npx"), 0o755);
    const r = spawnSync(process.execPath, [HOOK_SCRIPT, "check", "apps/a b.yaml"], {
      env: { PATH: bin, HOME: work },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(7);
    expect(JSON.parse(readFileSync(join(work, "npx-args.json"), "utf8"))).toEqual([
      "--yes",
      "--package",
      `portcullis@${VERSION}`,
      "--",
      "portcullis",
      "check",
      "apps/a b.yaml",
    ]);
  });

  it("says in one line that npx is missing, exit 2", () => {
    const r = spawnSync(process.execPath, [HOOK_SCRIPT, "check", "a.yaml"], {
      env: { PATH: pathWith("no-npx", ["node"]), HOME: work },
      encoding: "utf8",
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^portcullis pre-commit hook: cannot run npx \(.*\); .*npm\n$/);
  });
});

const PRIVILEGED = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.4.2
          securityContext:
            privileged: true
`;

const havePreCommit = which("pre-commit") !== undefined;
const built = existsSync(join(ROOT, "dist/policies/policy.wasm"));
if (!havePreCommit || !built)
  process.stderr.write(
    `pre-commit-hook: end-to-end run skipped: ${
      havePreCommit ? "the package is not built (npm run build)" : "no pre-commit on PATH"
    } (.ci/run installs Debian's pre-commit and builds)\n`,
  );
const withPreCommit = havePreCommit && built ? describe : describe.skip;

// The variables a proxy or a private CA needs to reach the npm registry, and nothing else.
const network = Object.fromEntries(
  Object.entries(process.env).filter(([k]) =>
    /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|https?_proxy|no_proxy)$/i.test(k),
  ),
) as Record<string, string>;

withPreCommit("`pre-commit run` with the portcullis hook on a machine with Node only", () => {
  let result: SpawnSyncReturns<string>;
  let path: string;
  let npmCache: string;
  let preCommitHome: string;

  beforeAll(() => {
    const e2e = join(work, "e2e");
    mkdirSync(e2e);
    execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", e2e], {
      cwd: ROOT,
    });
    const hookRepo = join(e2e, "portcullis");
    execFileSync("git", ["clone", "--quiet", ROOT, hookRepo]);
    const rev = execFileSync("git", ["rev-parse", "HEAD"], { cwd: hookRepo, encoding: "utf8" });

    const sample = join(e2e, "sample");
    mkdirSync(join(sample, "apps"), { recursive: true });
    writeFileSync(join(sample, "apps", "deployment.yaml"), PRIVILEGED);
    writeFileSync(join(sample, "README.md"), "# not a manifest\n");
    writeFileSync(
      join(sample, ".pre-commit-config.yaml"),
      `repos:\n  - repo: ${hookRepo}\n    rev: ${rev.trim()}\n    hooks:\n      - id: portcullis\n`,
    );
    execFileSync("git", ["init", "--quiet"], { cwd: sample });
    execFileSync("git", ["add", "."], { cwd: sample });

    // node, npm, npx, git and pre-commit; sh, basename, sed and uname for git's shell parts
    // (`git submodule`, which pre-commit runs on its clone). No Go, opa, kustomize, helm or tsc.
    path = pathWith("node-only", [
      "node",
      "npm",
      "npx",
      "git",
      "pre-commit",
      "sh",
      "basename",
      "sed",
      "uname",
    ]);
    npmCache = join(e2e, "npm-cache");
    preCommitHome = join(e2e, "pre-commit-home");
    result = spawnSync("pre-commit", ["run", "--all-files", "--color", "never"], {
      cwd: sample,
      encoding: "utf8",
      env: {
        ...network,
        PATH: path,
        HOME: join(e2e, "home"),
        PRE_COMMIT_HOME: preCommitHome,
        npm_config_cache: npmCache,
        PORTCULLIS_HOOK_PACKAGE: join(e2e, `portcullis-${VERSION}.tgz`),
      },
    });
  }, 300_000);

  it("has no Go, opa, kustomize, helm or tsc within reach", () => {
    for (const tool of ["go", "opa", "kustomize", "helm", "tsc"])
      expect(
        spawnSync(join(path, "sh"), ["-c", `command -v ${tool}`], { env: { PATH: path } }).status,
      ).not.toBe(0);
  });

  it("fails the commit with the privileged container's finding on its line", () => {
    expect(result.stdout).toMatch(/portcullis check\.+Failed/);
    expect(result.stdout).toMatch(/exit code: 1\b/);
    expect(result.stdout).toMatch(/apps\/deployment\.yaml/);
    expect(result.stdout).toMatch(/\n\s+18\s+error\s+PCK001\s+container "web" is privileged/);
    expect(result.stdout).not.toMatch(/README\.md/);
    expect(result.status).toBe(1);
  });

  it("installs the package with its production dependencies only, and nothing for pre-commit", () => {
    const npx = join(npmCache, "_npx");
    const trees = readdirSync(npx).map((d) => join(npx, d, "node_modules"));
    expect(trees).toHaveLength(1);
    const tree = trees[0]!;
    expect(existsSync(join(tree, "portcullis", "dist", "policies", "policy.wasm"))).toBe(true);
    expect(existsSync(join(tree, "@open-policy-agent", "opa-wasm"))).toBe(true);
    for (const name of HEAVY_DEV_ONLY) expect(existsSync(join(tree, name))).toBe(false);
    // pre-commit's clone of the hook repository: no environment, no node_modules, no build.
    const found = execFileSync("find", [preCommitHome, "-name", "node_modules"], {
      encoding: "utf8",
    });
    expect(found).toBe("");
  });
});
