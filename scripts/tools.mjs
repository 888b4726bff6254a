#!/usr/bin/env node
// Finds or builds the pinned Go tools (opa; kustomize for rendering overlays; conftest for the
// conformance test and the benchmark; helm) and runs the Rego checks (fmt, check --strict, test).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TOOLS_DIR = join(ROOT, "tools");
const BIN_DIR = join(ROOT, ".tools", "bin");
const OPA_MODULE = "github.com/open-policy-agent/opa";
const REGO_IGNORES = ["--ignore", "*.yaml", "--ignore", "*.yml", "--ignore", "*.md"];

/**
 * The pinned Go tools. conftest has a module of its own (tools/conftest/go.mod) so that its
 * dependencies can never move the OPA that builds the policies (tools/go.mod).
 */
const OPA = {
  name: "opa",
  module: OPA_MODULE,
  dir: TOOLS_DIR,
  versionArgs: ["version"],
  versionPattern: /^Version:\s*(\S+)/m,
  minGo: "1.26",
  ldflags: () => "-s -w",
};
const CONFTEST_MODULE = "github.com/open-policy-agent/conftest";
const CONFTEST = {
  name: "conftest",
  module: CONFTEST_MODULE,
  dir: join(TOOLS_DIR, "conftest"),
  versionArgs: ["--version"],
  versionPattern: /^Conftest:\s*(\S+)/m,
  minGo: "1.26.8",
  // What conftest's own release build sets, so `conftest --version` names the pinned version.
  ldflags: (version) => `-s -w -X ${CONFTEST_MODULE}/internal/version.Version=${version}`,
};

const KUSTOMIZE_MODULE = "sigs.k8s.io/kustomize/kustomize/v5";
/** kustomize renders overlays before review; its own module so that it cannot move the pinned OPA. */
const KUSTOMIZE = {
  name: "kustomize",
  module: KUSTOMIZE_MODULE,
  dir: join(TOOLS_DIR, "kustomize"),
  versionArgs: ["version"],
  versionPattern: /^(v\S+)/m,
  minGo: "1.26",
  // What kustomize's release build sets, so `kustomize version` names the pinned version.
  ldflags: (version) => `-s -w -X sigs.k8s.io/kustomize/api/provenance.version=v${version}`,
};
const HELM_MODULE = "helm.sh/helm/v3";
/** helm renders the repository's charts before review; pinned the same way (tools/helm/go.mod). */
const HELM = {
  name: "helm",
  module: HELM_MODULE,
  package: `${HELM_MODULE}/cmd/helm`,
  dir: join(TOOLS_DIR, "helm"),
  versionArgs: ["version", "--template", "{{.Version}}"],
  versionPattern: /^(v\S+)/m,
  minGo: "1.26",
  ldflags: (version) => `-s -w -X ${HELM_MODULE}/internal/version.version=v${version}`,
};

/**
 * The YAML oracle (tools/yaml-oracle): kubectl's/Argo CD's and kustomize's/Flux's own YAML readers,
 * which decide every file the fast line reader cannot vouch for (docs/parsing.md). Rebuilt when
 * its source is newer than the binary.
 */
const YAML_ORACLE = {
  name: "yaml-oracle",
  module: "k8s.io/apimachinery",
  package: ".",
  dir: join(TOOLS_DIR, "yaml-oracle"),
  sources: ["main.go", "go.mod", "go.sum"],
  versionArgs: ["--version"],
  versionPattern: /apimachinery v(\S+)/,
  minGo: "1.26",
  ldflags: () => "-s -w",
};

const KYVERNO_MODULE = "github.com/kyverno/kyverno";
/**
 * Kyverno's own CLI (tools/kyverno/go.mod: Kyverno's replace directive carried over), run by the
 * kyverno engine on repositories with Kyverno policies. About 13.5 minutes on 2 cores with empty Go
 * caches, so `npm run build` never builds it: `npm run build:kyverno`, CI and the Docker image do.
 */
const KYVERNO = {
  name: "kyverno",
  module: KYVERNO_MODULE,
  package: `${KYVERNO_MODULE}/cmd/cli/kubectl-kyverno`,
  dir: join(TOOLS_DIR, "kyverno"),
  versionArgs: ["version"],
  versionPattern: /^Version:\s*(\S+)/m,
  minGo: "1.26.6",
  ldflags: () => "-s -w",
};

/**
 * The Kubernetes CEL engine (tools/cel): k8s.io/apiserver's own ValidatingAdmissionPolicy compiler,
 * matcher and validator, for ValidatingAdmissionPolicies and Gatekeeper's K8sNativeValidation code
 * (docs/admission.md). Rebuilt when its source is newer than the binary.
 */
