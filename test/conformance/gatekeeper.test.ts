// Gatekeeper conformance: every gator `Suite` under test/fixtures/gatekeeper, asserted through the
// Gatekeeper engine as `gator verify` would, plus what Portcullis adds (severities, not evaluated).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { loadGatekeeper, type GatekeeperLoad } from "../../src/engines/opa/gatekeeper.js";
import { findOpa } from "../../src/engines/opa/opa-binary.js";
import type { RawFinding } from "../../src/core/findings.js";
import type { Engine } from "../../src/engines/engine.js";
import type { GatekeeperCel } from "../../src/engines/gatekeeper/cel-code.js";
import { loadGatekeeperCel } from "../../src/engines/gatekeeper/cel-engine.js";
import { check, objects, suites, type SuiteTest } from "../support/gator-suite.js";

const FIXTURES = join(packageRoot(), "test", "fixtures", "gatekeeper");
const tools = () => ({
  opa: findOpa(),
  capabilities: join(packageRoot(), "dist", "policies", "capabilities.json"),
});

const source = (base: string, path: string) => ({
  path: relative(FIXTURES, join(base, path)),
  text: readFileSync(join(base, path), "utf8"),
});

/** The Rego engine and, for K8sNativeValidation templates, the CEL engine (tools/cel), as a review loads them. */
type Loaded = GatekeeperLoad & { readonly celEngine?: Engine };

async function withCel(loaded: GatekeeperLoad, inventory: unknown[]): Promise<Loaded> {
  if (!loaded.cel) return loaded;
  const cel = await loadGatekeeperCel(loaded.cel as GatekeeperCel, inventory, [], process.env);
  return { ...loaded, celEngine: cel.engine, errors: [...loaded.errors, ...cel.problems] };
}

async function load(
  base: string,
  test: Pick<SuiteTest, "template" | "constraint">,
  inventory: unknown[],
): Promise<Loaded> {
  const loaded = await loadGatekeeper(
    [source(base, test.template), source(base, test.constraint)],
    inventory,
    tools,
  );
  return withCel(loaded, inventory);
}

async function evaluate(
  loaded: Loaded,
  object: unknown,
  path = "object.yaml",
): Promise<RawFinding[]> {
  const input = [{ document: object, file: { path, partial: false } }];
  const results = [
    ...(loaded.engine ? loaded.engine.evaluate(input) : []),
    ...(loaded.celEngine ? await loaded.celEngine.evaluate(input) : []),
  ];
  if (results.length === 0) throw new Error("no engine loaded");
  return results.flatMap((result) => {
    if (!result.ok) throw new Error(`not evaluated: ${result.error}`);
    return [...result.findings];
  });
}

const SEVERITY: Record<string, string> = { deny: "error", warn: "warning", dryrun: "notice" };

describe("Gatekeeper conformance (gator Suites)", () => {
  const found = suites(FIXTURES);

  it("finds the suites", () => {
    expect(found.length).toBeGreaterThanOrEqual(5);
  });

  for (const file of found) {
    const base = dirname(file);
    const suite = parseYaml(readFileSync(file, "utf8")) as { kind: string; tests: SuiteTest[] };
    for (const test of suite.tests) {
      const constraint = parseYaml(readFileSync(join(base, test.constraint), "utf8")) as {
        spec?: { enforcementAction?: string };
      };
      it.each(test.cases.map((c) => [c.name, c] as const))(
        `${relative(FIXTURES, base)} / ${test.name} / %s`,
        async (_name, c) => {
          const inventory = (c.inventory ?? []).flatMap((p) => objects(join(base, p)));
          const loaded = await load(base, test, inventory);
          expect(loaded.errors).toEqual([]);
          expect(loaded.constraints).toHaveLength(1);
          const [object] = objects(join(base, c.object));
          const findings = await evaluate(loaded, object);
          expect(findings.filter((f) => f.msg.startsWith("not evaluated"))).toEqual([]);
          const failures = c.assertions
            .map((a) =>
              check(
                a,
                findings.map((f) => f.msg),
              ),
            )
            .filter((x): x is string => x !== undefined);
          expect(failures).toEqual([]);
          const action = constraint.spec?.enforcementAction ?? "deny";
          const expected = action === "scoped" ? "warning" : SEVERITY[action];
          for (const f of findings) {
            expect(f.rule).toBe(loaded.constraints[0]);
            // Each finding links to the constraint that found it: its file and `kind:` line.
            const text = readFileSync(join(base, test.constraint), "utf8");
            expect(f.policy).toEqual({
              file: relative(FIXTURES, join(base, test.constraint)),
              line: text.split("\n").findIndex((l) => l.startsWith("kind:")) + 1,
            });
            expect(f.severity).toBe(expected);
          }
        },
      );
    }
  }
});

