// What Flux and Argo CD do to a build's output after kustomize: common metadata and the default
// namespace. Flux's post-build variable substitution runs on the text first (render-substitute.ts).
import type { ControllerTarget } from "./gitops-controllers.js";
import { isPlainObject } from "../core/plain-data.js";
import { CLUSTER_SCOPED } from "./render-side.js";

/** What Flux and Argo CD add to every built resource: common metadata and the default namespace (substitution is in render-substitute.ts, on the text). */
export function postProcess(
  value: Record<string, unknown>,
  controller: ControllerTarget | undefined,
): Record<string, unknown> {
  const out = value;
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
