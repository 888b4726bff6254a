// A rendered resource's findings routed to the line a human edits: the patch that set the
// field, the field in the resource's source file, the line that sets its namespace.
import { treeOf } from "./kustomize-tree.js";
import { type ParsedDocument, type ParsedFile } from "../yaml/index.js";
import { isPlainObject } from "../core/plain-data.js";
import {
  generatorEntry,
  locateInPatches,
  originDocument,
  sourcePathOf,
  type SourcePlace,
  translatePath,
  type LoadedPatch,
  type Origin,
} from "./render-mapping.js";
import type { JsonPath, LineRange, ResourceRef } from "../core/types.js";
import { imageOverrideFor, isImagePath, valueAt, type ImageOverride } from "./image-overrides.js";
import type { Side } from "./render-side.js";
import type { FieldPlace } from "./render-helm-chart.js";
import { type RoutedDocument, type RoutedFindings } from "../review/evaluate-files.js";

/** A rendered resource with where it came from. */ import {
  buildDirs,
  type Target,
} from "./render-targets.js";

export interface RenderedResource {
  readonly value: Record<string, unknown>;
  readonly resource: ResourceRef;
  readonly origin: Origin;
  /** Where each field was set (the patch, the source file), once routed. */
  at?: FieldPlace;
}

/**
 * The line a human edits to change a rendered object's namespace: the controller's
 * `targetNamespace` (Argo CD `kustomize.namespace`), else the outermost kustomization of the build
 * that sets `namespace:` over the object's file, else the object's own `metadata.namespace`
 * (undefined: the usual mapping), else the Application's `destination.namespace`.
 */
export function namespaceSetter(
  side: Side,
  target: Target,
  r: RenderedResource,
): SourcePlace | undefined {
  const controller = target.controllers[0];
  const at = (file: string, documentIndex: number, path: JsonPath): SourcePlace | undefined => {
    const doc = side.file(file)?.documents.find((d) => d.index === documentIndex);
    return doc ? { file, lines: doc.locate(path).lines } : undefined;
  };
  const ref = controller?.controller;
  if (ref && controller.overlay.namespace && controller.namespaceField)
    return at(ref.file, ref.documentIndex, controller.namespaceField);
  const own = side.tree.kustomizationOf(target.dir);
  const roots = own ? [target.dir] : [...buildDirs(side, target)];
  for (const root of roots) {
    const tree = treeOf(side.nodes, root);
    for (const dir of tree.dirs) {
      const node = side.nodes.get(dir)!;
      const doc = side.file(node.file)?.documents[0];
      if (!doc || !isPlainObject(doc.value) || typeof doc.value.namespace !== "string") continue;
      if (r.origin.file && !treeOf(side.nodes, dir).files.has(r.origin.file)) continue;
      return { file: node.file, lines: doc.locate(["namespace"]).lines };
    }
  }
  const originFile = r.origin.file ? side.file(r.origin.file) : undefined;
  const originDoc = originFile ? originDocument(originFile, r.resource) : undefined;
  const meta = isPlainObject(originDoc?.value) ? originDoc.value.metadata : undefined;
  if (isPlainObject(meta) && typeof meta.namespace === "string") return undefined;
  if (ref && controller.defaultNamespace && controller.namespaceField)
    return at(ref.file, ref.documentIndex, controller.namespaceField);
  return undefined;
}

/**
 * A rendered resource as the pipeline sees it: evaluated as rendered, each result routed to the
 * patch that set its field, else to the field in the resource's source file, else to the
 * resource's (or the kustomization's) kind line. A fix is kept when its path exists in the
 * document the finding lands in (list elements matched by name), and dropped otherwise.
 */
export function routedDocument(
  side: Side,
  r: RenderedResource,
  patches: readonly LoadedPatch[],
  place: { file: ParsedFile; doc: ParsedDocument } | undefined,
  images: readonly ImageOverride[],
  namespaceSetter?: (r: RenderedResource) => SourcePlace | undefined,
): (RoutedDocument & { at: FieldPlace }) | undefined {
  const originFile = r.origin.file ? side.file(r.origin.file) : undefined;
  const originDoc = originFile ? originDocument(originFile, r.resource) : undefined;
  const generatedIn =
    !originDoc && r.origin.configuredIn ? side.file(r.origin.configuredIn) : undefined;
  const home =
    originDoc && originFile
      ? { file: originFile, doc: originDoc }
      : generatedIn?.documents[0]
        ? { file: generatedIn, doc: generatedIn.documents[0] }
        : place;
  if (!home) return undefined;
  const origin: RoutingOrigin = { r, originFile, originDoc, generatedIn, home };
  const locate = locatorOf(origin, patches, images, namespaceSetter);
  const standIn = standInOf(origin, locate);
  const route = routerOf(side, r, locate, standIn);
  const at: FieldPlace = (path) => {
    const where = locate(path);
    return { file: side.file(where.file) ?? home.file, line: where.lines.start };
  };
  return { file: home.file, doc: standIn(home.file, home.doc.index, new Map()), route, at };
}

