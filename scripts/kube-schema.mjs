#!/usr/bin/env node
// Builds kube-schema (tools/kube-schema): first its schemas, then the Go program that embeds them.
// Schemas come from Go modules of the module proxy at the versions tools/kube-schema/sources.json
// pins, never at run time: the published OpenAPI v3 of each Kubernetes release
// (k8s.io/kubernetes' api/openapi-spec/v3) and the Flux CD and Argo CD CRDs. Descriptions are
// dropped (validation never reads them) and the documents are laid out as kubectl-validate reads
// them: <minor>/api/v1.json, <minor>/apis/<group>/<version>.json, with an index of their kinds.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TOOL_DIR = join(ROOT, "tools", "kube-schema");
const SCHEMAS = join(TOOL_DIR, "schemas");
const SOURCES = join(TOOL_DIR, "sources.json");
const BINARY = join(ROOT, ".tools", "bin", "kube-schema");
const GO_SOURCES = ["go.mod", "go.sum", "sources.json"];

function go() {
  const found = spawnSync("sh", ["-c", "command -v go || ls /usr/local/go/bin/go"], {
    encoding: "utf8",
  });
  const path = found.stdout.trim().split("\n")[0];
  if (found.status !== 0 || !path)
    throw new Error("building kube-schema needs Go (https://go.dev/dl/) on PATH");
  return path;
}

/** The module's folder in the Go module cache, downloaded (and its checksum verified) by go. */
function download(module, version) {
  const r = spawnSync(go(), ["mod", "download", "-json", `${module}@${version}`], {
    cwd: tmpdir(),
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "", GO111MODULE: "on" },
    maxBuffer: 16 * 1024 * 1024,
  });
  let info = {};
  try {
    info = JSON.parse(r.stdout);
  } catch {
    throw new Error(`go mod download ${module}@${version}: ${r.stderr.trim() || r.stdout.trim()}`);
  }
  // A module whose go.mod asks for a newer Go is still downloaded and verified (its zip and
  // hash are in the cache); only its code could not be built, and only its files are read here.
  if (info.Error && !/requires go >= /.test(info.Error))
    throw new Error(`go mod download ${module}@${version}: ${info.Error}`);
  const escaped = module.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
  const cache = execFileSync(go(), ["env", "GOMODCACHE"], { encoding: "utf8" }).trim();
  const dir = info.Dir ?? join(cache, `${escaped}@${version}`);
  if (!existsSync(dir)) throw new Error(`go mod download ${module}@${version}: no folder ${dir}`);
  return { dir, sum: info.Sum };
}

/** A schema without its descriptions (a key of `properties` is a field name, kept whatever it is). */
export function stripDescriptions(value, inProperties = false) {
  if (Array.isArray(value)) return value.map((v) => stripDescriptions(v));
  if (value === null || typeof value !== "object") return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (!inProperties && k === "description" && typeof v === "string") continue;
    out[k] = stripDescriptions(
      v,
      !inProperties && (k === "properties" || k === "patternProperties"),
    );
  }
  return out;
}

const METHODS = ["get", "put", "post", "delete"];
const GVK = "x-kubernetes-group-version-kind";

/** Paths keep what kubectl-validate reads of them: which kinds each serves (for the scope). */
function slimPaths(paths) {
  const out = {};
  for (const [p, item] of Object.entries(paths ?? {})) {
    const ops = {};
    for (const m of METHODS) if (item?.[m]?.[GVK]) ops[m] = { [GVK]: item[m][GVK] };
    if (Object.keys(ops).length > 0) out[p] = ops;
  }
  return out;
}

/** "apis__apps__v1_openapi.json" -> ["apps", "v1"]; "api__v1_openapi.json" -> ["", "v1"]. */
function groupVersionOf(file) {
  let m = /^apis__(.+)__([^_]+)_openapi\.json$/.exec(file);
  if (m) return [m[1], m[2]];
  m = /^api__([^_]+)_openapi\.json$/.exec(file);
  return m ? ["", m[1]] : undefined;
}

/**
 * The enums of the same release's generated OpenAPI definitions (k8s.io/kubernetes
 * pkg/generated/openapi, from the `+enum` markers of k8s.io/api): the published documents leave
 * them out, the API server's validation holds the same closed lists.
 * "io.k8s.api.core.v1.ContainerPort" -> { protocol: { enum: [...] } } (`items` for a list's values).
 */
