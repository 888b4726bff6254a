// The builtins the wasm host does not supply (tools/wasm-builtins.json `engine`): a policy that
// calls one compiles for, and is evaluated by, the pinned `opa eval` (src/engines/opa/opa-eval.ts).
// Each class is run through Portcullis (buildPolicy + PolicyRunner, the path of both engines) and
// through `opa eval` directly: the same value, or undefined where opa's builtin fails (values and
// errors; policies run without strict builtin errors, as in Gatekeeper and conftest).
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { packageRoot } from "../../src/adapters/fs/policy-bundle.js";
import { findOpa } from "../../src/engines/opa/opa-binary.js";
import type { PolicyCompileError } from "../../src/engines/opa/opa-build.js";
import { type OpaTools } from "../../src/engines/opa/opa-build.js";
import { evaluateWithOpa } from "../../src/engines/opa/opa-eval.js";
import { opaCommand } from "../../src/engines/opa/opa-sandbox.js";
import { buildPolicy, PolicyRunner } from "../../src/engines/opa/policy-runner.js";
import { opaOutcomes, opaVersion } from "../support/opa-golden.js";

const ROOT = packageRoot();
const fixture = (name: string) => readFileSync(join(ROOT, "test/fixtures/opa-eval", name), "utf8");
const tools: OpaTools = {
  opa: findOpa(),
  capabilities: join(ROOT, "dist", "policies", "capabilities.json"),
};
const lists = JSON.parse(readFileSync(join(ROOT, "tools", "wasm-builtins.json"), "utf8")) as {
  engine: Record<string, string>;
};

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const SCHEMA = "type Query { a: Int, b(x: String!): String }";
const INPUT = {
  cert: fixture("certificate.crt"),
  csr: fixture("request.csr"),
  key: fixture("certificate-key.txt"),
  rsa: rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  ec: ec.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  ecPublic: ec.publicKey.export({ type: "spki", format: "pem" }).toString(),
  n: 1,
};

