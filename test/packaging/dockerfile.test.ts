// The Dockerfile without a Docker engine (none runs here): its rules checked as text, its build
// context computed as Docker computes it (.dockerignore), and its build stage's steps run as they
// would run in the image: the files its COPY lines bring, the tools stage's binaries on PATH (the
// pinned ones of .tools/bin stand in for them), and `npm run build`, which must succeed with
// nothing else.
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import picomatch from "picomatch";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";

const ROOT = packageRoot();
const DOCKERFILE = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const lines = DOCKERFILE.replace(/\\\n\s*/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));

interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly steps: string[];
}

function stages(): Stage[] {
  const args = new Map<string, string>();
  const out: Stage[] = [];
  for (const l of lines) {
    const arg = /^ARG (\w+)=(\S+)$/.exec(l);
    if (arg && out.length === 0) args.set(arg[1]!, arg[2]!);
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(l);
    if (from) {
      const image = from[1]!.replace(/^\$\{(\w+)\}$/, (_m, name: string) => args.get(name) ?? "");
      out.push({ from: image, name: from[2], steps: [] });
    } else if (out.length > 0) out[out.length - 1]!.steps.push(l);
  }
  return out;
}

/** The files Docker sends as the build context: the repository's files minus .dockerignore's. */
function buildContext(): string[] {
  const patterns = readFileSync(join(ROOT, ".dockerignore"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  // Docker matches each pattern against the path and its parent folders.
  const ignored = picomatch(patterns, { dot: true });
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
  return files.filter((f) => {
    const parts = f.split("/");
    return !parts.some((_, i) => ignored(parts.slice(0, i + 1).join("/")));
  });
}

/** The Go tools the image carries, built in its tools stage. */
const IMAGE_TOOLS = ["opa", "kustomize", "helm", "yaml-oracle", "kube-schema", "cel"];

describe("the Dockerfile", () => {
  it("pins every base image by digest", () => {
    const all = stages();
    expect(all).toHaveLength(3);
    for (const s of all) expect(s.from).toMatch(/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
  });

  it("runs as a user that is not root, with the tools and the CLI in the image", () => {
    const final = stages().at(-1)!;
    const user = final.steps.filter((s) => s.startsWith("USER ")).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)(:|$)/);
    expect(final.steps).toContain(
      "COPY --from=tools /out/opa /out/kustomize /out/helm /out/yaml-oracle /out/kyverno /out/kube-schema /out/cel /usr/local/bin/",
    );
    expect(final.steps).toContain("COPY --from=build /app/bin ./bin");
  });

  // The build stage runs as root and the image as `node`: a file the build leaves unreadable to
  // others (tar as root keeps an archive's 0600, as OPA's bundle has) cannot be read by the app.
  it("leaves every built file readable by the image's user, who is not the builder", () => {
    const dist = join(ROOT, "dist");
    if (!existsSync(join(dist, "policies", "policy.wasm")))
      throw new Error("dist is not built: run `npm run build` first");
    const unreadable = readdirSync(dist, { recursive: true, encoding: "utf8" }).filter((f) => {
      const s = statSync(join(dist, f));
      return s.isFile() && (s.mode & 0o444) !== 0o444;
    });
    expect(unreadable).toEqual([]);
  });

  it("builds the tools as scripts/tools.mjs builds them (same packages, same version stamps)", () => {
    const tools = readFileSync(join(ROOT, "scripts/tools.mjs"), "utf8");
    for (const stamp of [
      "sigs.k8s.io/kustomize/api/provenance.version",
      "internal/version.version",
    ]) {
      expect(tools).toContain(stamp);
      expect(DOCKERFILE).toContain(stamp);
    }
    for (const mod of [
      "tools/go.mod",
      "tools/kustomize/go.mod",
      "tools/helm/go.mod",
      "tools/yaml-oracle/go.mod",
      "tools/cel/go.mod",
    ])
      expect(existsSync(join(ROOT, mod))).toBe(true);
  });

  it("keeps secrets out of the build context and finds every file it copies there", () => {
    const context = buildContext();
    expect(context.filter((f) => /(^|\/)\.env(\.|$)|\.pem$/.test(f))).toEqual([]);
    const build = stages()[1]!;
    for (const step of build.steps.filter((s) => s.startsWith("COPY ") && !s.includes("--from"))) {
      const sources = step.split(/\s+/).slice(1, -1);
      for (const src of sources)
        expect(context.some((f) => f === src || f.startsWith(`${src}/`))).toBe(true);
    }
  });

  it("its build stage builds with only the files it copies and the tools stage's binaries", () => {
    const tools = join(ROOT, ".tools", "bin");
    if (!IMAGE_TOOLS.every((t) => existsSync(join(tools, t))))
      throw new Error("the pinned tools are not built: run `npm run build` first");
    const app = mkdtempSync(join(tmpdir(), "pcs-image-build-"));
    try {
      const context = new Set(buildContext());
      for (const step of stages()[1]!.steps.filter(
        (s) => s.startsWith("COPY ") && !s.includes("--from"),
      )) {
        const [, ...rest] = step.split(/\s+/);
        const target = rest.pop()!;
        for (const src of rest) {
          const to = target === "./" ? join(app, src) : join(app, target);
          for (const f of context) {
            if (f !== src && !f.startsWith(`${src}/`)) continue;
            mkdirSync(join(to, f.slice(src.length), ".."), { recursive: true });
            cpSync(join(ROOT, f), join(to, f.slice(src.length)));
          }
        }
      }
      // `npm ci` stands in as the packages already installed; the tools stage as their binaries.
      symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"));
      const bin = join(app, ".image-bin");
      mkdirSync(bin);
      for (const t of IMAGE_TOOLS) symlinkSync(join(tools, t), join(bin, t));
      const path = [bin, join(process.execPath, ".."), "/usr/bin", "/bin"].join(":");
      const r = spawnSync("npm", ["run", "build"], {
        cwd: app,
        env: { PATH: path, HOME: app },
        encoding: "utf8",
      });
      expect(r.stderr).not.toMatch(/building .* from the Go module proxy/);
      expect(r.status).toBe(0);
      for (const f of ["dist/index.js", "dist/portcullis.cjs", "dist/policies/policy.wasm"])
        expect(existsSync(join(app, f))).toBe(true);
      const check = spawnSync(
        process.execPath,
        [
          join(app, "bin/portcullis"),
          "check",
          join(ROOT, "examples/fleet/apps/legacy"),
          "--fail-on",
          "never",
        ],
        { encoding: "utf8" },
      );
      expect(check.status).toBe(0);
      expect(check.stdout).toMatch(/PCK001/);
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  }, 300_000);
});
