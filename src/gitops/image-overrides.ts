// kustomize's `images:` transformer: which entry of which kustomization set a rendered container
// image, so a finding on the image lands on that entry's newTag, digest or newName line (the line
// a human edits), not on the base resource's `image:` that the overlay overrides.
import type { LineRange } from "../core/types.js";
import type { ParsedFile } from "../yaml/index.js";
import { isPlainObject } from "../core/plain-data.js";
import type { JsonPath } from "../core/types.js";

const CONTAINER_LISTS = new Set(["containers", "initContainers", "ephemeralContainers"]);

export interface ImageOverride {
  readonly file: string;
  readonly name: string;
  readonly newName?: string;
  readonly newTag?: string;
  readonly digest?: string;
  /** The line of each field the entry sets. */
  readonly lines: Readonly<Partial<Record<"newName" | "newTag" | "digest", LineRange>>>;
}

/** A container image reference split as kustomize splits it: name, tag, digest. */
export function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const rest = at >= 0 ? image.slice(0, at) : image;
  const colon = rest.lastIndexOf(":");
  const tagged = colon > rest.lastIndexOf("/");
  return {
    name: tagged ? rest.slice(0, colon) : rest,
    ...(tagged ? { tag: rest.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The `images:` entries of a kustomization file, with their lines. */
export function imageOverridesOf(file: ParsedFile | undefined): ImageOverride[] {
  const doc = file?.documents[0];
  const images = isPlainObject(doc?.value) ? doc.value.images : undefined;
  if (!doc || !Array.isArray(images)) return [];
  const out: ImageOverride[] = [];
  images.forEach((entry, i) => {
    if (!isPlainObject(entry) || typeof entry.name !== "string") return;
    const lines: Partial<Record<"newName" | "newTag" | "digest", LineRange>> = {};
    const fields: Partial<Record<"newName" | "newTag" | "digest", string>> = {};
    for (const key of ["newName", "newTag", "digest"] as const) {
      const v = entry[key];
      if (typeof v !== "string" && typeof v !== "number") continue;
      fields[key] = String(v);
      const at = doc.locate(["images", i, key]);
      if (at.exact) lines[key] = at.lines;
    }
    out.push({ file: file!.file, name: entry.name, ...fields, lines });
  });
  return out;
}

/** A container's `image` field: `…containers[i].image` (init and ephemeral containers too). */
export function isImagePath(path: JsonPath): boolean {
  const n = path.length;
  return (
    n >= 3 &&
    path[n - 1] === "image" &&
    typeof path[n - 2] === "number" &&
    CONTAINER_LISTS.has(String(path[n - 3]))
  );
}

/**
 * Where the rendered `image` was set by an `images:` entry: the first entry (outermost
 * kustomization first) that produces exactly this reference; on its newTag line when it set the
 * tag, else its digest line, else its newName line.
 */
export function imageOverrideFor(
  overrides: readonly ImageOverride[],
  rendered: unknown,
): { file: string; lines: LineRange } | undefined {
  if (typeof rendered !== "string") return undefined;
  const image = splitImage(rendered);
  for (const o of overrides) {
    if (image.name !== (o.newName ?? o.name)) continue;
    if (o.newTag !== undefined && image.tag !== o.newTag) continue;
    if (o.digest !== undefined && image.digest !== o.digest) continue;
    const lines = o.lines.newTag ?? o.lines.digest ?? o.lines.newName;
    if (lines) return { file: o.file, lines };
  }
  return undefined;
}

/** The value at `path` in a plain JSON value (undefined where the path does not exist). */
export function valueAt(value: unknown, path: JsonPath): unknown {
  let v = value;
  for (const step of path) {
    if (Array.isArray(v) && typeof step === "number") v = v[step];
    else if (isPlainObject(v) && typeof step === "string") v = v[step];
    else return undefined;
  }
  return v;
}