const CEL = {
  name: "cel",
  module: "k8s.io/apiserver",
  package: ".",
  dir: join(TOOLS_DIR, "cel"),
  sources: [
    "main.go",
    "compile.go",
    "defaults.go",
    "gatekeeper.go",
    "kinds.go",
    "vap.go",
    "vap_eval.go",
    "go.mod",
    "go.sum",
  ],
  versionArgs: ["--version"],
  versionPattern: /apiserver v(\S+)/,
  minGo: "1.26",
  ldflags: () => "-s -w",
};

const KUBECONFORM_MODULE = "github.com/yannh/kubeconform";
/**
 * kubeconform, the peer of the schema validation's benchmark (scripts/bench-schema.mjs), given
 * schemas generated offline (scripts/kubeconform-schemas.mjs); never part of a check.
 */
const KUBECONFORM = {
  name: "kubeconform",
  module: KUBECONFORM_MODULE,
  package: `${KUBECONFORM_MODULE}/cmd/kubeconform`,
  dir: join(TOOLS_DIR, "kubeconform"),
  versionArgs: ["-v"],
  versionPattern: /^(v\S+)/m,
  minGo: "1.26",
  // What kubeconform's release build sets, so `kubeconform -v` names the pinned version.
  ldflags: (version) => `-s -w -X main.version=v${version}`,
};

/** The version of `module` pinned in a tools go.mod (default: OPA in tools/go.mod). */
export function pinnedVersion(module = OPA_MODULE, dir = TOOLS_DIR) {
  const gomod = readFileSync(join(dir, "go.mod"), "utf8");
  const line = gomod.split("\n").find((l) => l.trim().startsWith(`${module} `));
  if (!line) throw new Error(`${relative(ROOT, dir)}/go.mod does not pin ${module}`);
  return line.trim().split(/\s+/)[1].replace(/^v/, "");
}

