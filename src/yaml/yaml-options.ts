// How YAML is read: as Kubernetes reads it (go-yaml v2, YAML 1.1). Both readers use these options:
// the positioned parse (manifest.ts) directly, the fast read (fast-yaml.ts) for its scalar types.
import { Document, isScalar, type ScalarTag, type Tags } from "yaml";

// YAML 1.1 tags that would turn scalars into Dates, Sets, Maps or Buffers, or read `1:30` as a
// base-60 number. Kubernetes (sigs.k8s.io/yaml) yields plain strings for these, so we do too;
// an explicit `!!set` or `!!timestamp` tag then becomes an unresolved tag, which is refused.
const DROPPED_TAGS = new Set([
  "tag:yaml.org,2002:timestamp",
  "tag:yaml.org,2002:binary",
  "tag:yaml.org,2002:set",
  "tag:yaml.org,2002:omap",
  "tag:yaml.org,2002:pairs",
]);

const DROPPED_TAG_IDS = new Set([
  "timestamp",
  "binary",
  "set",
  "omap",
  "pairs",
  "intTime",
  "floatTime",
]);

// go-yaml reads a plain scalar as a float only when its mantissa has a digit. The `yaml` package's
// YAML 1.1 floats also match `e1`, `.` or `-.` and read them as NaN, which policies see as null:
// `image: e1` (docker.io/library/e1:latest for Kubernetes) then escaped every image rule.
const FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;
const FLOAT_EXP = /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$/;

/** `0o20`: go-yaml reads it as 16 (Go's prefixed integers); YAML 1.1 alone keeps a string. */
const OCTAL_0O: ScalarTag = {
  identify: () => false, // parsing only: values are never written in this form
  default: true,
  tag: "tag:yaml.org,2002:int",
  format: "OCT",
  test: /^[-+]?0o_*[0-7][0-7_]*$/,
  resolve: (text) => {
    const plain = text.replace(/_/g, "");
    const magnitude = parseInt(plain.replace(/^[-+]?0o/, ""), 8);
    return plain.startsWith("-") ? -magnitude : magnitude;
  },
};

function yaml11Tags(tags: Tags): Tags {
  const kept = tags.filter((tag) => {
    if (typeof tag === "string") return !DROPPED_TAG_IDS.has(tag);
    if (DROPPED_TAGS.has(tag.tag)) return false;
    // base-60 integers and floats share the int/float tags; they are the ones with a `:` format.
    return !("format" in tag && tag.format === "TIME");
  });
  const numbers = kept.map((tag) => {
    if (typeof tag === "string" || tag.tag !== "tag:yaml.org,2002:float" || !tag.test) return tag;
    if (tag.test.test(".nan")) return tag; // .nan and .inf
    return { ...tag, test: tag.format === "EXP" ? FLOAT_EXP : FLOAT } as ScalarTag;
  });
  return [...numbers, OCTAL_0O];
}

/**
 * YAML is read as Kubernetes reads it (go-yaml v2, YAML 1.1): `yes`/`on` are booleans, `0644` is
 * octal, `<<` merge keys merge. JSON files are read with the JSON schema. Duplicate keys are found
 * by `duplicateKeys`: the `yaml` package's own check compares each key with every earlier one, so
 * a 1 MB mapping of 100,000 tiny keys took 2.5 minutes (and the file cap admits four times more).
 */
export function kubernetesYamlOptions(isJson: boolean) {
  return isJson
    ? ({
        version: "1.2",
        schema: "json",
        uniqueKeys: false,
        prettyErrors: false,
        // The library's warnings go to process.emitWarning (stderr); what matters is a finding.
        logLevel: "error",
      } as const)
    : ({
        version: "1.1",
        merge: true,
        uniqueKeys: false,
        customTags: yaml11Tags,
        prettyErrors: false,
        logLevel: "error",
      } as const);
}

/**
 * The first characters a YAML 1.1 null, boolean, integer or float can start with (`~`, `null`,
 * `yes`, `on`, `0x1F`, `-.inf`, ...); any other plain scalar is a string. Checked against every tag
 * of the positioned parse in test/core/fast-yaml.test.ts.
 */
export const MAY_RESOLVE = /^[~NnYyTtOoFf+\-.0-9]/;
/** MAY_RESOLVE as a table of first character codes (all of them ASCII). */
const FIRST = Uint8Array.from({ length: 128 }, (_, c) =>
  MAY_RESOLVE.test(String.fromCharCode(c)) ? 1 : 0,
);

let plainTags: { doc: Document; tags: ScalarTag[] } | undefined;

/**
 * What a plain scalar reads as: the first of the positioned parse's own YAML 1.1 tags that matches
 * it, as its composer does, else the text itself. The fast readers (fast-yaml.ts, block-yaml.ts)
 * type plain scalars with this, so both paths agree by construction.
 */
export function resolvePlain(text: string): unknown {
  // A string, without 11 regular expressions.
  if (text !== "" && FIRST[text.charCodeAt(0)] !== 1) return text;
  if (!plainTags) {
    const doc = new Document(null, kubernetesYamlOptions(false));
    const tags = (doc.schema.tags as ScalarTag[]).filter(
      (t) => t.default === true && t.test !== undefined && !("collection" in t && t.collection),
    );
    plainTags = { doc, tags };
  }
  for (const tag of plainTags.tags) {
    if (!tag.test!.test(text)) continue;
    const value = tag.resolve(text, refuse, plainTags.doc.options);
    return isScalar(value) ? value.value : value;
  }
  return text;
}

function refuse(message: string): never {
  throw new Error(message);
}