export function generatedEnums(goSource) {
  const modelName = (goPath) => goPath.replace(/^k8s\.io\//, "io.k8s.").replace(/\//g, ".");
  const imports = new Map();
  for (const m of goSource.matchAll(/^\t(\w+) "(k8s\.io\/[^"]+)"$/gm)) imports.set(m[1], m[2]);
  const defs = new Map();
  // Older releases name each definition by its Go path, newer ones through OpenAPIModelName().
  for (const m of goSource.matchAll(/^\t\t"([^"]+)":\s+(schema_\w+)\(ref\),$/gm))
    defs.set(m[2], modelName(m[1]));
  for (const m of goSource.matchAll(
    /^\t\t(\w+)\.(\w+)\{\}\.OpenAPIModelName\(\):\s+(schema_\w+)\(ref\),$/gm,
  ))
    if (imports.has(m[1])) defs.set(m[3], `${modelName(imports.get(m[1]))}.${m[2]}`);
  const out = {};
  const lines = goSource.split("\n");
  let fn;
  lines.forEach((line, i) => {
    const f = /^func (schema_\w+)\(/.exec(line);
    if (f) fn = defs.get(f[1]);
    const e = /^(\t+)Enum:\s+\[\]interface\{\}\{(.*)\},$/.exec(line);
    if (!e || !fn) return;
    const values = JSON.parse(`[${e[2]}]`);
    let items = false;
    for (let j = i - 1; j > 0; j--) {
      if (/^\t+Items: /.test(lines[j])) items = true;
      const p = /^(\t+)"([^"]+)": \{$/.exec(lines[j]);
      if (p && p[1].length < e[1].length) {
        ((out[fn] ??= {})[p[2]] ??= {})[items ? "items" : "enum"] = values;
        return;
      }
    }
  });
  return out;
}

/** resource.Quantity's serialization format (its documented grammar) as a pattern for strings. */
const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

function patchSchemas(schemas, enums) {
  for (const [name, props] of Object.entries(enums)) {
    const s = schemas[name]?.properties;
    if (!s) continue;
    for (const [prop, e] of Object.entries(props)) {
      if (!s[prop]) continue;
      if (e.enum && s[prop].type === "string") s[prop].enum = e.enum;
      if (e.items && s[prop].items?.type === "string") s[prop].items.enum = e.items;
    }
  }
  const q = schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"];
  if (q) q.pattern = QUANTITY_PATTERN;
}

/** One release's documents and index; the groups of its kinds are added to `groups`. */
function prepareKubernetes(source, dir, groups) {
  const enums = generatedEnums(
    readFileSync(join(dir, "pkg", "generated", "openapi", "zz_generated.openapi.go"), "utf8"),
  );
  const minor = source.version.replace(/^v(\d+)\.(\d+)\..*$/, "$1.$2");
  const out = join(SCHEMAS, "kubernetes", minor);
  const kinds = new Set();
  for (const file of readdirSync(join(dir, source.path)).sort()) {
    const gv = groupVersionOf(file);
    if (!gv) continue;
    const [group, version] = gv;
    const doc = JSON.parse(readFileSync(join(dir, source.path, file), "utf8"));
    const schemas = stripDescriptions(doc.components?.schemas ?? {});
    patchSchemas(schemas, enums);
    for (const s of Object.values(schemas))
      for (const k of [s[GVK] ?? []].flat())
        if (k.group === group && k.version === version && !/Options$|^WatchEvent$/.test(k.kind))
          kinds.add(`${group ? `${group}/` : ""}${version}/${k.kind}`);
    const target = group
      ? join(out, "apis", group, `${version}.json`)
      : join(out, "api", `${version}.json`);
    mkdirSync(dirname(target), { recursive: true });
    const slim = { openapi: doc.openapi, info: doc.info, paths: slimPaths(doc.paths) };
    writeFileSync(target, JSON.stringify({ ...slim, components: { schemas } }));
  }
  if (kinds.size === 0)
    throw new Error(
      `${source.module}@${source.version}: no OpenAPI v3 documents in ${source.path}`,
    );
  writeFileSync(join(out, "index.json"), JSON.stringify([...kinds].sort()));
  for (const k of kinds) if (k.split("/").length === 3) groups.add(k.split("/")[0]);
  return minor;
}

/**
 * The API groups of a CRD file's "  group: x" lines (a CRD's spec.group), read as kube-schema's
 * groupsIn reads them (Go's `\s` is `[\t\n\f\r ]`): kube-schema takes them from the manifest
 * instead of scanning the 2.3 MB of bundled YAML at its start (tools/kube-schema/groups_test.go
 * holds the two to each other).
 */
