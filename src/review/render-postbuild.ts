// What Flux and Argo CD do to a build's output after kustomize: Flux's post-build variable
// substitution (`substitute`, `substituteFrom`), common metadata, and the default namespace.
import { substituteVariables, type ControllerTarget } from "../core/gitops-controllers.js";
import { isPlainObject } from "../core/plain-data.js";
import { CLUSTER_SCOPED, type Side } from "./render-side.js";

/** Flux `substituteFrom`: the repository's ConfigMaps by name in the object's namespace; Secrets' values are never read. */
export function substitutionValues(side: Side, target: ControllerTarget): Record<string, string> {
  const sub = target.substitute;
  if (!sub) return {};
  const vars: Record<string, string> = {};
  const namespace = target.controller.namespace;
  for (const from of sub.from) {
    for (const file of side.parsed.values())
      for (const doc of file.documents) {
        const v = doc.value;
        if (!isPlainObject(v) || v.kind !== from.kind || doc.resource.name !== from.name) continue;
        if (namespace && doc.resource.namespace && doc.resource.namespace !== namespace) continue;
        for (const key of ["data", "stringData"]) {
          const data = isPlainObject(v[key]) ? v[key] : {};
          for (const [k, x] of Object.entries(data))
            vars[k] =
              from.kind === "Secret" ? `SECRET-${from.name}-${k}` : String(x).replace(/\n/g, "");
        }
      }
  }
  for (const [k, v] of Object.entries(sub.values)) vars[k] = v.replace(/\n/g, "");
  return vars;
}

export function postProcess(
  value: Record<string, unknown>,
  controller: ControllerTarget | undefined,
  vars: Record<string, string>,
): Record<string, unknown> {
  let out = value;
  if (controller?.substitute) {
    const meta = isPlainObject(out.metadata) ? out.metadata : {};
    const disabled = [meta.labels, meta.annotations].some(
      (m) => isPlainObject(m) && m["kustomize.toolkit.fluxcd.io/substitute"] === "disabled",
    );
    if (!disabled) out = substituteVariables(out, vars) as Record<string, unknown>;
  }
  const common = controller?.commonMetadata;
  if (common) {
    const meta = isPlainObject(out.metadata) ? out.metadata : (out.metadata = {});
    const m = meta as Record<string, unknown>;
    if (Object.keys(common.labels).length > 0)
      m.labels = { ...(isPlainObject(m.labels) ? m.labels : {}), ...common.labels };
    if (Object.keys(common.annotations).length > 0)
      m.annotations = {
        ...(isPlainObject(m.annotations) ? m.annotations : {}),
        ...common.annotations,
      };
  }
  const ns = controller?.defaultNamespace;
  if (ns && typeof out.kind === "string" && !CLUSTER_SCOPED.has(out.kind)) {
    const meta = (isPlainObject(out.metadata) ? out.metadata : (out.metadata = {})) as Record<
      string,
      unknown
    >;
    if (typeof meta.namespace !== "string" || meta.namespace === "") meta.namespace = ns;
  }
  return out;
}
