#!/usr/bin/env node
// JSON schemas for kubeconform, made offline from the very schemas kube-schema embeds (the
// benchmark's peer is given the same knowledge): each kind of the Kubernetes OpenAPI v3 documents
// that `npm run build:schema` prepared (tools/kube-schema/schemas/kubernetes/<minor>), the bundled
// Flux CD and Argo CD CRDs, and the CRDs given (a repository's). In the layout and form of
// openapi2jsonschema's "standalone-strict" output, which kubeconform reads: one file per kind,
// `<kind>-<group's first label>-<version>.json` (`<kind>-<version>.json` for the core group),
// self-contained (the named schemas it refers to are in its `definitions`), and strict (an object
// with properties allows no other unless x-kubernetes-preserve-unknown-fields says so).
// Usage: node scripts/kubeconform-schemas.mjs OUT_DIR [--kubernetes-version 1.37] [CRD_FILE...]
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseAllDocuments } from "yaml";

const ROOT = resolve(import.meta.dirname, "..");
const SCHEMAS = join(ROOT, "tools", "kube-schema", "schemas");
const GVK = "x-kubernetes-group-version-kind";
const REF = /^#\/components\/schemas\/(.+)$/;

/** kubeconform's file name for a kind (its registry's default template). */
export function schemaFileName(group, version, kind) {
  const suffix = group ? `-${group.split(".")[0].toLowerCase()}-${version}` : `-${version}`;
  return `${kind.toLowerCase()}${suffix}.json`;
}

/**
 * An OpenAPI v3 schema as strict JSON Schema: references to `#/definitions/`, `nullable` as a
 * null type, no additional properties beside those listed (unless unknown fields are preserved),
 * and the int-or-string format (JSON Schema knows none) left to its oneOf.
 */
export function strictSchema(schema, refs = new Set()) {
  if (Array.isArray(schema)) return schema.map((s) => strictSchema(s, refs));
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "$ref" && typeof v === "string" && REF.test(v)) {
      const name = REF.exec(v)[1];
      refs.add(name);
      out.$ref = `#/definitions/${name}`;
    } else if (k === "properties" || k === "patternProperties" || k === "definitions") {
      out[k] = Object.fromEntries(
        Object.entries(v ?? {}).map(([p, s]) => [p, strictSchema(s, refs)]),
      );
    } else if (k === "format" && v === "int-or-string") continue;
    else out[k] = strictSchema(v, refs);
  }
  if (out.nullable === true && typeof out.type === "string") out.type = [out.type, "null"];
  const preserves = out["x-kubernetes-preserve-unknown-fields"] === true;
  if (out.properties && out.additionalProperties === undefined && !preserves)
    out.additionalProperties = false;
  return out;
}

/** One kind's standalone schema: its own, with every named schema it reaches as a definition. */
function standalone(name, components) {
  const definitions = {};
  const pending = [name];
  const top = strictSchema(components[name], new Set(pending));
  const seen = new Set();
  while (pending.length > 0) {
    const next = pending.pop();
    if (seen.has(next)) continue;
    seen.add(next);
    const refs = new Set();
    const s = strictSchema(components[next] ?? {}, refs);
    if (next !== name) definitions[next] = s;
    for (const r of refs) if (!seen.has(r)) pending.push(r);
  }
  return { ...top, definitions };
}

/** The built-in kinds of a carried Kubernetes version, written to `out`; their number. */
function writeKubernetes(version, out) {
  let count = 0;
  const dir = join(SCHEMAS, "kubernetes", version);
  const files = [join(dir, "api", "v1.json")];
  for (const group of readdirSync(join(dir, "apis")))
    for (const f of readdirSync(join(dir, "apis", group))) files.push(join(dir, "apis", group, f));
  for (const file of files) {
    const components = JSON.parse(readFileSync(file, "utf8")).components?.schemas ?? {};
    for (const [name, schema] of Object.entries(components))
      for (const k of [schema[GVK] ?? []].flat()) {
        if (/Options$|^WatchEvent$/.test(k.kind)) continue; // as kube-schema's index

        const target = join(out, schemaFileName(k.group, k.version, k.kind));
        writeFileSync(target, JSON.stringify(standalone(name, components)));
        count++;
      }
  }
  return count;
}

/** Each served version of the CRDs in `text` (YAML or JSON), written to `out`; their number. */
function writeCRDs(text, out) {
  let count = 0;
  for (const doc of parseAllDocuments(text)) {
    const crd = doc.toJS();
    if (crd?.kind !== "CustomResourceDefinition" || !crd.spec?.names?.kind) continue;
    for (const v of crd.spec.versions ?? []) {
      const schema = v.schema?.openAPIV3Schema ?? crd.spec.validation?.openAPIV3Schema;
      if (!v.served || !schema) continue;
      const file = schemaFileName(crd.spec.group, v.name, crd.spec.names.kind);
      writeFileSync(join(out, file), JSON.stringify(strictSchema(schema)));
      count++;
    }
  }
  return count;
}

/**
 * kubeconform's schemas for a carried Kubernetes version: the built-in kinds, the bundled CRDs,
 * then the given CRD files (a repository's CRD replaces a bundled one, as in kube-schema).
 */
export function writeKubeconformSchemas(out, version, crdFiles = []) {
  mkdirSync(out, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(SCHEMAS, "manifest.json"), "utf8"));
  const v = version ?? manifest.versions[0];
  if (!manifest.versions.includes(v))
    throw new Error(`no schemas for Kubernetes ${v} (carried: ${manifest.versions.join(", ")})`);
  const kinds = writeKubernetes(v, out);
  let crds = 0;
  for (const f of readdirSync(join(SCHEMAS, "crds")).sort())
    crds += writeCRDs(readFileSync(join(SCHEMAS, "crds", f), "utf8"), out);
  for (const f of crdFiles) crds += writeCRDs(readFileSync(f, "utf8"), out);
  return { version: v, kinds, crds };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    options: { "kubernetes-version": { type: "string" } },
    allowPositionals: true,
  });
  const [out, ...crdFiles] = positionals;
  if (!out) {
    console.error(
      "usage: node scripts/kubeconform-schemas.mjs OUT_DIR [--kubernetes-version 1.37] [CRD_FILE...]",
    );
    process.exit(2);
  }
  const made = writeKubeconformSchemas(out, values["kubernetes-version"], crdFiles);
  console.log(
    `${made.kinds} kinds of Kubernetes ${made.version} and ${made.crds} CRD versions in ${out}`,
  );
}
