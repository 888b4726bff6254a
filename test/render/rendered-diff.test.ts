// The rendered diff: computed from two renders, shown in the check summary within GitHub's limit.
import { diffRendered, type RenderedTargetDiff } from "../../src/core/rendered-diff.js";
import { MAX_OUTPUT_BYTES, renderPolicyCheck } from "../../src/render/check-run.js";

const obj = (kind: string, name: string, value: unknown = {}) => ({
  resource: { apiVersion: "v1", kind, namespace: "shop", name },
  value: { kind, metadata: { name }, ...((value as object) ?? {}) },
});

describe("diffRendered", () => {
  it("tells added, changed and removed resources apart by identity", () => {
    const base = [
      obj("ConfigMap", "a", { data: { x: "1" } }),
      obj("Service", "b"),
      obj("Secret", "gone"),
    ];
    const head = [
      obj("ConfigMap", "a", { data: { x: "2" } }),
      obj("Service", "b"),
      obj("Deployment", "new"),
    ];
    expect(
      diffRendered(base, head).map((c) => `${c.change} ${c.resource.kind}/${c.resource.name}`),
    ).toEqual(["changed ConfigMap/a", "added Deployment/new", "removed Secret/gone"]);
  });
});

function check(rendered: RenderedTargetDiff[]) {
  return renderPolicyCheck({
    findings: [],
    skipped: [],
    errors: [],
    failOn: "error",
    failOnExisting: false,
    rules: new Map(),
    configErrors: [],
    headSha: "0123456789abcdef0123456789abcdef01234567",
    rendered,
    renderer: "kustomize v5.8.2, without network",
  });
}

const target = (name: string, over: Partial<RenderedTargetDiff> = {}): RenderedTargetDiff => ({
  target: name,
  controllers: [],
  status: "rendered",
  changes: [],
  resources: 3,
  durationMs: 10,
  ...over,
});

describe("the Rendered changes section", () => {
  it("lists each kustomization with its controllers and changes, or why it was not rendered", () => {
    const { summary } = check([
      target("apps/prod", {
        controllers: ["Flux Kustomization flux-system/apps"],
        changes: [
          { change: "added", resource: { kind: "Deployment", namespace: "prod", name: "web" } },
          { change: "removed", resource: { kind: "ConfigMap", namespace: "prod", name: "old" } },
        ],
      }),
      target("apps/dev"),
      target("apps/broken", { status: "failed", reason: "accumulating resources: boom" }),
      target("apps/remote", {
        status: "not-evaluated",
        reason: "it asks for what is never loaded",
      }),
    ]);
    expect(summary).toContain("### Rendered changes");
    expect(summary).toContain("(kustomize v5.8.2, without network)");
    expect(summary).toContain(
      "- `apps/prod` (Flux Kustomization flux-system/apps): 1 added, 1 removed: + Deployment prod/web, − ConfigMap prod/old",
    );
    expect(summary).toContain("- `apps/dev`: no resource changes (3 resources)");
    expect(summary).toContain(
      "- `apps/broken`: **could not be rendered**: accumulating resources: boom",
    );
    expect(summary).toContain("- `apps/remote`: not evaluated: it asks for what is never loaded");
  });

  it("stays within GitHub's summary limit with thousands of changed resources", () => {
    const many = Array.from({ length: 400 }, (_, t) =>
      target(`apps/overlay-${t}`, {
        changes: Array.from({ length: 300 }, (_, i) => ({
          change: "changed" as const,
          resource: {
            kind: "Deployment",
            namespace: `ns-${t}`,
            name: `a-rather-long-deployment-name-${i}`,
          },
        })),
      }),
    );
    const { summary } = check(many);
    expect(Buffer.byteLength(summary, "utf8")).toBeLessThanOrEqual(MAX_OUTPUT_BYTES);
    expect(summary).toMatch(/… 250 more/);
    expect(summary).toMatch(
      /_… \d+ more rendered kustomizations not shown: run `portcullis review` locally to see them all\._/,
    );
  });
});
