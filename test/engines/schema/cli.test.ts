// Schema validation (PCV001-PCV007) through the CLI: every rule's denied and allowed examples,
// kubernetesVersion and --kubernetes-version, a Flux/Argo CD repository without CRDs, the
// repository's own CRDs (structural rules and CEL), and rendered overlays mapped to their lines.
// Needs kube-schema (npm run build:schema) and kustomize (npm run build).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../../src/adapters/fs/policy-bundle.js";
import { runCommand } from "../../support/cli.js";
import { gitRepo } from "../../support/git-repo.js";

const ROOT = packageRoot();
const RULES = ["PCV001", "PCV002", "PCV003", "PCV004", "PCV005", "PCV006", "PCV007"];

interface Json {
  findings: { rule: string; file: string; lines: { start: number }; message: string }[];
  errors: unknown[];
}

beforeAll(() => {
  if (!existsSync(join(ROOT, ".tools", "bin", "kube-schema")))
    throw new Error("kube-schema is not built: run `npm run build:schema` first");
});

async function check(args: string[], cwd = ROOT) {
  const r = await runCommand(["check", ...args, "-f", "json", "--fail-on", "never"], cwd);
  if (r.code !== 0) throw new Error(`check exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Json;
}

const schemaFindings = (j: Json) =>
  j.findings.filter((f) => f.rule.startsWith("PCV")).map((f) => `${f.lines.start}:${f.rule}`);

function markers(text: string): string[] {
  return text.split("\n").flatMap((line, i) => {
    const m = /#\s*expect:\s*([A-Z0-9 ,]+)$/.exec(line);
    return m
      ? m[1]!
          .split(/[\s,]+/)
          .filter((id) => id.startsWith("PCV"))
          .map((id) => `${i + 1}:${id}`)
      : [];
  });
}

describe.each(RULES)("%s examples through the CLI", (rule) => {
  const dir = `policies/rules/${rule}/examples`;
  it("reports the denied example on each marked line", async () => {
    const text = readFileSync(join(ROOT, dir, "denied.yaml"), "utf8");
    const found = schemaFindings(await check([`${dir}/denied.yaml`]));
    expect(found.sort()).toEqual(markers(text).sort());
    expect(found.some((f) => f.endsWith(rule))).toBe(true);
  });
  it("stays quiet on the allowed example", async () => {
    expect(schemaFindings(await check([`${dir}/allowed.yaml`]))).toEqual([]);
  });
});

/** The PCV findings of `lines` written as one file, checked alone. */
async function checkLines(lines: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-pcv-"));
  const file = join(dir, "objects.yaml");
  writeFileSync(file, [...lines, ""].join("\n"));
  try {
    return (await check([file])).findings.filter((f) => f.rule.startsWith("PCV"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Deployment (its apiVersion on line 1 of these lines) with one spec line and one container line. */
const deployment = (specLine: string, containerLine: string) => [
  "apiVersion: apps/v1",
  "kind: Deployment",
  "metadata: {name: d, namespace: x}",
  "spec:",
  specLine, // +4
  "  selector: {matchLabels: {app: a}}",
  "  template:",
  "    metadata: {labels: {app: a}}",
  "    spec:",
  "      containers:",
  "        - name: c",
  "          image: nginx:1",
  containerLine, // +12
];

function expectOnceAt(
  found: { rule: string; lines: { start: number }; message: string }[],
  lines: number[],
) {
  expect(found.map((f) => `${f.lines.start}:${f.rule}`).sort()).toEqual(
    lines.map((l) => `${l}:PCV001`).sort(),
  );
  expect(found.map((f) => f.message).join("\n")).not.toContain("<nil>");
}

describe("built-in kinds", () => {
  it("a missing name and an out-of-range or fractional integer are found once, at their line", async () => {
    const found = await checkLines([
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata:", // 3: no name, no generateName: kubectl refuses it
      "  namespace: x",
      "data: {a: b}",
      "---",
      ...deployment("  replicas: 1.5", "          ports: [{containerPort: 3000000000}]"),
    ]);
    expectOnceAt(found, [3, 11, 19]);
  });
});

describe("a removed API version", () => {
  it("names the newest GA version of its kind as the replacement, and never claims a removal it cannot know", async () => {
    const found = await checkLines([
      "apiVersion: autoscaling/v2beta2",
      "kind: HorizontalPodAutoscaler",
      "metadata: {name: h, namespace: x}",
      "spec: {}",
      "---",
      "apiVersion: v2",
      "kind: ConfigMap",
      "metadata: {name: c, namespace: x}",
    ]);
    expect(found.map((f) => [f.lines.start, f.rule, f.message])).toEqual([
      [1, "PCV003", expect.stringMatching(/; use autoscaling\/v2$/) as unknown],
      [6, "PCV003", expect.stringContaining("(no release since Kubernetes") as unknown],
    ]);
  });
});

describe("the same object twice", () => {
  it("is the same cluster-scoped object whatever namespace one of them writes (the API server drops it)", async () => {
    const role = (namespace: string) => [
      "---",
      "apiVersion: rbac.authorization.k8s.io/v1",
      "kind: ClusterRole",
      `metadata: {name: "system:viewer"${namespace}}`,
      "rules: []",
    ];
    const found = await checkLines([...role(""), ...role(", namespace: apps")]);
    expect(found.map((f) => `${f.lines.start}:${f.rule}`)).toEqual(["9:PCV005"]);
  });
});

describe("int-or-string fields of built-in kinds", () => {
  it("refuse what is neither an integer nor a string, at its line, once", async () => {
    const found = await checkLines([
      "apiVersion: v1",
      "kind: Service",
      "metadata: {name: s, namespace: x}",
      "spec:",
      "  ports:",
      "    - port: 80",
      "      targetPort: true", // 7
      "    - port: 81",
      "      targetPort: http",
      "---",
      ...deployment(
        "  strategy: {rollingUpdate: {maxSurge: [1], maxUnavailable: 25%}}",
        "          resources: {limits: {cpu: true}}",
      ),
    ]);
    expectOnceAt(found, [7, 15, 23]);
  });
});

describe("the Kubernetes version", () => {
  const DEPRECATED = "policies/rules/PCV004/examples/denied.yaml";
  it("--kubernetes-version picks the schemas of that release (1.34 had no deprecation yet)", async () => {
    expect(schemaFindings(await check([DEPRECATED, "--kubernetes-version", "1.34"]))).toEqual([]);
    expect(schemaFindings(await check([DEPRECATED, "--kubernetes-version", "v1.37"]))).toEqual([
      "1:PCV004",
    ]);
  });

  it("kubernetesVersion in the configuration does the same, and the flag overrides it", async () => {
    const repo = gitRepo();
    repo.write(".github/portcullis.yml", 'kubernetesVersion: "1.34"\n');
    repo.write("ctb.yaml", readFileSync(join(ROOT, DEPRECATED), "utf8"));
    expect(schemaFindings(await check(["ctb.yaml"], repo.dir))).toEqual([]);
    expect(
      schemaFindings(await check(["ctb.yaml", "--kubernetes-version", "1.37"], repo.dir)),
    ).toEqual(["1:PCV004"]);
  });

  it("a version that is not shipped fails the run with the versions that are", async () => {
    const r = await runCommand(
      ["check", DEPRECATED, "--kubernetes-version", "1.20", "-f", "json"],
      ROOT,
    );
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(
      /kubernetesVersion 1\.20: the schemas shipped are those of Kubernetes 1\.37, 1\.36, 1\.35, 1\.34/,
    );
  });

  it("a malformed flag is a usage error", async () => {
    const r = await runCommand(["check", DEPRECATED, "--kubernetes-version", "latest"], ROOT);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--kubernetes-version "latest" is not a Kubernetes minor version/);
  });
});

const FLUX = `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet, namespace: flux-system}
spec:
  interval: 1m
  url: https://git.example.com/fleet.git
  ref: {branch: main}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: fleet}
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: HelmRepository
metadata: {name: podinfo, namespace: flux-system}
spec:
  interval: 1h
  url: https://stefanprodan.github.io/podinfo
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: apps}
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: "6.x"
      sourceRef: {kind: HelmRepository, name: podinfo, namespace: flux-system}
  values:
    replicaCount: 2
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: guestbook, namespace: argocd}
spec:
  project: default
  source: {repoURL: https://git.example.com/apps.git, path: guestbook, targetRevision: HEAD}
  destination: {server: https://kubernetes.default.svc, namespace: guestbook}
`;

describe("a GitOps repository without CRDs", () => {
  it("validates Flux and Argo CD objects against the bundled CRDs: nothing unvalidated", async () => {
    const repo = gitRepo();
    repo.write("clusters/prod/flux.yaml", FLUX);
    expect(schemaFindings(await check(["clusters"], repo.dir))).toEqual([]);
  });

  it("finds a typo and a bad value in a Flux object", async () => {
    const repo = gitRepo();
    repo.write(
      "clusters/prod/flux.yaml",
      FLUX.replace("  prune: true", "  prune: yes please\n  dependsOnn: []"),
    );
    const found = schemaFindings(await check(["clusters"], repo.dir));
    expect(found).toEqual(["15:PCV001", "16:PCV002"]);
  });
});

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              x-kubernetes-validations:
                - rule: "self.minReplicas <= self.maxReplicas"
                  message: minReplicas must not exceed maxReplicas
              properties:
                size: {type: string, enum: [small, large]}
                port: {x-kubernetes-int-or-string: true}
                minReplicas: {type: integer}
                maxReplicas: {type: integer}
                extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
                template: {type: object, x-kubernetes-embedded-resource: true, x-kubernetes-preserve-unknown-fields: true}
`;

describe("the repository's CRDs", () => {
  it("validate their custom resources: structural rules, int-or-string, embedded resources and CEL", async () => {
    const repo = gitRepo();
    repo.write("crds/widget.yaml", CRD);
    repo.write(
      "apps/widgets.yaml",
      `apiVersion: example.com/v1
kind: Widget
metadata: {name: good, namespace: apps}
spec:
  size: small
  port: http
  minReplicas: 1
  maxReplicas: 3
  extra: {anything: [1, 2]}
  template: {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: bad, namespace: apps}
spec:
  size: medium
  colour: blue
  template: {metadata: {name: x}}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: inverted, namespace: apps}
spec:
  size: large
  minReplicas: 5
  maxReplicas: 3
`,
    );
    const found = (await check(["apps"], repo.dir)).findings.filter((f) =>
      f.rule.startsWith("PCV"),
    );
    const at = found.map((f) => `${f.lines.start}:${f.rule}`).sort();
    // The API server skips the CEL rules of an object that already fails its schema: the
    // inverted replicas are a document of their own.
    expect(at).toEqual(["16:PCV001", "17:PCV002", "18:PCV001", "18:PCV001", "23:PCV006"].sort());
    expect(found.find((f) => f.rule === "PCV006")?.message).toMatch(
      /minReplicas must not exceed maxReplicas/,
    );
  });

  it("a version the CRD does not serve is refused (PCV003), and a CRD's schema error sits on its line", async () => {
    const repo = gitRepo();
    repo.write(
      "crds/gadget.yaml",
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  names: {kind: Gadget, plural: gadgets}
  scope: Namespaced
  versions:
    - name: v1
      served: false
      storage: false
      schema: {openAPIV3Schema: {type: object}}
    - name: v2
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object}}
`,
    );
    // one schema for every version: the API server's internal CRD holds it at spec.validation
    repo.write(
      "crds/widget.yaml",
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              anyOf:
                - properties:
                    size: {type: string}
`,
    );
    repo.write(
      "apps/g.yaml",
      "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: x}\nspec: {}\n",
    );
    const found = (await check(["apps", "crds"], repo.dir)).findings.filter((f) =>
      f.rule.startsWith("PCV"),
    );
    expect(found.map((f) => `${f.file}:${f.lines.start}:${f.rule}`).sort()).toEqual(
      ["apps/g.yaml:1:PCV003", "crds/widget.yaml:21:PCV001"].sort(),
    );
    expect(found.find((f) => f.rule === "PCV003")?.message).toContain(
      "defines version v1 with served: false (it serves v2)",
    );
  });

  it("refuse an int-or-string field's value that is neither (a boolean, a fraction)", async () => {
    const repo = gitRepo();
    repo.write("crds/widget.yaml", CRD);
    repo.write(
      "apps/w.yaml",
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: apps}\nspec:\n  port: true\n  size: small\n  minReplicas: 1\n  maxReplicas: 1\n---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: v, namespace: apps}\nspec:\n  port: 8.5\n  size: small\n  minReplicas: 1\n  maxReplicas: 1\n",
    );
    expect(schemaFindings(await check(["apps"], repo.dir)).sort()).toEqual(
      ["14:PCV001", "5:PCV001"].sort(),
    );
  });

  it("a CRD that cannot be used is named where its kind's objects are not validated, outside the checked files too", async () => {
    const repo = gitRepo();
    // not a structural schema: size has no type
    repo.write(
      "crds/widget.yaml",
      CRD.replace("size: {type: string, enum: [small, large]}", "size: {enum: [small, large]}"),
    );
    repo.write(
      "apps/w.yaml",
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: apps}\nspec: {size: huge}\n",
    );
    const found = (await check(["apps"], repo.dir)).findings.filter((f) =>
      f.rule.startsWith("PCV"),
    );
    expect(found.map((f) => `${f.file}:${f.lines.start}:${f.rule}`)).toEqual([
      "apps/w.yaml:2:PCV007",
    ]);
    const message = found[0]!.message;
    expect(message).toContain(
      "the repository's CRD widgets.example.com (crds/widget.yaml, line 1)",
    );
    expect(message).toMatch(/cannot be used: .*must not be empty/);
    expect(message).not.toContain("or the repository's CRDs");
  });

  it("without the CRD the same kind is listed as not validated", async () => {
    const repo = gitRepo();
    repo.write(
      "apps/w.yaml",
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: huge}\n",
    );
    expect(schemaFindings(await check(["apps"], repo.dir))).toEqual(["2:PCV007"]);
  });
});

describe("rendered overlays", () => {
  it("a base's unknown field found through --render lands on the base's line", async () => {
    const repo = gitRepo();
    repo.write(
      "base/cm.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: strict\ndataa:\n  x: y\n",
    );
    repo.write("base/kustomization.yaml", "resources: [cm.yaml]\n");
    repo.write("overlay/kustomization.yaml", "resources: [../base]\nnamespace: shop\n");
    const j = await check(["overlay", "--render"], repo.dir);
    const found = j.findings
      .filter((f) => f.rule === "PCV002")
      .map((f) => `${f.file}:${f.lines.start}`);
    expect(found).toContain("base/cm.yaml:7");
  });
});