describe("Gatekeeper messages as OPA prints them", () => {
  it("gives, for a template on host builtins and sets, exactly the texts and fields opa eval gives", async () => {
    const dir = join(FIXTURES, "containerlimits");
    const test = {
      template: "template.yaml",
      constraint: "samples/bounded-limits/constraint.yaml",
    };
    const object = objects(join(dir, "samples/bounded-limits/example_disallowed.yaml"))[0] as {
      metadata: { name: string; namespace: string };
    };
    const findings = await evaluate(await load(dir, test, []), object);
    // The same Rego and the input Gatekeeper builds, through the pinned opa (Go).
    const template = parseYaml(readFileSync(join(dir, test.template), "utf8")) as {
      spec: { targets: { rego: string }[] };
    };
    const constraint = parseYaml(readFileSync(join(dir, test.constraint), "utf8")) as {
      spec: { parameters: unknown };
    };
    const work = mkdtempSync(join(tmpdir(), "gk-opa-"));
    writeFileSync(join(work, "template.rego"), template.spec.targets[0]!.rego);
    const input = {
      review: {
        object,
        kind: { group: "apps", version: "v1", kind: "Deployment" },
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        operation: "CREATE",
      },
      parameters: constraint.spec.parameters,
    };
    writeFileSync(join(work, "input.json"), JSON.stringify(input));
    const out = execFileSync(
      findOpa(),
      [
        "eval",
        "--v0-compatible",
        "-f",
        "json",
        "-d",
        join(work, "template.rego"),
        "-i",
        join(work, "input.json"),
        "data.k8sboundedlimits.violation",
      ],
      { encoding: "utf8" },
    );
    const violations = (
      JSON.parse(out) as {
        result: { expressions: { value: { msg: string; details: { path: unknown[] } }[] }[] }[];
      }
    ).result[0]!.expressions[0]!.value;
    const key = (x: { msg: string; path: unknown }) => JSON.stringify([x.msg, x.path]);
    expect(findings.map((f) => key({ msg: f.msg, path: f.path })).sort()).toEqual(
      violations.map((v) => key({ msg: v.msg, path: v.details.path })).sort(),
    );
    expect(findings.map((f) => f.msg)).toContain(
      'container sidecar has no limits for {"cpu", "memory"}',
    );
  });
});