/** Per builtin: expressions that give values and expressions whose builtin fails. */
export const ENGINE_CASES: Record<string, string[]> = {
  "crypto.x509.parse_certificates": [
    "crypto.x509.parse_certificates(input.cert)",
    'crypto.x509.parse_certificates("not a certificate")',
    "crypto.x509.parse_certificates(input.n)",
  ],
  "crypto.x509.parse_certificate_request": [
    "crypto.x509.parse_certificate_request(input.csr)",
    "crypto.x509.parse_certificate_request(input.cert)",
  ],
  "crypto.x509.parse_keypair": [
    "crypto.x509.parse_keypair(input.cert, input.key)",
    "crypto.x509.parse_keypair(input.cert, input.rsa)",
  ],
  "crypto.x509.parse_rsa_private_key": [
    "crypto.x509.parse_rsa_private_key(input.rsa)",
    "crypto.x509.parse_rsa_private_key(input.ec)",
  ],
  "crypto.parse_private_keys": [
    "crypto.parse_private_keys(input.ec)",
    "crypto.parse_private_keys(input.rsa)",
    'crypto.parse_private_keys("")',
    "crypto.parse_private_keys(input.ecPublic)",
  ],
  "graphql.is_valid": [
    `graphql.is_valid("{ a }", "${SCHEMA}")`,
    `graphql.is_valid("{ c }", "${SCHEMA}")`,
  ],
  "graphql.parse": [`graphql.parse("{ a }", "${SCHEMA}")`, `graphql.parse("{ c }", "${SCHEMA}")`],
  "graphql.parse_and_verify": [
    `graphql.parse_and_verify("{ b(x: \\"y\\") }", "${SCHEMA}")`,
    `graphql.parse_and_verify("{ b }", "${SCHEMA}")`,
  ],
  "graphql.parse_query": ['graphql.parse_query("query Q { a }")', 'graphql.parse_query("{")'],
  "graphql.parse_schema": [`graphql.parse_schema("${SCHEMA}")`, 'graphql.parse_schema("type {")'],
  "graphql.schema_is_valid": [
    `graphql.schema_is_valid("${SCHEMA}")`,
    'graphql.schema_is_valid("type Q { a: Nope }")',
  ],
  "json.verify_schema": [
    'json.verify_schema({"type": "object"})',
    'json.verify_schema({"type": 1})',
    'json.verify_schema("{")',
  ],
  "json.match_schema": [
    'json.match_schema({"a": "x"}, {"properties": {"a": {"type": "string"}}})',
    'json.match_schema({"a": 1}, {"properties": {"a": {"type": "string", "maxLength": 3}}, "required": ["b"]})',
    'json.match_schema({"a": 1}, {"type": 1})',
  ],
  "net.cidr_merge": [
    'net.cidr_merge(["10.0.0.0/24", "10.0.1.0/24", "192.168.0.1", "10.0.0.128/25"])',
    'net.cidr_merge({"2001:db8::/33", "2001:db8:8000::/33"})',
    'net.cidr_merge(["10.0.0.0/33"])',
    'net.cidr_merge(["fish"])',
  ],
  "regex.globs_match": [
    'regex.globs_match("a.a.", ".b.b")',
    'regex.globs_match("[a-c]+", "[d-f]+")',
    'regex.globs_match("[", "a")',
  ],
  "rego.parse_module": [
    'rego.parse_module("x.rego", "package x\\n\\nimport rego.v1\\n\\np if input.a == 1\\n")',
    'rego.parse_module("x.rego", "pkg x")',
  ],
  "rego.metadata.rule": ["rego.metadata.rule()"],
  "rego.metadata.chain": ["count(rego.metadata.chain())"],
  "strings.render_template": [
    'strings.render_template("{{.name}} has {{len .items}} items{{range .items}} {{.}}{{end}}", {"name": "cart", "items": ["a", "b"]})',
    'strings.render_template("{{.name", {})',
    'strings.render_template("{{.missing.deeper}}", {})',
  ],
  "time.parse_ns": [
    'time.parse_ns("2006-01-02T15:04:05Z07:00", "2024-03-05T06:07:08+02:00")',
    'time.parse_ns("Jan 2 2006", "Mar 5 2024")',
    'time.parse_ns("2006-01-02", "05.03.2024")',
  ],
  "uri.parse": [
    'uri.parse("https://user:pw@example.com:8443/a%20b/c?q=1&q=2#frag")',
    'uri.parse("mailto:ops@example.com")',
    'uri.parse("http://[::1")',
  ],
  "uri.is_valid": [
    'uri.is_valid("https://example.com/x")',
    'uri.is_valid("http://[::1")',
    'uri.is_valid(":x")',
  ],
};

const module = (expressions: readonly string[]) =>
  ["package golden", "", ...expressions.map((e, i) => `c${i} := ${e}`), ""].join("\n");

/** Portcullis's answers: defined values by name (c0, c1, ...), through the path both engines use. */
async function portcullis(expressions: readonly string[]): Promise<Record<string, unknown>> {
  const compiled = await buildPolicy(
    {
      sources: [{ path: "golden.rego", text: module(expressions) }],
      entrypoints: ["golden"],
      v0: false,
    },
    tools,
  );
  return (new PolicyRunner(compiled, {}, "golden").evaluate(INPUT) ?? {}) as Record<
    string,
    unknown
  >;
}

const canonical = (v: unknown) => JSON.stringify(v);