export function crdGroupsIn(text) {
  const line = /^  group: ['"]?([^'"\t\n\f\r ]+)['"]?[\t\n\f\r ]*$/;
  return text.split("\n").flatMap((l) => line.exec(l)?.[1] ?? []);
}

/**
 * The CRD documents of the source's YAML files, as published (the Go side reads them); each
 * written file's groups go to `groups`.
 */
function prepareCRDs(source, dir, index, groups) {
  let count = 0;
  for (const file of readdirSync(join(dir, source.path)).sort()) {
    if (!/\.ya?ml$/.test(file)) continue;
    const docs = readFileSync(join(dir, source.path, file), "utf8").split(/^---[ \t]*$/m);
    const crds = docs.filter((d) => /^kind:\s*CustomResourceDefinition\s*$/m.test(d));
    if (crds.length === 0) continue;
    const text = crds.join("---\n");
    writeFileSync(join(SCHEMAS, "crds", `${index}-${file}`), text);
    groups[`${index}-${file}`] = crdGroupsIn(text);
    count += crds.length;
  }
  if (count === 0) throw new Error(`${source.module}@${source.version}: no CRD in ${source.path}`);
  return count;
}

/** The schemas for the pinned sources, made unless already made for the same sources.json. */
export function prepareSchemas({ quiet = false } = {}) {
  const text = readFileSync(SOURCES, "utf8");
  // The schemas depend on the pinned sources and on how this script prepares them.
  const hash = createHash("sha256")
    .update(text)
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .digest("hex");
  const manifestFile = join(SCHEMAS, "manifest.json");
  if (existsSync(manifestFile) && JSON.parse(readFileSync(manifestFile, "utf8")).sources === hash)
    return false;
  const sources = JSON.parse(text);
  rmSync(SCHEMAS, { recursive: true, force: true });
  mkdirSync(join(SCHEMAS, "crds"), { recursive: true });
  // crdGroups: each bundled CRD file's groups; builtinGroups: the groups of every version's
  // kinds (index.json). Both are what kube-schema would otherwise work out at each start.
  const manifest = { sources: hash, versions: [], kubernetes: [], crds: [], crdGroups: {} };
  const builtin = new Set();
  for (const s of sources.kubernetes) {
    if (!quiet)
      process.stderr.write(`kube-schema: Kubernetes OpenAPI from ${s.module}@${s.version}\n`);
    const { dir, sum } = download(s.module, s.version);
    manifest.versions.push(prepareKubernetes(s, dir, builtin));
    manifest.kubernetes.push({ ...s, sum });
  }
  sources.crds.forEach((s, i) => {
    if (!quiet) process.stderr.write(`kube-schema: ${s.name} CRDs from ${s.module}@${s.version}\n`);
    const { dir, sum } = download(s.module, s.version);
    manifest.crds.push({ ...s, sum, count: prepareCRDs(s, dir, i, manifest.crdGroups) });
  });
  manifest.builtinGroups = [...builtin].sort();
  manifest.versions.sort((a, b) => Number(b.split(".")[1]) - Number(a.split(".")[1]));
  writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
  return true;
}

function stale() {
  if (!existsSync(BINARY)) return true;
  const built = statSync(BINARY).mtimeMs;
  const files = [...GO_SOURCES, ...readdirSync(TOOL_DIR).filter((f) => f.endsWith(".go"))];
  return files.some((f) => statSync(join(TOOL_DIR, f)).mtimeMs > built);
}

/** kube-schema with the pinned schemas in .tools/bin, built when missing or older than its sources. */
export function ensureKubeSchema({ quiet = false } = {}) {
  // The container image builds it in its Go stage and puts it on PATH for the Node stage.
  // (Go is not on its PATH there.)
  const onPath = spawnSync("sh", ["-c", "command -v kube-schema"], { encoding: "utf8" });
  const goOnPath = spawnSync("sh", ["-c", "command -v go"]).status === 0;
  if (!goOnPath && onPath.status === 0) return onPath.stdout.trim();
  const changed = prepareSchemas({ quiet });
  if (!changed && !stale()) return BINARY;
  if (!quiet) process.stderr.write("building kube-schema (tools/kube-schema)...\n");
  mkdirSync(dirname(BINARY), { recursive: true });
  execFileSync(go(), ["build", "-trimpath", "-ldflags=-s -w", "-o", BINARY, "."], {
    cwd: TOOL_DIR,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
  });
  return BINARY;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureKubeSchema());
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