describe("Gatekeeper semantics beyond gator's suites", () => {
  const labels = join(FIXTURES, "requiredlabels");
  const mustHaveOwner = {
    template: "template.yaml",
    constraint: "samples/must-have-owner/constraint.yaml",
  };
  const unowned = () => objects(join(labels, "samples/must-have-owner/example_disallowed.yaml"))[0];

  it("says 'not evaluated' when a namespaceSelector needs a namespace the repository does not hold, failing as the constraint would", async () => {
    const loaded = await load(labels, mustHaveOwner, []);
    const findings = await evaluate(loaded, unowned());
    // A deny constraint that cannot be decided is an error: never a silent pass.
    expect(findings).toEqual([
      {
        rule: "K8sRequiredOwnerLabels/must-have-owner",
        msg: expect.stringMatching(/^not evaluated: namespace shop not in repository/),
        path: [],
        severity: "error",
        policy: { file: "requiredlabels/samples/must-have-owner/constraint.yaml", line: 2 },
      },
    ]);
  });

  it("gives data.inventory the repository's objects in Gatekeeper's shape", async () => {
    const dir = join(FIXTURES, "uniqueingresshost");
    const test = {
      template: "template.yaml",
      constraint: "samples/unique-ingress-host/constraint.yaml",
    };
    const taken = objects(join(dir, "samples/unique-ingress-host/inventory.yaml"))[0] as {
      metadata: { namespace?: string };
    };
    // The same Ingress without a namespace sits under inventory.cluster, where the template does not look.
    const clusterScoped = { ...taken, metadata: { ...taken.metadata, namespace: undefined } };
    const blog = objects(join(dir, "samples/unique-ingress-host/example_disallowed.yaml"))[0];
    expect(await evaluate(await load(dir, test, [clusterScoped]), blog)).toEqual([]);
    const findings = await evaluate(await load(dir, test, [taken]), blog);
    expect(findings.map((f) => [f.msg, f.path])).toEqual([
      [
        "host shop.acme.example is already served by Ingress shop/storefront",
        ["spec", "rules", 1, "host"],
      ],
    ]);
  });

  it("skips kustomize patches: only whole objects reach the cluster", async () => {
    const loaded = await load(
      labels,
      mustHaveOwner,
      objects(join(labels, "samples/namespaces.yaml")),
    );
    const [result] = loaded.engine!.evaluate([
      { document: unowned(), file: { path: "patch.yaml", partial: true } },
    ]);
    expect(result).toEqual({ ok: true, findings: [] });
  });

  it("evaluates a CEL-only template's constraints with Kubernetes' CEL (variables.anyObject, the message)", async () => {
    const template = readFileSync(join(FIXTURES, "celonly", "template.yaml"), "utf8");
    const constraint = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sCelOnly
metadata:
  name: labelled
`;
    const loaded = await withCel(
      await loadGatekeeper(
        [
          { path: "gk/cel.yaml", text: template },
          { path: "gk/labelled.yaml", text: constraint },
        ],
        [],
        tools,
      ),
      [],
    );
    expect(loaded.errors).toEqual([]);
    expect(loaded.notEvaluated).toEqual([]);
    expect(loaded.constraints).toEqual(["K8sCelOnly/labelled"]);
    const bare = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "bare", namespace: "a" },
    };
    expect(await evaluate(loaded, bare)).toEqual([
      {
        rule: "K8sCelOnly/labelled",
        msg: "objects must have labels",
        path: [],
        severity: "error",
        policy: { file: "gk/labelled.yaml", line: 2 },
      },
    ]);
    const labelled = { ...bare, metadata: { ...bare.metadata, labels: { team: "shop" } } };
    expect(await evaluate(loaded, labelled)).toEqual([]);
  });

  const BAD_MATCH = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredOwnerLabels
metadata:
  name: bad-match
spec:
  enforcementAction: block
  match:
    scope: Everywhere
    labelSelector:
      matchExpressions:
        - key: tier
          operator: In
`;

  it("refuses what Gatekeeper refuses, at the file and line", async () => {
    const template = readFileSync(join(labels, "template.yaml"), "utf8");
    const loaded = await loadGatekeeper(
      [
        {
          path: "gk/renamed.yaml",
          text: template.replace("name: k8srequiredownerlabels", "name: owners"),
        },
        {
          path: "gk/constraint.yaml",
          text: BAD_MATCH,
        },
      ],
      [],
      tools,
    );
    expect(loaded.engine).toBeUndefined();
    expect(loaded.errors.map((e) => [e.file, e.line])).toEqual([
      ["gk/renamed.yaml", 5],
      ["gk/constraint.yaml", 2],
    ]);
    expect(loaded.errors[0]!.message).toMatch(/name must be the lowercase of its kind/);
    expect(loaded.errors[1]!.message).toMatch(
      /no ConstraintTemplate defines kind K8sRequiredOwnerLabels/,
    );

    const valid = await loadGatekeeper(
      [
        { path: "gk/template.yaml", text: template },
        {
          path: "gk/constraint.yaml",
          text: BAD_MATCH,
        },
      ],
      [],
      tools,
    );
    expect(valid.errors.map((e) => [e.line, e.message])).toEqual([
      [8, expect.stringMatching(/scope must be \*, Cluster or Namespaced/)],
      [11, expect.stringMatching(/operator In needs at least one value/)],
      [6, expect.stringMatching(/unknown enforcementAction "block"/)],
    ]);
  });

  it("maps a Rego compile error back to the template file's own line", async () => {
    const template = readFileSync(join(labels, "template.yaml"), "utf8").replace(
      "count(missing) > 0",
      "count(missing) >",
    );
    const line = template.split("\n").findIndex((l) => l.includes("count(missing) >")) + 1;
    const loaded = await loadGatekeeper([{ path: "gk/template.yaml", text: template }], [], tools);
    expect(loaded.errors).toHaveLength(1);
    expect(loaded.errors[0]).toMatchObject({ file: "gk/template.yaml" });
    // The parser may point at the broken line or the one after it.
    expect(loaded.errors[0]!.line).toBeGreaterThanOrEqual(line);
    expect(loaded.errors[0]!.line).toBeLessThanOrEqual(line + 1);
    expect(loaded.errors[0]!.message).toMatch(
      /^ConstraintTemplate K8sRequiredOwnerLabels could not be compiled: .*gk\/template\.yaml:\d+: rego_\w+_error/s,
    );
    expect(loaded.errors[0]!.message).not.toMatch(/gatekeeper-\d+\/|tmp/);
  });

  it("reads templates as Rego v0 unless a code source asks for v1, as Gatekeeper does", async () => {
    // The Rego alone (gator would run the CEL beside it): without `version: v1` it is read as v0.
    const text = readFileSync(join(FIXTURES, "hostnetwork", "template.yaml"), "utf8");
    const v1Only = text
      .replace(/ {8}- engine: K8sNativeValidation\n[\s\S]*?(?= {8}- engine: Rego)/, "")
      .replace('            version: "v1"\n', "");
    expect(v1Only).not.toContain("engine: K8sNativeValidation");
    const loaded = await loadGatekeeper([{ path: "gk/hostnetwork.yaml", text: v1Only }], [], tools);
    expect(loaded.errors).toHaveLength(1);
    expect(loaded.errors[0]!.message).toMatch(/rego_parse_error/);
  });
});