describe(`builtins only the pinned opa supplies, against opa eval ${opaVersion()}`, () => {
  it("has cases for every builtin the pinned opa evaluates", () => {
    expect(Object.keys(ENGINE_CASES).sort()).toEqual(Object.keys(lists.engine).sort());
  });

  it.each(Object.entries(ENGINE_CASES))(
    "%s: opa eval's value, or undefined where it fails",
    async (_, expressions) => {
      const want = opaOutcomes(expressions, INPUT);
      const got = await portcullis(expressions);
      expect(expressions.map((e, i) => [e, canonical(got[`c${i}`])])).toEqual(
        expressions.map((e, i) => [
          e,
          want[i]!.error === undefined ? canonical(want[i]!.value) : undefined,
        ]),
      );
    },
  );

  it("reaches both values and errors", () => {
    const all = Object.values(ENGINE_CASES).flat();
    const want = opaOutcomes(all, INPUT);
    expect(want.filter((o) => o.error).length).toBeGreaterThan(12);
    expect(want.filter((o) => !o.error).length).toBeGreaterThan(20);
  });

  it("compiles such a policy for opa eval, not to wasm, and names the builtins", async () => {
    const compiled = await buildPolicy(
      {
        sources: [
          {
            path: "p.rego",
            text: 'package p\n\nx := net.cidr_merge(["10.0.0.0/24"])\ny := uri.is_valid("a")\n',
          },
        ],
        entrypoints: ["p/x"],
        v0: false,
      },
      tools,
    );
    expect(compiled.wasm).toBeUndefined();
    expect(compiled.opaBuiltins).toEqual(["net.cidr_merge", "uri.is_valid"]);
  });

  it("gives rule metadata as opa eval does", async () => {
    const text =
      "# METADATA\n# title: Golden\npackage golden\n\nimport rego.v1\n\n# METADATA\n# title: Owners\n# custom:\n#   severity: high\nx := rego.metadata.rule()\n\ny := [a.annotations.title | some a in rego.metadata.chain()] if true\n";
    const compiled = await buildPolicy(
      { sources: [{ path: "meta.rego", text }], entrypoints: ["golden"], v0: false },
      tools,
    );
    const got = new PolicyRunner(compiled, {}, "golden").evaluate({});
    expect(got).toEqual({
      x: { title: "Owners", scope: "rule", custom: { severity: "high" } },
      y: ["Golden"],
    });
  });
});

describe("a call the wasm host cannot answer as OPA would", () => {
  it("is evaluated again by the pinned opa, which gives OPA's answer", async () => {
    const expressions = ['regex.replace("A-a", "(?i:a)", "b")', 'regex.match("(?U)a+", "aaa")'];
    const compiled = await buildPolicy(
      {
        sources: [{ path: "golden.rego", text: module(expressions) }],
        entrypoints: ["golden"],
        v0: false,
      },
      tools,
    );
    expect(compiled.wasm).toBeDefined();
    const got = new PolicyRunner(compiled, {}, "golden").evaluate({}) as Record<string, unknown>;
    const want = opaOutcomes(expressions, {});
    expect([got.c0, got.c1]).toEqual([want[0]!.value, want[1]!.value]);
    expect(got.c0).toBe("b-b");
  });
});

