// Constraints of K8sNativeValidation templates, evaluated as Gatekeeper's CEL driver does: the
// constraint is matched here as for Rego templates (match.ts), then tools/cel runs the template's
// CEL with Gatekeeper's variables (`variables.params` = spec.parameters, `variables.anyObject`)
// through Kubernetes' own validator; each denied validation is one result with its message.
import { isKubernetesObject, type RawFinding } from "../../core/findings.js";
import type { PolicyInput, PolicyResult } from "../../ports/policy-engine.js";
import { CEL_MISSING, CelSession, celPath } from "../cel/cel-session.js";
import { servedKinds } from "../cel/kinds.js";
import type { Engine, Problem } from "../engine.js";
import type { CelConstraint, GatekeeperCel } from "./cel-code.js";
import { NamespaceVersions, objectFacts } from "./match.js";

class GatekeeperCelEngine implements Engine {
  readonly id = "gatekeeper";
  private readonly namespaces: NamespaceVersions;

  constructor(
    private readonly session: CelSession,
    private readonly constraints: readonly CelConstraint[],
    inventory: readonly unknown[],
    previous: readonly unknown[],
  ) {
    this.namespaces = new NamespaceVersions(inventory, previous);
  }

  evaluate(inputs: readonly PolicyInput[]): Promise<PolicyResult[]> {
    return Promise.all(inputs.map((input) => this.one(input)));
  }

  private async one(input: PolicyInput): Promise<PolicyResult> {
    // A kustomize patch is not what reaches the cluster; gator judges whole objects.
    if (input.file.partial || !isKubernetesObject(input.document))
      return { ok: true, findings: [] };
    const object = input.document as Record<string, unknown>;
    const facts = objectFacts(object);
    const findings: RawFinding[] = [];
    const asked: Promise<void>[] = [];
    for (const c of this.constraints) {
      const { outcome, namespace } = this.namespaces.matchAny(c.match, facts);
      if (outcome.kind === "no-match") continue;
      const finding = (msg: string): RawFinding => ({
        rule: c.id,
        msg,
        path: [],
        severity: c.severity,
        policy: c.source,
      });
      if (outcome.kind === "unknown") {
        findings.push(finding(`not evaluated: ${outcome.reason}`));
        continue;
      }
      asked.push(
        this.session
          .request({
            op: "gatekeeper",
            template: c.template,
            object,
            constraint: c.constraint,
            ...(namespace !== undefined ? { namespace } : {}),
          })
          .then((answer) => {
            if (typeof answer.error === "string") throw new Error(answer.error);
            for (const m of (answer.messages ?? []) as string[]) findings.push(finding(m));
          }),
      );
    }
    try {
      await Promise.all(asked);
    } catch (err) {
      return { ok: false, error: `Gatekeeper CEL constraints failed: ${(err as Error).message}` };
    }
    // Answers arrive in constraint order; keep the report stable anyway.
    findings.sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
    return { ok: true, findings };
  }
}

/** The CEL engine for the constraints of K8sNativeValidation templates, or why it cannot run. */
export async function loadGatekeeperCel(
  cel: GatekeeperCel,
  inventory: readonly unknown[],
  previous: readonly unknown[],
  env: NodeJS.ProcessEnv,
): Promise<{ engine?: Engine; problems: Problem[] }> {
  const first = cel.templates[0]!;
  const binary = celPath(env);
  if (!binary)
    return { problems: [{ file: first.file, line: first.doc.kindLine, message: CEL_MISSING }] };
  const session = new CelSession(binary, {
    templates: cel.templates.map((t) => ({
      name: t.name,
      source: t.source,
      path: t.path.map(String),
    })),
    kinds: servedKinds(inventory),
  });
  let answer: Record<string, unknown>;
  try {
    answer = await session.load();
  } catch (err) {
    return {
      problems: [{ file: first.file, line: first.doc.kindLine, message: (err as Error).message }],
    };
  }
  const broken = new Set<string>();
  const problems: Problem[] = [];
  for (const p of (answer.problems ?? []) as { name: string; path: string[]; message: string }[]) {
    const t = cel.templates.find((x) => x.name === p.name) ?? first;
    broken.add(t.name);
    const path = p.path.map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    problems.push({
      file: t.file,
      line: t.doc.locate(path).lines.start,
      message: `ConstraintTemplate ${t.name}: its K8sNativeValidation code could not be compiled: ${p.message.split("\n")[0]}`,
    });
  }
  const constraints = cel.constraints.filter((c) => !broken.has(c.template));
  return {
    engine:
      constraints.length > 0
        ? new GatekeeperCelEngine(session, constraints, inventory, previous)
        : undefined,
    problems,
  };
}