function versionOf(tool, binary) {
  const r = spawnSync(binary, tool.versionArgs, { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  return tool.versionPattern.exec(r.stdout)?.[1]?.replace(/^v/, "");
}

function onPath(name) {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The tool at its pinned version already here: ours in .tools/bin, then PATH. */
function findTool(tool) {
  const want = pinnedVersion(tool.module, tool.dir);
  const local = join(BIN_DIR, tool.name);
  if (existsSync(local) && versionOf(tool, local) === want && !staleBuild(tool, local))
    return local;
  const fromPath = onPath(tool.name);
  if (fromPath && versionOf(tool, fromPath) === want) return fromPath;
  return undefined;
}

/** A tool built from source in this repository whose source changed after the build. */
function staleBuild(tool, binary) {
  if (!tool.sources) return false;
  const built = statSync(binary).mtimeMs;
  return tool.sources.some((f) => statSync(join(tool.dir, f)).mtimeMs > built);
}

/** The tool at its pinned version: found, else built with Go from the module proxy into .tools/bin. */
function ensureTool(tool, { quiet = false } = {}) {
  const found = findTool(tool);
  if (found) return found;
  const want = pinnedVersion(tool.module, tool.dir);
  const gomod = `${relative(ROOT, tool.dir)}/go.mod`;
  const go = onPath("go");
  if (!go) {
    throw new Error(
      `portcullis needs ${tool.name} ${want}: install Go >= ${tool.minGo} (to build it from the module proxy) or put ${tool.name} ${want} on PATH`,
    );
  }
  if (!quiet)
    process.stderr.write(`building ${tool.name} ${want} from the Go module proxy (${gomod})...\n`);
  mkdirSync(BIN_DIR, { recursive: true });
  const local = join(BIN_DIR, tool.name);
  execFileSync(
    go,
    [
      "build",
      "-trimpath",
      `-ldflags=${tool.ldflags(want)}`,
      "-o",
      local,
      tool.package ?? tool.module,
    ],
    {
      cwd: tool.dir,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
    },
  );
  return local;
}

/** Returns the path of an `opa` at the pinned version: ours, then PATH, else built with Go. */
export function ensureOpa(options = {}) {
  return ensureTool(OPA, options);
}

/**
 * Returns the path of a `conftest` at the version pinned in tools/conftest/go.mod: ours, then
 * PATH, else built with Go (about 2 minutes on 2 cores with an empty Go cache). Only the
 * conformance test and the benchmark use it; `npm ci` and `npm run build` never build it.
 */
export function ensureConftest(options = {}) {
  return ensureTool(CONFTEST, options);
}

/**
 * Returns the path of a `kustomize` at the version pinned in tools/kustomize/go.mod (about 1 minute
 * on 2 cores with empty Go caches). `npm run build` builds it: reviews render overlays with it.
 */
export function ensureKustomize(options = {}) {
  return ensureTool(KUSTOMIZE, options);
}

/**
 * Returns the path of a `helm` at the version pinned in tools/helm/go.mod (about 3.5 minutes on 2
 * cores with empty Go caches): `npm run build` and `npm run build:helm` build it, to render charts.
 */
export function ensureHelm(options = {}) {
  return ensureTool(HELM, options);
}

/**
 * Returns the path of the YAML oracle built from tools/yaml-oracle (about 40 seconds on 2 cores
 * with empty Go caches): `npm run build` and `npm run build:yaml` build it.
 */
export function ensureYamlOracle(options = {}) {
  return ensureTool(YAML_ORACLE, options);
}

/** Returns the path of a `kyverno` at the version pinned in tools/kyverno/go.mod, built when missing. */
export function ensureKyverno(options = {}) {
  return ensureTool(KYVERNO, options);
}

/** The pinned kyverno if it is already built or on PATH; never builds it. */
export function findKyverno() {
  return findTool(KYVERNO);
}

/**
 * Returns the path of the Kubernetes CEL engine built from tools/cel (about 3 minutes on 2 cores
 * with empty Go caches): `npm run build` and `npm run build:cel` build it.
 */
export function ensureCel(options = {}) {
  return ensureTool(CEL, options);
}

/**
 * Returns the path of a `kubeconform` at the version pinned in tools/kubeconform/go.mod, built when
 * missing (about 30 seconds on 2 cores): only the schema benchmark uses it.
 */
export function ensureKubeconform(options = {}) {
  return ensureTool(KUBECONFORM, options);
}

/** The pinned conftest if it is already built or on PATH; never builds it. */
export function findConftest() {
  return findTool(CONFTEST);
}

/**
 * The folder of the pinned conftest module in the Go module cache (downloaded from the proxy when
 * missing), or why it cannot be had. Its examples/ are conftest's own documented cases.
 */
export function conftestModuleDir() {
  const go = onPath("go");
  if (!go) return { reason: "Go is not installed" };
  const version = pinnedVersion(CONFTEST_MODULE, CONFTEST.dir);
  const r = spawnSync(go, ["mod", "download", "-json", `${CONFTEST_MODULE}@v${version}`], {
    cwd: CONFTEST.dir,
    encoding: "utf8",
  });
  let info;
  try {
    info = JSON.parse(r.stdout);
  } catch {
    info = undefined;
  }
  if (r.status !== 0 || !info?.Dir)
    return {
      reason: `go mod download ${CONFTEST_MODULE}@v${version} failed: ${(info?.Error ?? r.stderr ?? "").trim()}`,
    };
  return { dir: info.Dir, version };
}

function run(opa, args) {
  const r = spawnSync(opa, args, { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** opa fmt --list must print nothing, opa check --strict must pass, then every Rego test. */
function regoTests(opa) {
  const fmt = spawnSync(opa, ["fmt", "--list", "policies"], { cwd: ROOT, encoding: "utf8" });
  if (fmt.status !== 0 || fmt.stdout.trim() !== "") {
    process.stderr.write(
      `opa fmt: these files need formatting (run: ${opa} fmt -w policies):\n${fmt.stdout}${fmt.stderr}`,
    );
    process.exit(1);
  }
  run(opa, ["check", "--strict", "policies", ...REGO_IGNORES]);
  run(opa, ["test", "policies", ...REGO_IGNORES]);
}

export { REGO_IGNORES };

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? "opa";
  try {
    if (command === "opa") console.log(ensureOpa());
    else if (command === "opa-test") regoTests(ensureOpa());
    else if (command === "conftest") console.log(ensureConftest());
    else if (command === "kustomize") console.log(ensureKustomize());
    else if (command === "helm") console.log(ensureHelm());
    else if (command === "yaml-oracle") console.log(ensureYamlOracle());
    else if (command === "kyverno") console.log(ensureKyverno());
    else if (command === "cel") console.log(ensureCel());
    else if (command === "kubeconform") console.log(ensureKubeconform());
    else {
      console.error(
        `usage: node scripts/tools.mjs opa|opa-test|conftest|kustomize|helm|yaml-oracle|kyverno|cel|kubeconform`,
      );
      process.exit(2);
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