// Refused builtins in a policy the pinned opa evaluates: test/engines/host-builtins.test.ts.
describe("a policy evaluated by the pinned opa", () => {
  const compile = (text: string) =>
    buildPolicy(
      { sources: [{ path: "p/policy.rego", text }], entrypoints: ["p/x"], v0: false },
      tools,
    );

  it("reports its other compile errors at their line", async () => {
    const err = (await compile(
      'package p\n\nimport rego.v1\n\nx := uri.is_valid("a")\n\ny := unknown_thing\n',
    ).catch((e: unknown) => e)) as PolicyCompileError;
    expect(err.message).toContain("p/policy.rego:7");
    expect(err.message).toContain("unknown_thing");
  });

  it("names a policy outside the working folder by its own path, not the name it was compiled under", async () => {
    const text = "package p\n\nimport rego.v1\n\nx := 2\n\ny := unknown_thing\n";
    const err = (await buildPolicy(
      { sources: [{ path: "../outside/policy.rego", text }], entrypoints: ["p/x"], v0: false },
      tools,
    ).catch((e: unknown) => e)) as PolicyCompileError;
    expect(err.message).toContain("../outside/policy.rego:7");
    expect([err.file, err.line]).toEqual(["../outside/policy.rego", 7]);
  });

  it("reaches no host for a remote JSON Schema $ref: the call fails instead", async () => {
    let connections = 0;
    const server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const got = await portcullis([
        `json.match_schema({"a": 1}, {"$ref": "http://127.0.0.1:${port}/schema.json"})`,
        'json.match_schema({"a": 1}, {"$ref": "file:///etc/hostname"})',
        'uri.is_valid("x")',
      ]);
      expect(got).toEqual({ c2: true });
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });

  it("reads no file of the machine through a file: $ref (a JSON file outside the repository)", () => {
    const dir = mkdtempSync(join(tmpdir(), "portcullis-secret-"));
    const secret = join(dir, "secret.json");
    writeFileSync(secret, '{"type": "object", "required": ["hunter2"]}');
    try {
      const text = `package p\n\nx := json.match_schema({}, {"$ref": "file://${secret}"})\n\ny := json.verify_schema({"$ref": "file://${secret}"})\n`;
      let got: unknown;
      try {
        got = evaluateWithOpa(program(text), {}, "data.p", "{}");
      } catch (e) {
        // where opa cannot be confined, the policy is refused, never evaluated against the disk
        got = String(e);
        expect(got).toContain("repository policy not evaluated");
      }
      expect(JSON.stringify(got)).not.toContain("hunter2");
      expect(JSON.stringify(got)).not.toContain('"y":[true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const program = (text: string) => ({
    sources: [{ path: "p.rego", text }],
    v0: false,
    opa: tools.opa,
    capabilities: join(ROOT, "dist", "policies", "capabilities-opa.json"),
  });

  it("where opa cannot be confined, refuses only a policy that names a builtin reading the disk", () => {
    // /bin/false cannot answer the confinement probe: as on a system without user namespaces
    const caps = join(ROOT, "dist", "policies", "capabilities-opa.json");
    const reads = [{ text: 'x := json.match_schema({}, {"$ref": "file:///etc/x.json"})' }];
    expect(() => opaCommand("/bin/false", caps, "/w", 1024, reads, () => [])).toThrow(
      "repository policy not evaluated: it calls json.match_schema or json.verify_schema",
    );
    const other = opaCommand("/bin/false", caps, "/w", 1024, [{ text: "x := 1" }], (at, c) => [
      "eval",
      "--capabilities",
      c,
      "-d",
      at("policy"),
    ]);
    expect(other.slice(-6)).toEqual([
      "/bin/false",
      "eval",
      "--capabilities",
      caps,
      "-d",
      "/w/policy",
    ]);
  });

  it("is stopped at the time limit", () => {
    const runaway =
      "package p\n\nimport rego.v1\n\nx if {\n  r := numbers.range(1, 40000)\n  some i in r\n  some j in r\n  i == j\n  i < 0\n}\n";
    expect(() =>
      evaluateWithOpa(program(runaway), {}, "data.p.x", "{}", { timeLimitMs: 500, heapMb: 256 }),
    ).toThrow("repository policy stopped: it ran longer than 0.5 s (opa eval)");
  });

  it("is stopped at its memory ceiling", () => {
    const hungry = "package p\n\nx := count([[i, i] | some i in numbers.range(1, 100000000)])\n";
    expect(() =>
      evaluateWithOpa(program(hungry), {}, "data.p.x", "{}", { timeLimitMs: 60_000, heapMb: 192 }),
    ).toThrow(
      /^repository policy stopped: (it used more than 192 MiB \(opa eval\)|opa eval crashed \(.*\), as it does at its memory ceiling of 192 MiB)$/,
    );
  }, 70_000);

  it("reads its input and data, and says undefined as undefined", () => {
    const text = "package p\n\nimport rego.v1\n\nx := [input.a, data.settings.b] if input.a > 0\n";
    expect(
      evaluateWithOpa(program(text), { settings: { b: "B" } }, "data.p.x", '{"a": 1}'),
    ).toEqual([1, "B"]);
    expect(
      evaluateWithOpa(program(text), { settings: { b: "B" } }, "data.p.x", '{"a": 0}'),
    ).toBeUndefined();
  });
});
