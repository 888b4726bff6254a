// The JSON Schema of .github/portcullis.yml for editors (schemas/config.schema.json), made from
// the same defaults and catalogue the parser checks against, so the two cannot drift apart.
import { SEVERITIES } from "../core/types.js";
import {
  DEFAULT_CODE_OWNERS,
  DEFAULT_POLICIES,
  DEFAULT_RENDER,
  DEFAULT_SIGNED_COMMITS,
  FAIL_LEVELS,
} from "./config.js";

export const CONFIG_SCHEMA_URL =
  "https://raw.githubusercontent.com/portcullis-dev/portcullis/main/schemas/config.schema.json";

type Schema = Record<string, unknown>;

const stringList: Schema = { type: "array", items: { type: "string", minLength: 1 } };

/** The schema of a value shaped like `example` (a default): lists, mappings and scalars. */
function shapeOf(example: unknown): Schema {
  if (Array.isArray(example)) {
    const first = example[0];
    if (first !== null && typeof first === "object")
      return { type: "array", items: { type: "object" } };
    return stringList;
  }
  if (example !== null && typeof example === "object") return { type: "object" };
  if (typeof example === "boolean") return { type: "boolean" };
  if (typeof example === "number") return { type: "number" };
  return { type: "string" };
}

/** A section of fixed keys, each typed after its default (`default` shown by editors). */
function section(defaults: object, description: string, overrides: Schema = {}): Schema {
  const properties: Schema = {};
  for (const [key, value] of Object.entries(defaults))
    properties[key] = { ...shapeOf(value), default: value, ...((overrides[key] as Schema) ?? {}) };
  return { type: "object", description, additionalProperties: false, properties };
}

export interface ConfigSchemaCatalogue {
  readonly rules: ReadonlyMap<string, { readonly title: string }>;
  readonly settingDefaults: Readonly<Record<string, unknown>>;
}

export function configSchema(catalogue: ConfigSchemaCatalogue): Schema {
  const ruleSetting = {
    anyOf: [
      { enum: [false, true, "off", "on", ...SEVERITIES] },
      {
        type: "object",
        additionalProperties: false,
        properties: { enabled: { type: "boolean" }, severity: { enum: [...SEVERITIES] } },
      },
    ],
  };
  const rules: Schema = {};
  for (const id of [...catalogue.rules.keys()].sort())
    rules[id] = { ...ruleSetting, description: catalogue.rules.get(id)!.title };
  const settings: Schema = {};
  for (const [key, value] of Object.entries(catalogue.settingDefaults))
    settings[key] =
      key === "resourceDefaults"
        ? { type: "object", default: value }
        : { ...shapeOf(value), default: value };
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: CONFIG_SCHEMA_URL,
    title: "Portcullis configuration (.github/portcullis.yml)",
    description: "docs/configuration.md describes every key.",
    type: "object",
    additionalProperties: false,
    properties: {
      $schema: { type: "string", description: "This schema's address, for editors." },
      _extends: { type: "string", description: "A configuration this one extends." },
      failOn: { enum: [...FAIL_LEVELS], default: "error" },
      failOnExisting: { type: "boolean", default: false },
      include: { ...stringList, description: "Globs of the files to check." },
      exclude: {
        ...stringList,
        description: "Globs of files never checked (added to the defaults).",
      },
      rules: {
        type: "object",
        description: "Rules switched off, on, or to another severity.",
        additionalProperties: false,
        properties: rules,
      },
      settings: {
        type: "object",
        description: "What the rules read as data.settings.",
        additionalProperties: false,
        properties: settings,
      },
      limits: {
        type: "object",
        additionalProperties: false,
        properties: {
          maxFileBytes: { type: "integer", minimum: 1 },
          maxDocuments: { type: "integer", minimum: 1 },
        },
      },
      codeOwners: section(DEFAULT_CODE_OWNERS, "The code-owners check."),
      signedCommits: section(DEFAULT_SIGNED_COMMITS, "The signed-commits check.", {
        acceptedTypes: { type: "array", items: { enum: ["gpg", "ssh", "smime"] } },
      }),
      policies: section(DEFAULT_POLICIES, "The repository's own Rego policies.", {
        regoVersion: { enum: ["auto", "v0", "v1"] },
      }),
      render: section(DEFAULT_RENDER, "Rendering kustomizations and Helm charts before review."),
      kubernetesVersion: {
        type: "string",
        pattern: "^v?1\\.[0-9]{1,3}(\\.[0-9]+)?$",
        description:
          'The Kubernetes minor version ("1.37") the schema validation checks against; default: the newest shipped.',
      },
    },
  };
}
