// The one-file CLI bundles (scripts/bundle.mjs, run by `npm run build`) against the compiled modules
// they are made from: bin/portcullis (check's bundle for `check`, the whole CLI's for the other
// commands, each with its code cache) gives the same output and exit code as the modules for
// check, review and rules; each recorded code cache is one V8 accepts; and bin/portcullis runs a
// bundle only while it is not older than the modules.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { gitRepo } from "../support/git-repo.js";

const ROOT = packageRoot();
const BUNDLE = join(ROOT, "dist", "portcullis.cjs");
const CHECK_BUNDLE = join(ROOT, "dist", "portcullis-check.cjs");
const BIN = join(ROOT, "bin", "portcullis");
const MODULES = join(ROOT, "dist", "cli", "main.js");
const built = existsSync(BUNDLE) && existsSync(CHECK_BUNDLE) && existsSync(MODULES);
if (!built) process.stderr.write(`bundle tests skipped: ${BUNDLE} is not built (npm run build)\n`);

const runner = join(mkdtempSync(join(tmpdir(), "portcullis-bundle-")), "run.mjs");
writeFileSync(runner, "const { main } = await import(process.env.ENTRY_URL); await main();\n");

/** The CLI through bin/portcullis (entry BIN) or straight from the compiled modules. */
function run(entry: string, args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [entry === BIN ? BIN : runner, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ENTRY_URL: `file://${entry}`, PORTCULLIS_TODAY: "2026-06-01" },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

(built ? describe : describe.skip)("the CLI bundle", () => {
  const fleet = join(ROOT, "examples", "fleet");

  it.each([
    ["check", ["check", ".", "--config", ".github/portcullis.yml", "--format", "json"]],
    ["check --format sarif", ["check", ".", "--format", "sarif"]],
    ["check --help", ["check", "--help"]],
    ["rules", ["rules"]],
    ["version", ["--version"]],
    ["an unknown command", ["frobnicate"]],
  ])("prints what the modules print: %s", (_name, args) => {
    const a = run(BIN, args, fleet);
    const b = run(MODULES, args, fleet);
    expect(a.stdout.length + a.stderr.length).toBeGreaterThan(0);
    expect([a.code, a.stdout, a.stderr]).toEqual([b.code, b.stdout, b.stderr]);
  });

  it("prints what the modules print for a review of a git change (kustomize rendering included)", () => {
    const repo = gitRepo();
    repo.write("apps/web/deploy.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n");
    repo.write("apps/web/kustomization.yaml", "resources:\n  - deploy.yaml\n");
    repo.commit("base");
    repo.write(
      "apps/web/deploy.yaml",
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:latest\n",
    );
    repo.commit("head");
    const args = ["review", ".", "--base", "HEAD~1", "--head", "HEAD", "--format", "json"];
    const a = run(BIN, args, repo.dir);
    const b = run(MODULES, args, repo.dir);
    expect(a.stdout).toContain("PCK");
    expect([a.code, a.stdout, a.stderr]).toEqual([b.code, b.stdout, b.stderr]);
  });

  it.each([
    ["the whole CLI's", BUNDLE],
    ["check's", CHECK_BUNDLE],
  ])("%s comes with a code cache this Node accepts", (_name, bundle) => {
    const probe = spawnSync(
      process.execPath,
      [
        "-e",
        `const fs = require("node:fs"), vm = require("node:vm");
const source = fs.readFileSync(process.argv[1], "utf8");
const script = new vm.Script("(function (exports, require, module, __filename, __dirname) {" + source + "\\n})",
  { filename: process.argv[1], cachedData: fs.readFileSync(process.argv[1] + ".cache") });
process.stdout.write(String(script.cachedDataRejected));`,
        bundle,
      ],
      { encoding: "utf8" },
    );
    expect(probe.stdout).toBe("false");
  });

  it("check's bundle holds check alone and refuses any other command in one line", () => {
    const r = spawnSync(
      process.execPath,
      ["-e", "require(process.argv[1]).main()", CHECK_BUNDLE, "rules"],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^portcullis: internal error: \.\/rules-command\.js is not in check's bundle/,
    );
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
  });

  it("is used by bin/portcullis only while it is not older than the compiled modules", () => {
    // bin/portcullis in a stand-in package whose two entries say which one ran.
    const pkg = mkdtempSync(join(tmpdir(), "portcullis-bin-"));
    mkdirSync(join(pkg, "bin"));
    mkdirSync(join(pkg, "dist", "cli"), { recursive: true });
    for (const f of ["portcullis", "package.json"])
      copyFileSync(join(ROOT, "bin", f), join(pkg, "bin", f));
    writeFileSync(
      join(pkg, "dist", "portcullis.cjs"),
      'exports.main = async () => { process.stdout.write("bundle"); };\n',
    );
    writeFileSync(
      join(pkg, "dist", "portcullis-check.cjs"),
      'exports.main = async () => { process.stdout.write("check bundle"); };\n',
    );
    writeFileSync(
      join(pkg, "dist", "cli", "main.js"),
      'export async function main() { process.stdout.write("modules"); }\n',
    );
    writeFileSync(join(pkg, "package.json"), '{ "type": "module" }\n');
    const ran = (...args: string[]) =>
      spawnSync(process.execPath, [join(pkg, "bin", "portcullis"), ...args], {
        encoding: "utf8",
        env: { ...process.env, PORTCULLIS_KUBE_SCHEMA: "" },
      }).stdout;
    const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);
    at(join(pkg, "dist", "cli", "main.js"), 1_000_000);
    at(join(pkg, "dist", "portcullis.cjs"), 1_000_100);
    at(join(pkg, "dist", "portcullis-check.cjs"), 1_000_100);
    expect([ran(), ran("rules"), ran("check")]).toEqual(["bundle", "bundle", "check bundle"]);
    at(join(pkg, "dist", "portcullis-check.cjs"), 999_000); // stale: check runs the whole bundle
    expect([ran("rules"), ran("check")]).toEqual(["bundle", "bundle"]);
    rmSync(join(pkg, "dist", "portcullis-check.cjs"));
    expect(ran("check")).toBe("bundle");
    at(join(pkg, "dist", "portcullis.cjs"), 999_000); // tsc ran after the bundle was made
    expect([ran(), ran("check")]).toEqual(["modules", "modules"]);
    rmSync(join(pkg, "dist", "portcullis.cjs"));
    expect(ran()).toBe("modules");
    // A bundle cut short (a build interrupted, a full disk) is not run: the next entry is.
    const fresh = (file: string, text: string) => {
      writeFileSync(join(pkg, "dist", file), text);
      at(join(pkg, "dist", file), 1_000_100);
    };
    fresh("portcullis.cjs", 'exports.main = async () => { process.stdout.write("bundle"); };\n');
    fresh("portcullis-check.cjs", "exports.main = async () => { process.stdout.wri");
    expect([ran("check"), ran("rules")]).toEqual(["bundle", "bundle"]);
    fresh("portcullis-check.cjs", "var cut = 1;\n"); // cut between two statements: no main
    expect(ran("check")).toBe("bundle");
    fresh("portcullis.cjs", "exports.main = async () => { process.stdout.wri");
    expect([ran("check"), ran("rules")]).toEqual(["modules", "modules"]);
  });
});