/** Where a rendered resource came from: its source document, the generator that made it, or
 * the place it is reported at (`home`). */
interface RoutingOrigin {
  readonly r: RenderedResource;
  readonly originFile: ParsedFile | undefined;
  readonly originDoc: ParsedDocument | undefined;
  readonly generatedIn: ParsedFile | undefined;
  readonly home: { readonly file: ParsedFile; readonly doc: ParsedDocument };
}

type Locate = (path: JsonPath) => SourcePlace;
type StandIn = (
  file: ParsedFile,
  index: number | undefined,
  lines: Map<string, LineRange>,
) => ParsedDocument;

/** The source line of a field of the rendered resource: namespace setter, image override, patch,
 * source document, generator entry, else the home's kind line. */
function locatorOf(
  origin: RoutingOrigin,
  patches: readonly LoadedPatch[],
  images: readonly ImageOverride[],
  namespaceSetter: ((r: RenderedResource) => SourcePlace | undefined) | undefined,
): Locate {
  const { r, originFile, originDoc, generatedIn, home } = origin;
  const patched = { value: r.value, resource: r.resource, sourceName: originDoc?.resource.name };
  return (path) => {
    if (path.length === 2 && path[0] === "metadata" && path[1] === "namespace") {
      const setter = namespaceSetter?.(r);
      if (setter) return setter;
    }
    // kustomize's images transformer runs after the patches: the entry that set the image wins.
    const image = isImagePath(path) ? imageOverrideFor(images, valueAt(r.value, path)) : undefined;
    if (image) return image;
    const inPatch = locateInPatches(patches, patched, path);
    if (inPatch) return inPatch;
    if (originDoc && originFile) {
      const t = translatePath(r.value, path, originDoc.value, true);
      const found = originDoc.locate(t.path).lines;
      return {
        file: originFile.file,
        lines: t.complete ? found : { start: found.start, end: found.start },
        documentIndex: originDoc.index,
        source: { value: originDoc.value, path: t.path },
      };
    }
    if (generatedIn?.documents[0]) {
      const entry = generatorEntry(generatedIn.documents[0], r.origin.generator, r.resource);
      return { file: generatedIn.file, lines: generatedIn.documents[0].locate(entry).lines };
    }
    return { file: home.file.file, lines: { start: home.doc.kindLine, end: home.doc.kindLine } };
  };
}

/** The document a group of findings is reported against: the rendered value at source lines. */
function standInOf(origin: RoutingOrigin, locate: Locate): StandIn {
  const { r, originFile, originDoc, home } = origin;
  return (file, index, lines) => {
    const sameAsOrigin =
      file === originFile && originDoc !== undefined && index === originDoc.index;
    const first = lines.values().next().value as LineRange | undefined;
    const kindLine = sameAsOrigin
      ? originDoc.kindLine
      : file === home.file
        ? home.doc.kindLine
        : (first?.start ?? 1);
    return {
      index: index ?? (file === home.file ? home.doc.index : 0),
      value: r.value,
      lines: sameAsOrigin ? originDoc.lines : { start: kindLine, end: kindLine },
      resource: r.resource,
      kindLine,
      locate: (path) => ({
        lines: lines.get(JSON.stringify(path)) ?? locate(path).lines,
        exact: true,
      }),
      locateInString: (path, offset) => {
        if (!sameAsOrigin) return undefined;
        const t = translatePath(r.value, path, originDoc.value, true);
        return t.complete ? originDoc.locateInString(t.path, offset) : undefined;
      },
    };
  };
}

/** Groups a resource's results by the file and document they land in, fixes moved with them. */
function routerOf(
  side: Side,
  r: RenderedResource,
  locate: Locate,
  standIn: StandIn,
): (raw: RoutedFindings["raw"]) => RoutedFindings[] {
  return (raw) => {
    type Raw = RoutedFindings["raw"][number];
    const groups = new Map<
      string,
      { file: string; index?: number; lines: Map<string, LineRange>; raw: Raw[] }
    >();
    for (const finding of raw) {
      const where = locate(finding.path);
      const key = `${where.file}\u0000${where.documentIndex ?? ""}`;
      let g = groups.get(key);
      if (!g)
        groups.set(
          key,
          (g = { file: where.file, index: where.documentIndex, lines: new Map(), raw: [] }),
        );
      g.lines.set(JSON.stringify(finding.path), where.lines);
      const fixPath =
        finding.fix && where.source
          ? sourcePathOf(r.value, finding.fix.path, where.source.value)
          : undefined;
      const { fix, ...rest } = finding;
      g.raw.push(fix && fixPath ? { ...rest, fix: { ...fix, path: fixPath } } : rest);
    }
    return [...groups.values()].flatMap((g) => {
      const file = side.file(g.file);
      return file ? [{ file, doc: standIn(file, g.index, g.lines), raw: g.raw }] : [];
    });
  };
}
